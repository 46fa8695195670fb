/**
 * Reading links: the clients of a topic (names) and the topics of a client (with their key versions, current and
 * confirmed by the device), in order, paged; and their counts.
 */
import type { C2Deps } from '../C2Deps.js';
import { requireClient } from '../clients/requireClient.js';
import { validateClientName } from '../clients/validateClientName.js';
import type { Caller, LinkConfirmation, Page, PageRequest } from '../ports.js';
import { requireTopic } from '../topics/requireTopic.js';
import { validateTopic } from '../topics/validateTopic.js';
import { validatePageRequest } from '../validatePageRequest.js';

export async function listClientsOfTopic(
  deps: C2Deps,
  caller: Caller,
  topicName: string,
  page: PageRequest,
): Promise<Page<string>> {
  const topic = validateTopic(topicName);
  validatePageRequest(page);
  await requireTopic(deps, caller.tenantId, topic);
  return deps.store.listClientsOfTopic(caller.tenantId, topic, page);
}

/** A topic of a client, with the key version it has and the one the device confirmed holding. */
export interface TopicOfClient {
  readonly topic: string;
  /** The topic's current key version (absent when the topic went away since the page was read). */
  readonly keyVersion?: number;
  /** The latest version the device confirmed holding (a receipt), and when; absent when it never confirmed one. */
  readonly confirmed?: LinkConfirmation;
}

export async function listTopicsOfClient(
  deps: C2Deps,
  caller: Caller,
  clientName: string,
  page: PageRequest,
): Promise<Page<TopicOfClient>> {
  const name = validateClientName(clientName);
  validatePageRequest(page);
  await requireClient(deps, caller.tenantId, name);
  const links = await deps.store.listLinksOfClient(caller.tenantId, name, page);
  const topics = await Promise.all(links.items.map((link) => deps.store.getTopic(caller.tenantId, link.topic)));
  return {
    ...links,
    items: links.items.map(({ topic, confirmed }, i) => ({
      topic,
      ...(topics[i] ? { keyVersion: topics[i].keyVersion } : {}),
      ...(confirmed ? { confirmed } : {}),
    })),
  };
}

export async function countClientsOfTopic(deps: C2Deps, caller: Caller, topicName: string): Promise<number> {
  const topic = validateTopic(topicName);
  await requireTopic(deps, caller.tenantId, topic);
  return deps.store.countClientsOfTopic(caller.tenantId, topic);
}

export async function countTopicsOfClient(deps: C2Deps, caller: Caller, clientName: string): Promise<number> {
  const name = validateClientName(clientName);
  await requireClient(deps, caller.tenantId, name);
  return deps.store.countTopicsOfClient(caller.tenantId, name);
}
