/**
 * Devices that confirm what they apply (our library sends receipts) and have not confirmed an operation's key are
 * sent it again, with backoff, up to a limit; then they are `failed` and listed ("no receipt"). A device is known to
 * send receipts once one of its receipts was accepted (`lastSeenAt`); others (e4go devices) stay `sent`: the broker
 * took their command, and that is all the C2 can know.
 *
 * finishOperation.ts queues a check {@link CONFIRMATION_DELAY_MS} after an operation that installed a key ends. The
 * check moves the silent devices whose wait is over ({@link resendBackoffMs}: 30 s after the first send, 60 s after
 * the second, 120 s after the third) back to `pending` and the operation to `running` (as a retry does,
 * retryOperation.ts): the worker sends them the same key at fresh seconds and finishes the operation again, which
 * queues the next check. A device whose wait is not over yet is looked at again when it is. A delivery sent
 * {@link MAX_SENDS} times without a receipt is `failed` instead, once its last wait is over. Nothing is sent when a
 * later operation has given the topic another key since (it delivers that one).
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { eachPage } from '../pages.js';
import type { DeliveryRecord, DeliveryTransition, OperationRecord } from '../ports/OperationStore.js';
import type { ConfirmationMessage } from '../ports/WorkQueue.js';
import type { PageRequest } from '../ports.js';
import { topicOf } from './linkPass.js';
import { startWatch } from './watchOperation.js';

/** How long after an operation ends its devices' receipts are looked at (receipts take milliseconds; late ones are
 * looked up again for 17.5 s, see acceptReceipts.ts). */
export const CONFIRMATION_DELAY_MS = 30_000;
/** Sends of one key to a device that confirms things, before it is given up on. */
export const MAX_SENDS = 3;

/** How long a device that confirms things is waited for after its `sends`-th send (it doubles each time). */
export const resendBackoffMs = (sends: number): number => CONFIRMATION_DELAY_MS * 2 ** Math.max(0, sends - 1);

export async function checkConfirmations(deps: C2Deps, message: ConfirmationMessage): Promise<void> {
  const { operations, queue } = deps;
  const { tenantId, operationId } = message;
  const operation = await operations.getOperation(tenantId, operationId);
  if (!operation || operation.finishedAt === undefined || operation.keyVersion === undefined) return;
  // Topic keys only: a new identity or C2 key is not sent again (the device that missed it cannot open a repeat).
  if (operation.kind !== 'topic.rotate' && operation.kind !== 'link.delete') return;
  const { topic } = topicOf(operation);
  const record = await deps.store.getTopic(tenantId, topic);
  if (!record || record.keyVersion !== operation.keyVersion) return;
  const now = deps.clock();
  const dueAt = (delivery: DeliveryRecord) => Date.parse(delivery.updatedAt) + resendBackoffMs(delivery.attempts);
  const waiting = await silentDevices(deps, operation);
  const silent = waiting.filter((delivery) => dueAt(delivery) <= now);
  const later = waiting.filter((delivery) => dueAt(delivery) > now);
  if (silent.length === 0) return checkAgain(deps, message, later, dueAt);
  const at = new Date(now).toISOString();
  const giveUp = silent.filter((delivery) => delivery.attempts >= MAX_SENDS);
  const again = silent.filter((delivery) => delivery.attempts < MAX_SENDS);
  let current = operation;
  if (again.length > 0) {
    await startWatch(deps, tenantId, operationId);
    try {
      current = await operations.updateOperation(
        tenantId,
        operationId,
        { status: 'running', cursor: null, finishedAt: null, updatedAt: at },
        operation.revision,
      );
    } catch (error) {
      // Retried or checked meanwhile: that one carries on.
      if (error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate) return;
      throw error;
    }
  }
  try {
    await move(deps, current, giveUp, { to: 'failed', lastError: `no receipt after ${MAX_SENDS} sends`, at });
    await move(deps, current, again, { to: 'pending', at });
  } finally {
    // Running again: whatever happened above, the worker must get it (it sends what is pending, then finishes it).
    if (again.length > 0) await queue.enqueue([{ type: 'operation', tenantId, operationId }]);
  }
  if (again.length > 0) return; // finished again after the resend, it queues the next check
  await checkAgain(deps, message, later, dueAt);
  if (giveUp.length > 0 && operation.status === 'succeeded') {
    await operations.updateOperation(tenantId, operationId, { status: 'partial', updatedAt: at }, operation.revision);
  }
}

/** A check when the first of `later` is due (nothing when none is waited for). */
async function checkAgain(
  deps: C2Deps,
  { tenantId, operationId }: ConfirmationMessage,
  later: readonly DeliveryRecord[],
  dueAt: (delivery: DeliveryRecord) => number,
): Promise<void> {
  if (later.length === 0) return;
  const first = later.reduce((soonest, delivery) => Math.min(soonest, dueAt(delivery)), Number.POSITIVE_INFINITY);
  const delayMs = Math.max(0, first - deps.clock());
  await deps.queue.enqueue([{ type: 'confirmation', tenantId, operationId }], { delayMs });
}

/** The `sent` deliveries of the operation whose clients are known to send receipts. */
async function silentDevices(deps: C2Deps, operation: OperationRecord): Promise<DeliveryRecord[]> {
  const silent: DeliveryRecord[] = [];
  const sent = (page: PageRequest) =>
    deps.operations.listDeliveries(operation.tenantId, operation.id, { state: 'sent' }, page);
  for await (const page of eachPage(sent)) {
    const clients = await deps.store.getClients(
      operation.tenantId,
      page.map((delivery) => delivery.clientName),
    );
    const confirming = new Set(clients.filter((client) => client.lastSeenAt !== undefined).map((c) => c.name));
    silent.push(...page.filter((delivery) => confirming.has(delivery.clientName)));
  }
  return silent;
}

/** Moves `sent` deliveries on, and the counts with exactly those that moved. */
async function move(
  deps: C2Deps,
  operation: OperationRecord,
  deliveries: readonly DeliveryRecord[],
  change: { to: 'pending' | 'failed'; lastError?: string; at: string },
): Promise<void> {
  if (deliveries.length === 0) return;
  const transitions: DeliveryTransition[] = deliveries.map((delivery) => ({
    clientName: delivery.clientName,
    from: ['sent'],
    to: change.to,
    ...(change.lastError === undefined ? {} : { lastError: change.lastError }),
    updatedAt: change.at,
  }));
  const moved = await deps.operations.transitionDeliveries(operation.tenantId, operation.id, transitions);
  if (moved.length > 0) {
    await deps.operations.addToCounts(
      operation.tenantId,
      operation.id,
      { sent: -moved.length, [change.to]: moved.length },
      change.at,
    );
  }
}
