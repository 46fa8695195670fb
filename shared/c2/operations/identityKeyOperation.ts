/**
 * A new identity key for a client (`client.identityKey`, E4's NewClientKey) carried out step by step, each safe to
 * repeat. E4 replaced the key first, so a device that missed the command was cut off for good (its bug 6); here the
 * key is put in force only once the broker took it. Its one source of truth is the client's pending key: made once
 * (or the one of a renewal cut short, adopted), kept until it is in force, whatever fails in between.
 *
 * 1. `pending`: started by a device's return (a client flagged `rekeyOnReturn`, clients/acceptReturn.ts), it waits
 *    as a return's resync does ({@link SETTLE_MS}: the device has subscribed to its control topic by then). Then
 *    the pending key made (symmetric: 32 random bytes; public-key mode: an Ed25519 key pair, whose 64-byte
 *    private key the device receives) and stored on the client, its version recorded, one delivery, `running`.
 * 2. SetIDKey protected with the client's current command key at a later second than its key before (a delivery with
 *    a command reference: our device's receipt confirms it). Not taken by the broker: the key stays pending, the
 *    operation `partial`; a new request sends it again. Taken: the cursor records its second (`S<second>`).
 * 3. The key put in force (version + 1) with that second (a device that switched cannot open a repeat, and ignores
 *    it: sending again before that is harmless).
 * 4. In public-key mode, its new public key to its topic peers (at a later second than any SetPubKey of the old
 *    one; links/sharePubKeys.ts announcePubKey). Then the client's topic keys sent again under the new key: a
 *    `client.resync` operation (idempotency key `<id>/resync`). Then the outcome is recorded.
 */
import { cmdSetIdKey, ed25519PrivateKeyFromSeed, KEY_LEN } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { pendingBinding } from '../clients/newClientKey.js';
import { withSender } from '../delivery/CommandSender.js';
import { nextSeconds } from '../delivery/keySeconds.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { announcePubKey } from '../links/sharePubKeys.js';
import type { OperationRecord, OperationUpdate } from '../ports/OperationStore.js';
import type { ClientRecord } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { confirmableOnce } from './confirmable.js';
import { finishOperation } from './finishOperation.js';
import { pendingDelivery } from './pendingDelivery.js';
import { RETURN_ACTOR, SETTLE_MS } from './resyncOperation.js';
import { sendCommandPage } from './sendCommandPage.js';
import { startStep } from './startOperation.js';

const ED25519_SEED_LEN = 32;
/** Cursors: SetIDKey taken at the second that follows; the resync started. */
const SENT_AT = 'S';
const RESYNCED = 'R';

export async function advanceIdentityKeyOperation(deps: C2Deps, operation: OperationRecord): Promise<void> {
  const { tenantId, target } = operation;
  let client = await deps.store.getClient(tenantId, target.name);
  if (!client) {
    const failure = { code: C2ErrorCode.NotFound, message: `client "${target.name}" does not exist` };
    await finishOperation(deps, operation, failure, { failed: true });
    return;
  }
  let current = operation;
  if (current.status === 'pending') {
    const wait = Date.parse(current.createdAt) + SETTLE_MS - deps.clock();
    if (current.actor === RETURN_ACTOR && wait > 0) {
      await deps.queue.enqueue([{ type: 'operation', tenantId, operationId: current.id }], { delayMs: wait });
      return;
    }
    current = await prepare(deps, current, client);
    client = (await deps.store.getClient(tenantId, target.name)) ?? client;
  }
  const keyVersion = current.keyVersion!;
  if (current.cursor === undefined && client.keyVersion < keyVersion) {
    if (client.pending?.keyVersion !== keyVersion) {
      const message = `the client's key changed under the operation (version ${client.keyVersion})`;
      await finishOperation(deps, current, { code: C2ErrorCode.ConcurrentUpdate, message }, { failed: true });
      return;
    }
    const sent = await sendSetIdKey(deps, current, client);
    current = sent.operation;
    if (sent.error !== undefined) {
      const message = `SetIDKey was not taken by the broker (${sent.error}); the new key stays pending: ask again to send it again`;
      await finishOperation(deps, current, { code: C2ErrorCode.DeliveryFailed, message });
      return;
    }
  }
  if (current.cursor?.startsWith(SENT_AT)) {
    const second = Number(current.cursor.slice(SENT_AT.length));
    if (client.keyVersion < keyVersion) await promote(deps, client, second);
    // Public-key mode: the SetPubKey of the new key at a later second than any of the old one (see step 4).
    if (client.mode === 'pubkey') {
      await nextSeconds(deps, second, 1);
      const promoted = (await deps.store.getClient(tenantId, client.name)) ?? client;
      await withSender(deps, tenantId, (sender) => announcePubKey(deps, sender, promoted));
    }
    const resync = await startStep(
      deps,
      { tenantId, actor: current.actor },
      {
        kind: 'client.resync',
        target: { type: 'client', name: client.name },
        mintsKey: false,
        idempotencyKey: `${current.id}/resync`,
      },
    );
    // The key is in force; the topic keys under it not sent: `partial`, saying why.
    if ('refused' in resync) {
      await finishOperation(deps, current, resync.refused);
      return;
    }
    current = await update(deps, current, { cursor: RESYNCED });
  }
  // Resync started, or the key put in force by a concurrent repeat (which started it).
  await finishOperation(deps, current);
}

