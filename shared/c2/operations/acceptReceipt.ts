/**
 * A device's receipt for a command it applied and saved (docs/protocol.md, section 11): the delivery of that command
 * moves to `confirmed`, once. The receipt names the command by its hash; a CommandRef written before the command
 * was published leads to the operation and the client. A topic operation writes references only for devices known
 * to send receipts (sendTopicKeyPage.ts): the first receipt of a device not heard from before is matched through
 * its topics instead, to the delivery of the operation that gave each its key (matchThroughTopics). A receipt that
 * does not read, open (forged, tampered, another key) or fall in E4's time window is refused: dropped and reported,
 * never thrown (it would come back forever). One that opens but names no command yet, or a delivery whose outcome is
 * not written yet, goes back to the queue with a delay, a few times. A receipt replayed changes nothing: the
 * transition is conditional, and only the delivery it moved is counted. Authentic receipts also record when the
 * client was last seen and the topic key version the device now holds (what a resync compares).
 * Throws only for failures worth retrying (store or vault unavailable).
 */
import { equalBytes, getDefaultEngine } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { CommandRef, DeliveryState, OperationStore } from '../ports/OperationStore.js';
import type { ReceiptMessage } from '../ports/WorkQueue.js';
import type { ClientRecord } from '../ports.js';
import { checkReceipt, openReceipt, readReceiptMessage } from './receipts/openReceipt.js';
import type { ReceiptOutcome } from './receipts/ReceiptOutcome.js';
import { receiptKeys } from './receipts/receiptKeys.js';

/**
 * How long after each try a receipt whose command is not found yet is looked up again (a reference is written before
 * its command goes out, but a device not heard from before has none: its delivery is found once its outcome is
 * written, after its page was published).
 */
export const RECEIPT_RETRY_DELAYS_MS = [500, 2_000, 5_000, 10_000] as const;
export const RECEIPT_RETRIES = RECEIPT_RETRY_DELAYS_MS.length;

/** How many of a client's topics a first receipt is matched through (see matchThroughTopics). */
const TOPICS_MATCHED = 100;

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
  const seenBefore = client.lastSeenAt !== undefined;
  // Every receipt (a resync sends a returning device what changed since it was last seen).
  await deps.store.recordClientSeen(tenantId, client.name, at);
  const ref =
    (await operations.getCommandRef(tenantId, client.id, opened.commandHash)) ??
    // A device not heard from before has no reference from a topic operation: matched through its topics at once,
    // and at the first two retries (its outcome may not be written yet; they find it seen already). Never more: a
    // command may have no reference at all (a throw-away key, RemoveTopic, a link's key).
    (!seenBefore || receipt.tries === 1 || receipt.tries === 2
      ? await matchThroughTopics(deps, client, opened.commandHash)
      : undefined);
  if (!ref) return retryLater(deps, message, receipt.tries);
  const from = await confirm(operations, tenantId, ref, at);
  if (from === 'wait') return retryLater(deps, message, receipt.tries);
  let topicKey = ref.topicKey;
  if (!topicKey) {
    const operation = await operations.getOperation(tenantId, ref.operationId);
    const topic = operation?.target.type === 'topic' ? operation.target.name : operation?.target.link?.topic;
    if (topic !== undefined && operation?.keyVersion !== undefined)
      topicKey = { topic, keyVersion: operation.keyVersion };
  }
  // Also on a duplicate: repeats what a crash may have cut short (the write never moves a version back).
  if (topicKey) {
    const { topic, keyVersion } = topicKey;
    await deps.store.recordLinkConfirmed(tenantId, topic, ref.clientName, { keyVersion, at });
  }
  const { operationId, clientName } = ref;
  return from
    ? { result: 'confirmed', operationId, clientName, from }
    : { result: 'duplicate', operationId, clientName };
}

/**
 * The first receipts of a device not heard from before: topic operations write no reference for such a device, so
 * the command is looked for among the deliveries of the operations that gave the client's topics their current keys
 * (its first {@link TOPICS_MATCHED} topics). A match leads to that delivery as a reference would.
 */
async function matchThroughTopics(
  deps: C2Deps,
  client: ClientRecord,
  commandHash: Uint8Array,
): Promise<CommandRef | undefined> {
  const { tenantId, name } = client;
  const { items: topics } = await deps.store.listTopicsOfClient(tenantId, name, { limit: TOPICS_MATCHED });
  const found = await Promise.all(
    topics.map(async (topic) => {
      const record = await deps.store.getTopic(tenantId, topic);
      if (!record?.keyOperationId) return undefined;
      const delivery = await deps.operations!.getDelivery(tenantId, record.keyOperationId, name);
      if (!delivery?.commandHash || !equalBytes(delivery.commandHash, commandHash)) return undefined;
      const ref: CommandRef = {
        tenantId,
        clientId: client.id,
        commandHash,
        operationId: delivery.operationId,
        clientName: name,
        at: delivery.updatedAt,
        topicKey: { topic, keyVersion: record.keyVersion },
      };
      return ref;
    }),
  );
  return found.find((ref) => ref !== undefined);
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
 * Moves the delivery to confirmed, in one conditional write, from `sent` or `failed`, and from `pending` (or no
 * record yet) when the reference says its outcome is written conditionally (`confirmsPending`: a receipt ahead of
 * its outcome), and the counts with it. Returns the state it left, `wait` when it is still pending and may not be
 * confirmed from there (nothing done), or undefined when it was confirmed already (or is not there).
 */
async function confirm(
  operations: OperationStore,
  tenantId: string,
  ref: CommandRef,
  updatedAt: string,
): Promise<DeliveryState | 'wait' | undefined> {
  const { operationId, clientName, commandHash } = ref;
  const early = ref.confirmsPending === true;
  const from = await operations.confirmDelivery(tenantId, operationId, clientName, {
    from: early ? ['sent', 'failed', 'pending'] : ['sent', 'failed'],
    orAbsent: early,
    commandHash,
    updatedAt,
  });
  if (from) {
    await operations.addToCounts(tenantId, operationId, { [from]: -1, confirmed: 1 }, updatedAt);
    return from;
  }
  if (early) return undefined;
  const delivery = await operations.getDelivery(tenantId, operationId, clientName);
  return delivery?.state === 'pending' ? 'wait' : undefined;
}

async function retryLater(deps: C2Deps, message: ReceiptMessage, tries: number): Promise<ReceiptOutcome> {
  if (tries >= RECEIPT_RETRIES || !deps.queue)
    return { result: 'dropped', reason: 'no command of the C2 has its hash' };
  await deps.queue.enqueue([{ ...message, tries: tries + 1 }], { delayMs: RECEIPT_RETRY_DELAYS_MS[tries] });
  return { result: 'requeued', tries: tries + 1 };
}
