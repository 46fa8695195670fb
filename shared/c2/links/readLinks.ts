/** Reading links: the clients of a topic and the topics of a client (names, in order, paged), and their counts. */
import type { C2Deps } from '../C2Deps.js';
import { requireClient } from '../clients/requireClient.js';
import { validateClientName } from '../clients/validateClientName.js';
import type { Caller, Page, PageRequest } from '../ports.js';
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

export async function listTopicsOfClient(
  deps: C2Deps,
  caller: Caller,
  clientName: string,
  page: PageRequest,
): Promise<Page<string>> {
  const name = validateClientName(clientName);
  validatePageRequest(page);
  await requireClient(deps, caller.tenantId, name);
  return deps.store.listTopicsOfClient(caller.tenantId, name, page);
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
