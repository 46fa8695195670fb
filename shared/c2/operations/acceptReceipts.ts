/**
 * Devices' receipts for commands they applied and saved (docs/protocol.md, section 11), a batch at once (queues hand
 * them over in batches): the delivery of each command moves to `confirmed`, once. A receipt names its command by its
 * hash; a CommandRef written before the command was published leads to the operation and the client. A topic
 * operation writes references only for devices known to send receipts (sendTopicKeyPage.ts): the first receipt of a
 * device not heard from before is matched through its topics instead (receipts/matchThroughTopics.ts).
 *
 * A receipt that does not read, open (forged, tampered, another key) or fall in E4's time window is refused: dropped
 * and reported, never thrown (it would come back forever). One that opens but names no command yet, or a delivery
 * whose outcome is not written yet, goes back to the queue with a delay, a few times. A receipt replayed changes
 * nothing: the transition is conditional, and only the delivery it moved is counted. Authentic receipts also record
 * when the client was last seen ({@link recordSeen}) and the topic key version the device now holds (what a resync
 * compares). A receipt for a topic key another operation made (a resync sent it again) confirms the device's delivery in
 * that operation too (receipts/confirmKeyOperation.ts).
 *
 * A batch costs one read of its clients and one of its references, one addition to the counts per operation, and per
 * receipt the conditional writes of its delivery and its link (the client's side), and of its client's `lastSeenAt`
 * when due; a receipt of a topic key also reads the topic once per batch (and, when another operation made the key,
 * writes that operation's delivery). Returns, per message, undefined once it
 * is decided, or the error of a failure worth retrying (store or vault unavailable): that message only is retried.
 */
import { bytesToHex, equalBytes, getDefaultEngine, readTimestamp } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { groupBy } from '../groupBy.js';
import { memo } from '../memo.js';
import type { CountsDelta, OperationStore } from '../ports/OperationStore.js';
import type { ReceiptMessage } from '../ports/WorkQueue.js';
import type { ClientRecord } from '../ports.js';
import { confirmKeyOperation } from './receipts/confirmKeyOperation.js';
import { matchThroughTopics } from './receipts/matchThroughTopics.js';
import { checkReceipt, openReceipt, readReceiptMessage } from './receipts/openReceipt.js';
import { allUndecided, eachUndecided, type ReceiptInBatch, undecided } from './receipts/ReceiptInBatch.js';
import type { ReceiptOutcome } from './receipts/ReceiptOutcome.js';
import { receiptKeys } from './receipts/receiptKeys.js';
import { withRetries } from './receipts/withRetries.js';

/**
 * How long after each try a receipt whose command is not found yet is looked up again (a reference is written before
 * its command goes out, but a device not heard from before has none: its delivery is found once its outcome is
 * written, after its page was published).
 */
export const RECEIPT_RETRY_DELAYS_MS = [500, 2_000, 5_000, 10_000] as const;
export const RECEIPT_RETRIES = RECEIPT_RETRY_DELAYS_MS.length;

/** How old a symmetric client's `lastSeenAt` may be before a receipt writes it again (see recordSeen). */
export const SEEN_PRECISION_MS = 60_000;

export async function acceptReceipts(
  deps: C2Deps,
  messages: readonly ReceiptMessage[],
  report?: (outcome: ReceiptOutcome) => void,
): Promise<unknown[]> {
  if (!deps.operations) throw new Error('acceptReceipts: the C2 has no operation store (deps.operations)');
  const now = deps.clock();
  const decided: (ReceiptInBatch['decided'] & object)[] = [];
  const receipts = messages.map((message, index) => {
    const read = readReceiptMessage(message);
    const refusal = read ? checkReceipt(read.payload, now) : 'MALFORMED';
    if (!read || refusal) {
      decided[index] = { outcome: { result: 'refused', reason: refusal ?? 'MALFORMED' } };
      return undefined;
    }
    return { message, read } as ReceiptInBatch;
  });
  const byTenant = groupBy(
    receipts.filter((receipt) => receipt !== undefined),
    (receipt) => receipt.read.tenantId,
  );
  const at = new Date(now).toISOString();
  await Promise.all([...byTenant].map(([tenantId, batch]) => acceptOfTenant(deps, tenantId, batch, at, now)));
  return receipts.map((receipt, index) => {
    const result = receipt?.decided ?? decided[index]!;
    if ('error' in result) return result.error;
    report?.(result.outcome);
    return undefined;
  });
}

