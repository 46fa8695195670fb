/**
 * A new C2 key (`c2key.rotate`, public-key mode) carried out step by step, fenced against every other fan-out of the
 * tenant (c2key/tenantFence.ts). Every step is safe to repeat: a message handled twice, or a worker that crashed
 * anywhere, leaves nothing half done (the next message goes on, and takes its fence back).
 *
 * 1. The tenant's fence raised by the operation (owner `op-<id>`; another rotation holding it: try again shortly),
 *    then no reader left in (a command sender of another fan-out that began before: waited for).
 * 2. `pending`: the new key pair stored as the C2 key's pending key (or the pending key of a rotation cut short,
 *    adopted: one key at a time), its version recorded, one delivery per public-key client, `running`.
 * 3. `running`: pages of deliveries from the cursor: SetC2Key (the new public key), protected with the current key,
 *    published, outcomes and command references written, cursor and counts moved in one conditional write.
 * 4. Past the last page, the deliveries tallied: all taken by the broker, the new key is put in force; else it stays
 *    pending (the operation `partial`: promoting would cut off the devices that did not get it) and a new rotation
 *    sends it again. Then the fence is lowered: every sender opened after this opens the key in force.
 * 5. Once in force, each client that got it is sent its topic keys again under it: one `client.resync` operation per
 *    client (idempotency key `<id>/resync/<client id>`), started a page at a time with the cursor (see
 *    docs/architecture.md, "Operations"), after the fence: a resync waits for topic leases that fan-outs held back by
 *    the fence may hold.
 */
import { bytesToHex, cmdSetC2Key } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { loadC2KeyRecord, newC2KeyPair } from '../c2key/loadC2Key.js';
import { FENCED_RETRY_MS, lowerFence, raiseFence, readersGone } from '../c2key/tenantFence.js';
import { withSender } from '../delivery/CommandSender.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { eachPage } from '../pages.js';
import type { DeliveryCounts, DeliveryRecord, OperationRecord } from '../ports/OperationStore.js';
import type { C2KeyRecord, PageRequest } from '../ports.js';
import { finishOperation } from './finishOperation.js';
import { pendingDelivery } from './pendingDelivery.js';
import { queueAgain } from './queueAgain.js';
import { sendCommandPage } from './sendCommandPage.js';
import { startStep } from './startOperation.js';
import { OPERATION_PAGE, stepDeadline } from './stepBudget.js';
import { FANNED_OUT } from './topicOperation.js';
import type { WorkOptions } from './WorkOptions.js';

/** The cursor of step 5: this prefix, then the cursor of the next page of deliveries. */
const RESEND = '~';
/** Step 5 done. */
const RESENT = '~!';

export async function advanceC2KeyOperation(
  deps: C2Deps,
  operation: OperationRecord,
  options: WorkOptions,
): Promise<void> {
  const { tenantId, id } = operation;
  const again = () => queueAgain(deps, operation);
  const fencedOut = () => queueAgain(deps, operation, { minMs: FENCED_RETRY_MS, maxMs: FENCED_RETRY_MS });
  const deadline = stepDeadline(options);
  let current: OperationRecord | undefined = operation;
  if (!current.cursor?.startsWith(RESEND)) {
    const owner = `op-${id}`;
    try {
      await raiseFence(deps, tenantId, owner);
    } catch (error) {
      if (error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate) return fencedOut();
      throw error;
    }
    // A failure below leaves the fence with the operation (its lease ends, or the operation's next message renews it).
    if (!(await readersGone(deps, tenantId, Math.max(0, deadline - Date.now())))) return fencedOut();
    const fenced = await fencedSteps(deps, current, owner, deadline);
    if (fenced === 'later') return again();
    // Another worker moved the operation on (a message handled twice): it is sending under the fence, and lowers it.
    if (!fenced) return;
    await lowerFence(deps, tenantId, owner);
    const { failure } = fenced;
    if (failure) {
      await finishOperation(deps, fenced.operation, failure, { failed: failure.code === C2ErrorCode.ConcurrentUpdate });
      return;
    }
    current = fenced.operation;
  }
  current = await startResyncs(deps, current, deadline);
  if (!current) return;
  if (current.cursor !== RESENT) return again();
  // A resync that could not be started (its error kept on the operation): `partial`, saying why.
  await finishOperation(deps, current, current.error);
}

