/**
 * A resync (`client.resync`) carried out: one device sent what it lacks, as one delivery. Every step is safe to
 * repeat (a pass sends the same keys at the same or new seconds; a device takes a key it holds again as a no-op).
 *
 * 1. `pending`: a resync started by a device's return waits until {@link SETTLE_MS} after it was asked (a device
 *    that just connected has subscribed to its control topic by then: what is published before is lost to a clean
 *    session; returns that come meanwhile join it, see clients/acceptReturn.ts). Then it is `running` with one
 *    delivery (`pending`).
 * 2. A pass over the client's links (resync/resendTopicKey.ts): the current key of each topic whose link does not show
 *    it confirmed, without waiting for a topic's lease; in public-key mode the last pass also sends the peers' public
 *    keys it may lack (resync/resendPubKeys.ts). Every command gets a CommandRef (a SetTopicKey's names the
 *    topic key it carried, so that the device's receipt records it on the link).
 * 3. A pass that met a busy topic (another change under way that will not send this client the key) is done again
 *    after {@link BUSY_RETRY_MS}, up to {@link MAX_PASSES} passes (topics confirmed meanwhile are skipped); then the
 *    delivery is `sent` (commands went out, or another operation is sending a key), `confirmed` (it lacked nothing)
 *    or `failed` (a topic stayed busy, or the broker refused a command), and the operation finishes
 *    (finishOperation.ts).
 */
import type { C2Deps } from '../C2Deps.js';
import { FencedOut } from '../c2key/tenantFence.js';
import { withSender } from '../delivery/CommandSender.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { eachPage } from '../pages.js';
import type { CommandRef, DeliveryRecord, DeliveryState, OperationRecord } from '../ports/OperationStore.js';
import type { ClientRecord, LinkRecord } from '../ports.js';
import { confirmableOnce } from './confirmable.js';
import { finishOperation } from './finishOperation.js';
import { pendingDelivery } from './pendingDelivery.js';
import { resendPubKeys } from './resync/resendPubKeys.js';
import { resendTopicKey, type SentKey } from './resync/resendTopicKey.js';

/** How long after it was asked a resync starts sending. */
export const SETTLE_MS = 2_000;
/** How soon a pass that met a busy topic is done again. */
export const BUSY_RETRY_MS = 2_000;
export const MAX_PASSES = 10;
/** How long a pass claimed by a worker is left to it (see claimPass). */
const CLAIM_MS = 60_000;
/** The actor of resyncs started by a device's return (see clients/acceptReturn.ts). */
export const RETURN_ACTOR = 'device-return';
/**
 * A return's resync trusts the device's `lastSeenAt` as the time it was last there when it is older than the resync
 * by this much: a later one may come from receipts of this very connection (then every peer key is sent).
 */
const SEEN_MARGIN_MS = 60_000;