/** Decides every receipt of one tenant (an outcome or an error each). */
async function acceptOfTenant(
  deps: C2Deps,
  tenantId: string,
  receipts: ReceiptInBatch[],
  at: string,
  now: number,
): Promise<void> {
  const operations = deps.operations!;
  await allUndecided(receipts, async (open) => {
    const clients = await deps.store.getClientsById(
      tenantId,
      open.map(({ read }) => read.clientId),
    );
    const byId = new Map(clients.map((client) => [bytesToHex(client.id), client]));
    for (const receipt of open) receipt.client = byId.get(bytesToHex(receipt.read.clientId));
  });
  await eachUndecided(receipts, async (receipt) => {
    if (!receipt.client) return { result: 'refused', reason: 'UNKNOWN_CLIENT' };
    const opening = await openWithKeysOf(deps, receipt.client, receipt.read.payload);
    if (!opening.ok) return { result: 'refused', reason: opening.reason };
    receipt.commandHash = opening.commandHash;
    return undefined;
  });
  await Promise.all([recordSeen(deps, tenantId, receipts, now), findCommands(deps, tenantId, receipts)]);
  await eachUndecided(receipts, async (receipt) => {
    if (!receipt.ref) receipt.later = true;
    else {
      const from = await confirm(operations, tenantId, receipt, at);
      if (from === 'wait') receipt.later = true;
      else if (from) receipt.from = from;
    }
    return undefined;
  });
  await countConfirmed(operations, tenantId, receipts, at);
  await findTopicKeys(deps, tenantId, receipts);
  await confirmKeyOperation(deps, tenantId, receipts, at);
  await recordLinks(deps, tenantId, receipts, at);
  await lookUpLater(deps, receipts);
  for (const receipt of undecided(receipts)) {
    const { operationId, clientName } = receipt.ref!;
    const { from } = receipt;
    receipt.decided = {
      outcome: from
        ? { result: 'confirmed', operationId, clientName, from }
        : { result: 'duplicate', operationId, clientName },
    };
  }
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
 * `lastSeenAt` of the clients of authentic receipts, once per client and batch. A public-key client's at every
 * receipt: a return's resync sends it the public keys that changed since (a time left behind would send it its peers
 * again). A symmetric client's when the time recorded is {@link SEEN_PRECISION_MS} old: for it the time only says that
 * it sends receipts and when it was last heard from, to the minute (one write less per receipt in a busy fleet).
 */
async function recordSeen(deps: C2Deps, tenantId: string, receipts: readonly ReceiptInBatch[], now: number) {
  const byClient = groupBy(undecided(receipts), (receipt) => receipt.client!.name);
  await Promise.all(
    [...byClient].map(([name, group]) => {
      const { mode, lastSeenAt } = group[0]!.client!;
      // When the device was there: its latest receipt's own time (a receipt may wait in the queue), never ahead.
      const seen = Math.min(now, Math.max(...group.map(({ read }) => readTimestamp(read.payload, 0) * 1000)));
      if (lastSeenAt !== undefined && Date.parse(lastSeenAt) >= seen) return undefined;
      const recent = lastSeenAt !== undefined && seen - Date.parse(lastSeenAt) < SEEN_PRECISION_MS;
      if (mode === 'symmetric' && recent) return undefined;
      return allUndecided(group, () => deps.store.recordClientSeen(tenantId, name, new Date(seen).toISOString()));
    }),
  );
}

/**
 * The reference of each receipt's command, read together. A device not heard from before has none from a topic
 * operation: matched through its topics at once, and at the first two retries (its outcome may not be written yet;
 * they find it seen already). Never more: a command may have no reference at all (a throw-away key, RemoveTopic, a
 * link's key).
 */
async function findCommands(deps: C2Deps, tenantId: string, receipts: readonly ReceiptInBatch[]): Promise<void> {
  await allUndecided(receipts, async (open) => {
    const keys = open.map(({ client, commandHash }) => ({ clientId: client!.id, commandHash: commandHash! }));
    const refs = await deps.operations!.getCommandRefs(tenantId, keys);
    for (const receipt of open) {
      receipt.ref = refs.find(
        (ref) => equalBytes(ref.clientId, receipt.client!.id) && equalBytes(ref.commandHash, receipt.commandHash!),
      );
    }
  });
  const unmatched = undecided(receipts).filter(
    ({ ref, client, read }) => !ref && (client!.lastSeenAt === undefined || read.tries === 1 || read.tries === 2),
  );
  await allUndecided(unmatched, (open) => matchThroughTopics(deps, tenantId, open));
}