type Fenced = { readonly operation: OperationRecord; readonly failure?: { code: string; message: string } };

/**
 * Steps 2 to 4 under the fence: the operation with its key in force and its cursor at step 5, or with why its key
 * stays pending; 'later' past the deadline; undefined when another worker moved it on.
 */
async function fencedSteps(
  deps: C2Deps,
  operation: OperationRecord,
  owner: string,
  deadline: number,
): Promise<Fenced | 'later' | undefined> {
  let current = operation.status === 'pending' ? await prepare(deps, operation) : operation;
  const keyVersion = current.keyVersion!;
  const record = await loadC2KeyRecord(deps, current.tenantId);
  if (record.keyVersion < keyVersion) {
    if (record.pending?.keyVersion !== keyVersion) {
      const message = `the C2 key changed under the operation (version ${record.keyVersion}, pending ${record.pending?.keyVersion})`;
      return { operation: current, failure: { code: C2ErrorCode.ConcurrentUpdate, message } };
    }
    const sent = await sendSetC2Key(deps, current, record.pending, owner, deadline);
    if (sent === undefined || sent === 'later') return sent;
    current = sent;
    const counts = await tally(deps, current);
    current = await update(deps, current, { counts });
    const missed = counts.pending + counts.failed;
    if (missed > 0) {
      const message =
        `SetC2Key was not taken for ${missed} of ${counts.total} clients; the new key stays pending ` +
        '(a device that did not get it is not cut off): a new rotation sends it again';
      return { operation: current, failure: { code: C2ErrorCode.DeliveryFailed, message } };
    }
    await promote(deps, record);
  }
  // In force (promoted here, or by a rotation that adopted this key after this one's fence ran out).
  return { operation: await update(deps, current, { cursor: RESEND }) };
}

/** Step 2: the pending key (made or adopted), its version, the deliveries, `running`. */
async function prepare(deps: C2Deps, operation: OperationRecord): Promise<OperationRecord> {
  const { tenantId } = operation;
  let current = operation;
  if (current.keyVersion === undefined) {
    let record = await loadC2KeyRecord(deps, tenantId);
    if (!record.pending) {
      const pending = await newC2KeyPair(deps, tenantId, record.keyVersion + 1);
      const withPending: C2KeyRecord = { ...record, pending, updatedAt: new Date(deps.clock()).toISOString() };
      await deps.store.replaceC2Key(withPending, { keyVersion: record.keyVersion, pendingVersion: undefined });
      record = withPending;
    }
    current = await update(deps, current, { keyVersion: record.pending!.keyVersion });
  }
  const updatedAt = new Date(deps.clock()).toISOString();
  let total = 0;
  for await (const clients of eachPage((page) => deps.store.listClients(tenantId, page))) {
    const deliveries: DeliveryRecord[] = clients
      .filter((client) => client.mode === 'pubkey')
      .map((client) => pendingDelivery(current, client.name, updatedAt));
    await deps.operations.putDeliveries(deliveries);
    total += deliveries.length;
  }
  const counts = { total, pending: total, sent: 0, confirmed: 0, failed: 0 };
  return update(deps, current, { status: 'running', counts, cursor: null });
}