export async function advanceResyncOperation(deps: C2Deps, operation: OperationRecord): Promise<void> {
  const { tenantId, id } = operation;
  const again = (delayMs: number) =>
    deps.queue.enqueue([{ type: 'operation', tenantId, operationId: id }], { delayMs });
  let current = operation;
  if (current.status === 'pending') {
    const wait = Date.parse(current.createdAt) + SETTLE_MS - deps.clock();
    if (current.actor === RETURN_ACTOR && wait > 0) return again(wait);
    const started = await start(deps, current);
    if (!started) return;
    current = started;
  }
  const client = await deps.store.getClient(tenantId, current.target.name);
  // Written once the operation is running (a crash in between: written now).
  const delivery =
    (await deps.operations.getDelivery(tenantId, id, current.target.name)) ??
    (client && current.counts.pending === 1 ? await writeDelivery(deps, current, client) : undefined);
  if (delivery?.state !== 'pending') {
    // Its outcome written, its count not (a crash between the two): counted now, as written (a receipt that
    // confirmed it since counted its own move from `sent`).
    if (delivery && current.counts.pending === 1) {
      const written = delivery.state === 'confirmed' && delivery.commandHash ? 'sent' : delivery.state;
      const countsDelta = { pending: -1, [written]: 1 };
      const at = new Date(deps.clock()).toISOString();
      current = await deps.operations.updateOperation(tenantId, id, { countsDelta, updatedAt: at }, current.revision);
    }
    await finishOperation(deps, current);
    return;
  }
  const claimed = await claimPass(deps, current, delivery.attempts + 1);
  if (!claimed) return;
  current = claimed;
  const attempts = delivery.attempts + 1;
  const pass = client
    ? await sendPass(deps, current, client, attempts === MAX_PASSES).catch(unclaimed(deps, current))
    : undefined;
  const updatedAt = new Date(deps.clock()).toISOString();
  const commandHash = pass?.commandHash ?? delivery.commandHash;
  const { lastError: _last, commandHash: _hash, ...rest } = delivery;
  if (pass && pass.busy.length > 0 && attempts < MAX_PASSES) {
    await deps.operations.putDeliveries([{ ...rest, attempts, ...(commandHash ? { commandHash } : {}), updatedAt }]);
    return again(BUSY_RETRY_MS);
  }
  const error = !pass
    ? 'the client was deleted'
    : pass.failed.length > 0
      ? pass.failed[0]
      : pass.busy.length > 0
        ? `topics busy with other changes: ${pass.busy.slice(0, 5).join(', ')}`
        : undefined;
  const delegated = commandHash !== undefined || (pass?.covered ?? 0) > 0;
  const state: DeliveryState = error !== undefined ? 'failed' : delegated ? 'sent' : 'confirmed';
  const outcome: DeliveryRecord = {
    ...rest,
    state,
    attempts,
    ...(commandHash ? { commandHash } : {}),
    ...(error === undefined ? {} : { lastError: error }),
    updatedAt,
  };
  await deps.operations.putDeliveries([outcome]);
  try {
    current = await deps.operations.updateOperation(
      tenantId,
      id,
      {
        countsDelta: { pending: -1, [state]: 1, confirmable: confirmableOnce(current, client) },
        cursor: null,
        updatedAt,
      },
      current.revision,
    );
  } catch (failure) {
    // Another worker finished the same pass first.
    if (failure instanceof C2Error && failure.code === C2ErrorCode.ConcurrentUpdate) return;
    throw failure;
  }
  await finishOperation(deps, current);
}

/**
 * A pass the tenant's fence refused (nothing sent: its sender could not enter) given back before the error goes on
 * (the step is queued again in a second, waitingOutFence.ts), so that it is not taken for a worker's pass under way.
 */
function unclaimed(deps: C2Deps, claimed: OperationRecord): (error: unknown) => Promise<never> {
  return async (error) => {
    if (error instanceof FencedOut) {
      const updatedAt = new Date(deps.clock()).toISOString();
      await deps.operations
        .updateOperation(claimed.tenantId, claimed.id, { cursor: null, updatedAt }, claimed.revision)
        .catch((lost: unknown) => {
          if (!(lost instanceof C2Error && lost.code === C2ErrorCode.ConcurrentUpdate)) throw lost;
        });
    }
    throw error;
  };
}

/**
 * The next pass claimed (the operation's cursor names it, in a conditional write), so that a message handled twice
 * sends nothing twice; undefined when another worker has it. A pass claimed over {@link CLAIM_MS} ago by a worker
 * that did not finish it (a crash: its message comes back) is taken over; a newer claim is looked at again later.
 */
async function claimPass(deps: C2Deps, operation: OperationRecord, pass: number): Promise<OperationRecord | undefined> {
  const { tenantId, id } = operation;
  const claim = `pass-${pass}`;
  if (operation.cursor === claim && deps.clock() - Date.parse(operation.updatedAt) < CLAIM_MS) {
    await deps.queue.enqueue([{ type: 'operation', tenantId, operationId: id }], { delayMs: CLAIM_MS });
    return undefined;
  }
  const updatedAt = new Date(deps.clock()).toISOString();
  try {
    return await deps.operations.updateOperation(tenantId, id, { cursor: claim, updatedAt }, operation.revision);
  } catch (error) {
    if (error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate) return undefined;
    throw error;
  }
}