/** Step 1: the pending key (made or adopted), its version, the delivery, `running`. */
async function prepare(deps: C2Deps, operation: OperationRecord, client: ClientRecord): Promise<OperationRecord> {
  const keyVersion = client.pending?.keyVersion ?? (await storePendingKey(deps, client));
  const delivery = pendingDelivery(operation, client.name, new Date(deps.clock()).toISOString());
  await deps.operations.putDeliveries([delivery]);
  const counts = { total: 1, pending: 1, sent: 0, confirmed: 0, failed: 0 };
  return update(deps, operation, { status: 'running', keyVersion, counts, cursor: null });
}

/** A new key, stored as the client's pending one; its version. */
async function storePendingKey(deps: C2Deps, client: ClientRecord): Promise<number> {
  const random = randomBytesOf(deps);
  let sent: Uint8Array;
  if (client.mode === 'symmetric') sent = random(KEY_LEN);
  else {
    const seed = random(ED25519_SEED_LEN);
    sent = ed25519PrivateKeyFromSeed(seed).privateKey;
    seed.fill(0);
  }
  const keyVersion = client.keyVersion + 1;
  try {
    const wrappedKey = await deps.vault.wrap(sent, pendingBinding(client, keyVersion));
    await deps.store.setClientPendingKey(client.tenantId, client.name, { wrappedKey, keyVersion }, client.keyVersion);
  } finally {
    sent.fill(0);
  }
  return keyVersion;
}

/** Step 2: the operation with its outcome (cursor `S<second>` when the broker took it), or why it did not. */
async function sendSetIdKey(
  deps: C2Deps,
  operation: OperationRecord,
  client: ClientRecord,
): Promise<{ operation: OperationRecord; error?: string }> {
  const pending = client.pending!;
  const key = await deps.vault.unwrap(pending.wrappedKey, pendingBinding(client, pending.keyVersion));
  try {
    // A later second than the identity key before it (see delivery/keySeconds.ts).
    const [second] = (await nextSeconds(deps, client.keySecond, 1)) as [number];
    const { tenantId, id } = operation;
    const [delivery] = await deps.operations.listDeliveries(tenantId, id, {}, { limit: 1 }).then((page) => page.items);
    if (!delivery) throw new Error(`operation ${id} has no delivery`);
    await withSender(deps, tenantId, (sender) =>
      sendCommandPage(deps, sender, operation, [{ ...delivery, state: 'pending' }], () => cmdSetIdKey(key), second),
    );
    const outcome = await deps.operations.getDelivery(tenantId, id, client.name);
    const taken = outcome?.state === 'sent';
    const counts = { total: 1, pending: 0, sent: taken ? 1 : 0, confirmed: 0, failed: taken ? 0 : 1 };
    const countsDelta = { confirmable: confirmableOnce(operation, client) };
    const changes = { counts, countsDelta, ...(taken ? { cursor: `${SENT_AT}${second}` } : {}) };
    const updated = await update(deps, operation, changes);
    return taken ? { operation: updated } : { operation: updated, error: outcome?.lastError ?? 'not delivered' };
  } finally {
    key.fill(0);
  }
}

/** Step 3: the pending key in force (a concurrent repeat that did it first is no error). */
async function promote(deps: C2Deps, client: ClientRecord, second: number): Promise<void> {
  const pending = client.pending!;
  const key = await deps.vault.unwrap(pending.wrappedKey, pendingBinding(client, pending.keyVersion));
  try {
    // What the C2 keeps: the key itself, or the public half of a Go-format private key (seed ‖ public key).
    const stored = client.mode === 'symmetric' ? key : key.subarray(ED25519_SEED_LEN);
    const { tenantId, name } = client;
    const wrappedKey = await deps.vault.wrap(stored, { tenantId, kind: 'client', name, version: pending.keyVersion });
    await deps.store.updateClientKey(tenantId, name, {
      wrappedKey,
      keyVersion: pending.keyVersion,
      expectedVersion: client.keyVersion,
      updatedAt: new Date(deps.clock()).toISOString(),
      keySecond: second,
    });
  } catch (error) {
    const promoted = await deps.store.getClient(client.tenantId, client.name);
    if (!(error instanceof C2Error && promoted && promoted.keyVersion >= pending.keyVersion)) throw error;
  } finally {
    key.fill(0);
  }
}

const update = (deps: C2Deps, operation: OperationRecord, change: Omit<OperationUpdate, 'updatedAt'>) =>
  deps.operations.updateOperation(
    operation.tenantId,
    operation.id,
    { ...change, updatedAt: new Date(deps.clock()).toISOString() },
    operation.revision,
  );
