/**
 * Retries a finished operation for the devices that have not confirmed its key: each of them (`sent` or `failed`)
 * is `pending` again, the operation `running`, and the worker sends them the same key (never a new one) at fresh
 * seconds when the first ones are old (see topicOperation.ts). Only the operation that installed the topic's current
 * key can be retried: an older one would send a key the topic no longer has (409, the later operation delivers
 * the current key). A running operation is not retried (409: it is still sending), unless it has not moved for two
 * minutes: it is then queued again (its message may have been lost: a worker that died past its retries).
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { DeliveryTransition, OperationRecord } from '../ports/OperationStore.js';
import type { Caller } from '../ports.js';
import { topicOf } from './linkPass.js';
import { freeOperationSlot, holdsSlot, takeOperationSlot } from './operationSlots.js';
import { startWatch } from './watchOperation.js';

const PAGE = 100;
/** An unfinished operation not updated for this long is queued again by a retry instead of refused. */
const STALE_MS = 2 * 60_000;

export async function retryOperation(deps: C2Deps, caller: Caller, id: string): Promise<OperationRecord> {
  const { operations, queue } = deps;
  const { tenantId } = caller;
  const operation = await operations.getOperation(tenantId, id);
  if (!operation) throw new C2Error(C2ErrorCode.NotFound, `no operation "${id}"`);
  if (operation.finishedAt === undefined && deps.clock() - Date.parse(operation.updatedAt) > STALE_MS) {
    // Unfinished and untouched for long: its message may be lost (a worker that died past its retries). Queued
    // again; the worker goes on where it stands.
    await queue.enqueue([{ type: 'operation', tenantId, operationId: id }]);
    return operation;
  }
  await checkRetriable(deps, operation);
  // Running again: a slot of the tenant's quota of operations in progress (operationSlots.ts) first.
  const slotted = holdsSlot(operation, operation.parentId) && (await takeOperationSlot(deps, tenantId, id));
  await startWatch(deps, tenantId, id);
  const at = new Date(deps.clock()).toISOString();
  let retried: OperationRecord;
  try {
    retried = await operations.updateOperation(
      tenantId,
      id,
      { status: 'running', cursor: null, finishedAt: null, error: null, updatedAt: at },
      operation.revision,
    );
  } catch (error) {
    if (slotted) await freeOperationSlot(deps, tenantId, id).catch(() => undefined);
    if (error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate) {
      throw new C2Error(C2ErrorCode.ConcurrentUpdate, `operation "${id}" changed meanwhile (retried already?)`);
    }
    throw error;
  }
  try {
    retried = await resetUnconfirmed(deps, retried, at);
  } finally {
    // Running now: whatever happened above, the worker must get it (it sends what is pending, then finishes it).
    await queue.enqueue([{ type: 'operation', tenantId, operationId: id }]);
  }
  return retried;
}

/** Every `sent` or `failed` delivery `pending` again, the counts with them; the operation as it then stands. */
async function resetUnconfirmed(deps: C2Deps, operation: OperationRecord, at: string): Promise<OperationRecord> {
  const { operations } = deps;
  const { tenantId, id } = operation;
  let retried = operation;
  let cursor: string | undefined;
  do {
    const page = await operations.listDeliveries(tenantId, id, {}, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    const transitions: DeliveryTransition[] = page.items
      .filter((delivery) => delivery.state === 'sent' || delivery.state === 'failed')
      .map((delivery) => ({ clientName: delivery.clientName, from: [delivery.state], to: 'pending', updatedAt: at }));
    const changed = await operations.transitionDeliveries(tenantId, id, transitions);
    if (changed.length > 0) {
      const fromSent = transitions.filter(
        (t) => t.from[0] === 'sent' && changed.some((d) => d.clientName === t.clientName),
      ).length;
      retried = await operations.addToCounts(
        tenantId,
        id,
        { pending: changed.length, sent: -fromSent, failed: -(changed.length - fromSent) },
        at,
      );
    }
    cursor = page.cursor;
  } while (cursor);
  return retried;
}

async function checkRetriable(deps: C2Deps, operation: OperationRecord): Promise<void> {
  const refuse = (message: string) => new C2Error(C2ErrorCode.ConcurrentUpdate, message);
  if (operation.finishedAt === undefined) throw refuse(`operation "${operation.id}" is still ${operation.status}`);
  if (operation.kind !== 'topic.rotate' && operation.kind !== 'link.delete') {
    throw new C2Error(C2ErrorCode.WrongMode, `operations of kind ${operation.kind} are not retried`);
  }
  if (operation.keyVersion === undefined || operation.status === 'failed') {
    throw refuse(`operation "${operation.id}" installed no key: start a new one`);
  }
  const { topic } = topicOf(operation);
  const record = await deps.store.getTopic(operation.tenantId, topic);
  if (!record) throw new C2Error(C2ErrorCode.NotFound, `topic "${topic}" does not exist any more`);
  if (record.keyVersion !== operation.keyVersion || record.keyOperationId !== operation.id) {
    throw refuse(
      `the topic's key is at version ${record.keyVersion}, not ${operation.keyVersion}: the operation that installed it delivers it`,
    );
  }
}