/** Step 1: the operation `running` with one device; undefined when it finished instead, or another worker has it. */
async function start(deps: C2Deps, operation: OperationRecord): Promise<OperationRecord | undefined> {
  const { tenantId, id, target } = operation;
  if (!(await deps.store.getClient(tenantId, target.name))) {
    await finishOperation(deps, operation, { code: C2ErrorCode.NotFound, message: `no client "${target.name}"` });
    return undefined;
  }
  const updatedAt = new Date(deps.clock()).toISOString();
  const counts = { total: 1, pending: 1, sent: 0, confirmed: 0, failed: 0 };
  try {
    return await deps.operations.updateOperation(
      tenantId,
      id,
      { status: 'running', counts, updatedAt },
      operation.revision,
    );
  } catch (error) {
    // A duplicate message started it first: that worker carries on.
    if (error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate) return undefined;
    throw error;
  }
}

/** The operation's one delivery, `pending`. */
async function writeDelivery(deps: C2Deps, operation: OperationRecord, client: ClientRecord): Promise<DeliveryRecord> {
  const delivery = pendingDelivery(operation, client.name, new Date(deps.clock()).toISOString());
  await deps.operations.putDeliveries([delivery]);
  return delivery;
}

interface Pass {
  /** The hash of the last command sent, if any. */
  readonly commandHash?: Uint8Array;
  /** Topics whose key another operation is sending the client. */
  readonly covered: number;
  readonly busy: string[];
  readonly failed: string[];
}

/**
 * Step 2: one pass over the client's links; the CommandRefs of what it sent written. In public-key mode, a topic
 * another operation holds is busy (that operation sends the key, not the peers' public keys, and a revocation
 * withdraws some), and the public keys go with the last pass (none busy, or the last one allowed), for the topics
 * settled then; a peer whose new identity key is pending makes the pass busy too (see resync/resendPubKeys.ts).
 */
async function sendPass(
  deps: C2Deps,
  operation: OperationRecord,
  client: ClientRecord,
  lastAllowed: boolean,
): Promise<Pass> {
  const { tenantId, id } = operation;
  const owner = `op-${id}`;
  const busy: string[] = [];
  const failed: string[] = [];
  const sent: SentKey[] = [];
  let covered = 0;
  const settled: LinkRecord[] = [];
  let pubKeyHashes: Uint8Array[] = [];
  await withSender(deps, tenantId, async (sender) => {
    for await (const page of eachPage((request) => deps.store.listLinksOfClient(tenantId, client.name, request))) {
      for (const link of page) {
        const outcome = await resendTopicKey(deps, sender, owner, client, link);
        const result = outcome.result === 'covered' && client.mode === 'pubkey' ? 'busy' : outcome.result;
        if (result === 'busy') busy.push(link.topic);
        else if (result === 'covered') covered++;
        else if (outcome.result === 'failed') failed.push(outcome.error);
        if (outcome.result === 'sent') sent.push(outcome.sent);
        if (result === 'sent' || result === 'held') settled.push(link);
      }
    }
    if (busy.length === 0 || lastAllowed) {
      const pubKeys = await resendPubKeys(deps, sender, client, settled, {
        since: since(operation, client),
        lastPass: lastAllowed,
      });
      pubKeyHashes = pubKeys.hashes;
      failed.push(...pubKeys.failed);
      busy.push(...pubKeys.busy.map((peer) => `client ${peer}`));
    }
  });
  const at = new Date(deps.clock()).toISOString();
  const ref = (commandHash: Uint8Array): CommandRef => ({
    tenantId,
    clientId: client.id,
    commandHash,
    operationId: id,
    clientName: client.name,
    at,
    ...(client.lastSeenAt === undefined ? {} : { counted: true }),
  });
  const refs = [
    ...sent.map((key) => ({ ...ref(key.commandHash), topicKey: { topic: key.topic, keyVersion: key.keyVersion } })),
    ...pubKeyHashes.map(ref),
  ];
  if (refs.length > 0) await deps.operations.putCommandRefs(refs);
  const last = pubKeyHashes.at(-1) ?? sent.at(-1)?.commandHash;
  return { ...(last ? { commandHash: last } : {}), covered, busy, failed };
}

/**
 * Since when the device may have missed public keys: its `lastSeenAt`, for a return's resync, when it is clearly
 * before the return; else undefined (everything is sent).
 */
function since(operation: OperationRecord, client: ClientRecord): string | undefined {
  if (operation.actor !== RETURN_ACTOR || client.lastSeenAt === undefined) return undefined;
  const before = Date.parse(operation.createdAt) - SEEN_MARGIN_MS;
  return Date.parse(client.lastSeenAt) < before ? client.lastSeenAt : undefined;
}
