/** Reading topics: one by name, a page in id order, those that start with a prefix, the count. Keys never leave. */
import type { C2Deps } from '../C2Deps.js';
import { mapPage } from '../pages.js';
import type { Caller, Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import { requireTopic } from './requireTopic.js';
import { type TopicView, topicView } from './TopicView.js';
import { validateTopic } from './validateTopic.js';

export async function getTopic(deps: C2Deps, caller: Caller, topic: string): Promise<TopicView> {
  return topicView(await requireTopic(deps, caller.tenantId, validateTopic(topic)));
}

export async function listTopics(deps: C2Deps, caller: Caller, page: PageRequest): Promise<Page<TopicView>> {
  const result = await deps.store.listTopics(caller.tenantId, validatePageRequest(page));
  return mapPage(result, topicView);
}

/** The topics that start with `prefix` (checked as a topic), in hash order; a page may be short (ports.ts). */
export async function findTopics(
  deps: C2Deps,
  caller: Caller,
  prefix: string,
  page: PageRequest,
): Promise<Page<TopicView>> {
  const checked = validateTopic(prefix);
  return mapPage(await deps.store.findTopicsByPrefix(caller.tenantId, checked, validatePageRequest(page)), topicView);
}

export function countTopics(deps: C2Deps, caller: Caller): Promise<number> {
  return deps.store.countTopics(caller.tenantId);
}
