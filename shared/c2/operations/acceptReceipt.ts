/**
 * A device's receipt for a command it applied and saved (docs/protocol.md, section 11): the delivery of that command
 * moves to `confirmed`, once. The receipt names the command by its hash; the fan-out recorded a CommandRef for each
 * command before publishing it, which leads to the operation and the client. A receipt that does not read, open
 * (forged, tampered, another key) or fall in E4's time window is refused: dropped and reported, never thrown (it would
 * come back forever). One that opens but names no command yet may have overtaken the C2's record of it: it goes back
 * to the queue with a delay, a few times. A receipt replayed changes nothing: the transition is conditional, and only
 * the delivery it moved is counted. Authentic receipts also record when the client was last seen and, for an
 * operation that installed a topic key (or a command that names the topic key it carried, a resync's), the key
 * version the device now holds (what a resync compares).
 * Throws only for failures worth retrying (store or vault unavailable).
 */
import { getDefaultEngine } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { DeliveryState, OperationStore } from '../ports/OperationStore.js';
import type { ReceiptMessage } from '../ports/WorkQueue.js';
import type { ClientRecord } from '../ports.js';
import { checkReceipt, openReceipt, readReceiptMessage } from './receipts/openReceipt.js';
import type { ReceiptOutcome } from './receipts/ReceiptOutcome.js';
import { receiptKeys } from './receipts/receiptKeys.js';

/**
 * How long after each try a receipt whose command's outcome is not recorded yet is looked up again (the fan-out
 * writes a page's outcomes and references once the page is published: a device's receipt usually comes first).
 */
export const RECEIPT_RETRY_DELAYS_MS = [500, 2_000, 5_000, 10_000] as const;
export const RECEIPT_RETRIES = RECEIPT_RETRY_DELAYS_MS.length;

/**
 * The states a delivery is confirmed from, the likeliest first. Not `pending`: the fan-out writes the outcome of a
 * pending delivery without a condition, so a receipt that finds it pending waits for that outcome.
 */
const UNCONFIRMED: readonly DeliveryState[] = ['sent', 'failed'];

export async function acceptReceipt(
  deps: C2Deps,
  message: ReceiptMessage,
  report?: (outcome: ReceiptOutcome) => void,
): Promise<void> {
  const outcome = await judgeReceipt(deps, message);
  report?.(outcome);
}

async function judgeReceipt(deps: C2Deps, message: ReceiptMessage): Promise<ReceiptOutcome> {
  const operations = deps.operations;
  if (!operations) throw new Error('acceptReceipt: the C2 has no operation store (deps.operations)');
  const receipt = readReceiptMessage(message);
  if (!receipt) return { result: 'refused', reason: 'MALFORMED' };
  const { tenantId } = receipt;
  const now = deps.clock();
  const outOfWindow = checkReceipt(receipt.payload, now);
  if (outOfWindow) return { result: 'refused', reason: outOfWindow };
  const client = await deps.store.getClientById(tenantId, receipt.clientId);
  if (!client) return { result: 'refused', reason: 'UNKNOWN_CLIENT' };
  const opened = await openWithKeysOf(deps, client, receipt.payload);
  if (!opened.ok) return { result: 'refused', reason: opened.reason };
  const at = new Date(now).toISOString();
  await deps.store.recordClientSeen(tenantId, client.name, at);
  const ref = await operations.getCommandRef(tenantId, client.id, opened.commandHash);
  if (!ref) return retryLater(deps, message, receipt.tries);
  if (ref.topicKey) {
    // A resync's command: the key it carried is held, whatever became of the delivery (also on a duplicate).
    const { topic, keyVersion } = ref.topicKey;
    await deps.store.recordLinkConfirmed(tenantId, topic, ref.clientName, { keyVersion, at });
  }
  const from = await confirm(operations, tenantId, ref.operationId, ref.clientName, at);
  if (from === 'pending') return retryLater(deps, message, receipt.tries);
  const operation = await operations.getOperation(tenantId, ref.operationId);
  const topic = operation?.target.type === 'topic' ? operation.target.name : operation?.target.link?.topic;
  if (topic !== undefined && operation?.keyVersion !== undefined) {
    // Also on a duplicate: repeats what a crash may have cut short (the write never moves a version back).
    await deps.store.recordLinkConfirmed(tenantId, topic, ref.clientName, { keyVersion: operation.keyVersion, at });
  }
  const { operationId, clientName } = ref;
  return from
    ? { result: 'confirmed', operationId, clientName, from }
    : { result: 'duplicate', operationId, clientName };
}

/** Tries the client's command keys (current, then pending ones) until one opens the receipt. */
async function openWithKeysOf(deps: C2Deps, client: ClientRecord, payload: Uint8Array) {
  const engine = deps.engine ?? getDefaultEngine();
  let last: { ok: false; reason: string } = { ok: false, reason: 'AUTHENTICATION_FAILED' };
  try {
    for await (const key of receiptKeys(deps, engine, client)) {
      const opened = openReceipt(payload, key, engine);
      if (opened.ok || opened.reason !== 'AUTHENTICATION_FAILED') return opened;
    }
  } catch (error) {
    // A stored key that does not open (tampered record) refuses the receipt; an unavailable vault is retried.
    if (error instanceof C2Error && error.code === C2ErrorCode.KeyIntegrity) last = { ok: false, reason: error.code };
    else throw error;
  }
  return last;
}

/**
 * Moves the delivery to confirmed from the state it is in, and the counts with it; the state it left, `pending` when
 * it is still pending (nothing done), or undefined when it was confirmed already (or is not there). A transition
 * lost to a concurrent one reads the state again.
 */
async function confirm(
  operations: OperationStore,
  tenantId: string,
  operationId: string,
  clientName: string,
  updatedAt: string,
): Promise<DeliveryState | undefined> {
  for (let attempt = 0; attempt < UNCONFIRMED.length; attempt++) {
    const delivery = await operations.getDelivery(tenantId, operationId, clientName);
    if (delivery?.state === 'pending') return 'pending';
    if (!delivery || !UNCONFIRMED.includes(delivery.state)) return undefined;
    const from = delivery.state;
    const moved = await operations.transitionDeliveries(tenantId, operationId, [
      { clientName, from: [from], to: 'confirmed', updatedAt },
    ]);
    if (moved.length === 1) {
      await operations.addToCounts(tenantId, operationId, { [from]: -1, confirmed: 1 }, updatedAt);
      return from;
    }
  }
  // Moved on under us each time (sent -> pending by a retry -> sent ...): let the queue hand it over again.
  throw new C2Error(C2ErrorCode.ConcurrentUpdate, `the delivery of ${operationId} to a client kept changing`);
}

async function retryLater(deps: C2Deps, message: ReceiptMessage, tries: number): Promise<ReceiptOutcome> {
  if (tries >= RECEIPT_RETRIES || !deps.queue)
    return { result: 'dropped', reason: 'no command of the C2 has its hash' };
  await deps.queue.enqueue([{ ...message, tries: tries + 1 }], { delayMs: RECEIPT_RETRY_DELAYS_MS[tries] });
  return { result: 'requeued', tries: tries + 1 };
}