/** Step 3 for as long as the budget allows: the operation past its last page, 'later', or undefined (moved on). */
async function sendSetC2Key(
  deps: C2Deps,
  operation: OperationRecord,
  pending: NonNullable<C2KeyRecord['pending']>,
  owner: string,
  deadline: number,
): Promise<OperationRecord | 'later' | undefined> {
  const { tenantId, id } = operation;
  let current = operation;
  return withSender(
    deps,
    tenantId,
    async (sender) => {
      while (current.cursor !== FANNED_OUT) {
        if (Date.now() >= deadline) return 'later';
        await raiseFence(deps, tenantId, owner); // extended
        const page = await deps.operations.listDeliveries(
          tenantId,
          id,
          {},
          { limit: OPERATION_PAGE, ...(current.cursor ? { cursor: current.cursor } : {}) },
        );
        const countsDelta = await sendCommandPage(deps, sender, current, page.items, () =>
          cmdSetC2Key(pending.publicKey),
        );
        try {
          current = await update(deps, current, { cursor: page.cursor ?? FANNED_OUT, countsDelta });
        } catch (error) {
          if (error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate) return undefined;
          throw error;
        }
      }
      return current;
    },
    { fenceWriter: true },
  );
}

/** The deliveries' states counted (a page handled again after a crash between its outcomes and its commit). */
async function tally(deps: C2Deps, operation: OperationRecord): Promise<DeliveryCounts> {
  const counts = { total: 0, pending: 0, sent: 0, confirmed: 0, failed: 0 };
  const list = (page: PageRequest) => deps.operations.listDeliveries(operation.tenantId, operation.id, {}, page);
  for await (const page of eachPage(list)) {
    for (const delivery of page) {
      counts.total++;
      counts[delivery.state]++;
    }
  }
  return counts;
}

/** The pending key in force. */
async function promote(deps: C2Deps, record: C2KeyRecord): Promise<void> {
  const pending = record.pending!;
  const promoted: C2KeyRecord = {
    tenantId: record.tenantId,
    publicKey: pending.publicKey,
    wrappedKey: pending.wrappedKey,
    keyVersion: pending.keyVersion,
    createdAt: record.createdAt,
    updatedAt: new Date(deps.clock()).toISOString(),
  };
  await deps.store.replaceC2Key(promoted, { keyVersion: record.keyVersion, pendingVersion: pending.keyVersion });
}

/**
 * Step 5 for as long as the budget allows: a `client.resync` started for each client the key reached (one refused is
 * kept as the operation's error, the others go on); the operation as it then stands (cursor {@link RESENT} at the
 * end), or undefined when another worker moved it on.
 */
async function startResyncs(
  deps: C2Deps,
  operation: OperationRecord,
  deadline: number,
): Promise<OperationRecord | undefined> {
  const { tenantId, id, actor } = operation;
  let current = operation;
  while (current.cursor !== RESENT && Date.now() < deadline) {
    const from = current.cursor!.slice(RESEND.length);
    const page = await deps.operations.listDeliveries(
      tenantId,
      id,
      {},
      { limit: OPERATION_PAGE, ...(from ? { cursor: from } : {}) },
    );
    let refused: { code: string; message: string } | undefined;
    for (const delivery of page.items) {
      if (delivery.state !== 'sent' && delivery.state !== 'confirmed') continue;
      const resync = await startStep(
        deps,
        { tenantId, actor },
        {
          kind: 'client.resync',
          target: { type: 'client', name: delivery.clientName },
          mintsKey: false,
          idempotencyKey: `${id}/resync/${bytesToHex(delivery.clientId)}`,
        },
      );
      if ('refused' in resync) refused ??= resync.refused;
    }
    try {
      const cursor = page.cursor ? RESEND + page.cursor : RESENT;
      current = await update(deps, current, { cursor, ...(refused ? { error: refused } : {}) });
    } catch (error) {
      if (error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate) return undefined;
      throw error;
    }
  }
  return current;
}

const update = (
  deps: C2Deps,
  operation: OperationRecord,
  change: Omit<Parameters<C2Deps['operations']['updateOperation']>[2], 'updatedAt'>,
) =>
  deps.operations.updateOperation(
    operation.tenantId,
    operation.id,
    { ...change, updatedAt: new Date(deps.clock()).toISOString() },
    operation.revision,
  );