/**
 * Moves the delivery to confirmed, in one conditional write, from `sent` or `failed`, and from `pending` (or no
 * record yet) when the reference says its outcome is written conditionally (`confirmsPending`: a receipt ahead of
 * its outcome). Returns the state it left, `wait` when it is still pending and may not be confirmed from there
 * (nothing done), or undefined when it was confirmed already (or is not there).
 */
async function confirm(operations: OperationStore, tenantId: string, receipt: ReceiptInBatch, updatedAt: string) {
  const { operationId, clientName, commandHash, confirmsPending } = receipt.ref!;
  const early = confirmsPending === true;
  const from = await operations.confirmDelivery(tenantId, operationId, clientName, {
    from: early ? ['sent', 'failed', 'pending'] : ['sent', 'failed'],
    orAbsent: early,
    commandHash,
    updatedAt,
  });
  if (from || early) return from;
  const delivery = await operations.getDelivery(tenantId, operationId, clientName);
  return delivery?.state === 'pending' ? 'wait' : undefined;
}

/** One addition to the counts of each operation for the deliveries the batch confirmed. */
async function countConfirmed(
  operations: OperationStore,
  tenantId: string,
  receipts: readonly ReceiptInBatch[],
  at: string,
): Promise<void> {
  const confirmed = undecided(receipts).filter((receipt) => receipt.from !== undefined);
  const byOperation = groupBy(confirmed, (receipt) => receipt.ref!.operationId);
  await Promise.all(
    [...byOperation].map(([operationId, group]) =>
      allUndecided(group, async () => {
        // A device not counted as able to confirm when its command went out (not heard from then) is now.
        const uncounted = group.filter(({ ref }) => !ref!.counted).length;
        const delta: Record<string, number> = { confirmed: group.length, confirmable: uncounted };
        for (const { from } of group) delta[from!] = (delta[from!] ?? 0) - 1;
        await withRetries(() => operations.addToCounts(tenantId, operationId, delta as CountsDelta, at));
      }),
    ),
  );
}

/** The topic key each receipt's command carried: its reference's, else its operation's (one read per operation). */
async function findTopicKeys(deps: C2Deps, tenantId: string, receipts: readonly ReceiptInBatch[]) {
  const operation = memo((id: string) => deps.operations!.getOperation(tenantId, id));
  await eachUndecided(receipts, async (receipt) => {
    const { ref, later } = receipt;
    if (!ref || later) return undefined;
    if (ref.topicKey) receipt.topicKey = ref.topicKey;
    else {
      const record = await operation(ref.operationId);
      const topic = record?.target.type === 'topic' ? record.target.name : record?.target.link?.topic;
      if (topic !== undefined && record?.keyVersion !== undefined) {
        receipt.topicKey = { topic, keyVersion: record.keyVersion };
      }
    }
    return undefined;
  });
}

/**
 * The topic key version each device now holds, on its link; also on a duplicate: repeats what a crash may have cut
 * short (the write never moves a version back).
 */
async function recordLinks(deps: C2Deps, tenantId: string, receipts: readonly ReceiptInBatch[], at: string) {
  await eachUndecided(receipts, async ({ ref, topicKey }) => {
    if (ref && topicKey) {
      const { topic, keyVersion } = topicKey;
      await deps.store.recordLinkConfirmed(tenantId, topic, ref.clientName, { keyVersion, at });
    }
    return undefined;
  });
}

/** Receipts to look up again: back to the queue with the delay of their next try, or dropped after the last. */
async function lookUpLater(deps: C2Deps, receipts: readonly ReceiptInBatch[]): Promise<void> {
  const later = undecided(receipts).filter((receipt) => receipt.later);
  for (const receipt of later) {
    if (receipt.read.tries >= RECEIPT_RETRIES || !deps.queue) {
      receipt.decided = { outcome: { result: 'dropped', reason: 'no command of the C2 has its hash' } };
    }
  }
  const byTry = groupBy(undecided(later), (receipt) => receipt.read.tries);
  await Promise.all(
    [...byTry].map(([tries, group]) =>
      allUndecided(group, async (open) => {
        const messages = open.map(({ message }) => ({ ...message, tries: tries + 1 }));
        await deps.queue!.enqueue(messages, { delayMs: RECEIPT_RETRY_DELAYS_MS[tries] });
        for (const receipt of open) receipt.decided = { outcome: { result: 'requeued', tries: tries + 1 } };
      }),
    ),
  );
}
