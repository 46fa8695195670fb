/**
 * The first pass of a topic operation (a rotation, a revocation) goes over the topic's links, not over delivery
 * records written beforehand: a device's delivery is written once, with its outcome, and until then it is `pending`
 * without a record (the operation's counts say how many). Its cursor is {@link LINK_PASS} followed by the links'
 * cursor. Later passes (a retry, a resend to silent devices) go over the records, which they make `pending` again.
 */
import type { C2Deps } from '../C2Deps.js';
import type { DeliveryRecord, OperationRecord } from '../ports/OperationStore.js';
import type { Page } from '../ports.js';
import { pendingDelivery } from './pendingDelivery.js';

export const LINK_PASS = 'links:';

export const inLinkPass = (cursor: string | undefined | null): cursor is string =>
  cursor?.startsWith(LINK_PASS) === true;

/** The topic of a topic operation, and the client a revocation takes off it. */
export function topicOf(operation: OperationRecord): { topic: string; leaving: string | undefined } {
  const { target } = operation;
  if (target.type === 'topic') return { topic: target.name, leaving: undefined };
  if (target.link) return { topic: target.link.topic, leaving: target.link.client };
  throw new Error(`operation ${operation.id}: a ${operation.kind} without its link`);
}

/**
 * A page of the devices of a topic operation in its first pass, from `cursor` (a link-pass cursor): each the
 * delivery recorded for it, or `pending` when none is (`withRecords`: read them; else all are taken as pending).
 * The page's cursor is a link-pass cursor, absent at the end of the links.
 */
export async function linkPassPage(
  deps: C2Deps,
  operation: OperationRecord,
  cursor: string,
  limit: number,
  withRecords: boolean,
): Promise<Page<DeliveryRecord>> {
  const { tenantId, id } = operation;
  const { topic, leaving } = topicOf(operation);
  const from = cursor.slice(LINK_PASS.length);
  const page = await deps.store.listClientsOfTopic(tenantId, topic, { limit, ...(from ? { cursor: from } : {}) });
  const names = page.items.filter((name) => name !== leaving);
  const records = withRecords && names.length > 0 ? await deps.operations.getDeliveries(tenantId, id, names) : [];
  const found = new Map(records.map((record) => [record.clientName, record]));
  const at = operation.updatedAt;
  const items = names.map((name) => found.get(name) ?? pendingDelivery(operation, name, at));
  return { items, ...(page.cursor ? { cursor: LINK_PASS + page.cursor } : {}) };
}
