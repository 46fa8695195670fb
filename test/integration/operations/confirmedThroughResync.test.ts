/**
 * A key operation shows a device confirmed when the device confirms the key through a resync: real components
 * throughout (local mode's composition over dynalite and the keyring, its embedded aedes broker handing every
 * receipt to the work queue, devices on the library). The worker is driven by hand (StepQueue): rotations with a
 * device offline (never connected, or known to send receipts and gone), then the device back, its return resynced,
 * its receipt handled. The rotation that made the topic's current key shows the device confirmed (`confirmedVia` the
 * resync) and counts it; an older rotation's key, never confirmed, stays as it was; a replayed receipt changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedBroker } from '../../../local/startEmbeddedBroker.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { handleWork } from '../../../shared/c2/operations/handleWork.js';
import { operationView } from '../../../shared/c2/operations/OperationView.js';
import { listDeliveries } from '../../../shared/c2/operations/readOperations.js';
import type { ReceiptOutcome } from '../../../shared/c2/operations/receipts/ReceiptOutcome.js';
import { RETURN_ACTOR, SETTLE_MS } from '../../../shared/c2/operations/resyncOperation.js';
import type { OperationRecord } from '../../../shared/c2/ports/OperationStore.js';
import type { ReceiptMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { bytesToHex, E4Client, protectReceipt, toBase64 } from '../../../shared/e4/node/index.js';
import { callerOf } from '../../support/callerOf.js';
import { type ReceiptsOnLocal, startReceiptsOnLocal } from '../../support/receiptsOnLocal.js';
import { StepQueue } from '../../support/stepQueue.js';
import { connectDevice, type TestDevice } from '../../support/testDevice.js';

const TENANT = 'local';
const caller = callerOf(TENANT, 'operator');
let local: ReceiptsOnLocal | undefined;
let broker: EmbeddedBroker;
let deps: C2Deps;
const queue = new StepQueue();
const devices: TestDevice[] = [];
/** Identity keys of the clients made, by name. */
const keys = new Map<string, Uint8Array>();

beforeAll(async () => {
  local = await startReceiptsOnLocal(queue, TENANT, { startWorker: false });
  ({ broker, deps } = local);
});
afterAll(async () => {
  await local?.close(devices);
});

async function client(name: string): Promise<void> {
  const { key } = await createClient(deps, caller, { name, mode: 'symmetric', generateKey: true });
  keys.set(name, key!.slice());
}

/** The client's device connected, on a new session (what was published while it was away is lost to it). */
async function connect(name: string): Promise<TestDevice> {
  const e4 = await E4Client.create({ mode: 'symmetric', key: keys.get(name)!.slice(), name });
  const device = await connectDevice(e4, broker.url, name);
  devices.push(device);
  return device;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The worker hands over what is queued (receipts that devices publish meanwhile included), until nothing comes. The
 * confirmation checks (due 30 s after an operation ends, checkConfirmations.ts) are dropped: their time never comes.
 */
async function settle(): Promise<void> {
  for (let quiet = 0; quiet < 3; quiet++) {
    await pause(100);
    for (; queue.messages.length > 0; quiet = -1) {
      if (queue.messages[0]!.message.type === 'confirmation') queue.take();
      else await queue.step(deps);
    }
  }
}

async function rotate(topic: string): Promise<OperationRecord> {
  const { operation } = await rotateTopicKey(deps, caller, topic);
  await settle();
  return (await deps.operations.getOperation(TENANT, operation.id))!;
}

/** The device back: its return (as the broker reports a connection) resynced after the settling time. */
async function comesBack(name: string): Promise<{ device: TestDevice; resync: OperationRecord }> {
  const device = await connect(name);
  const clientIdHex = bytesToHex(device.client.id);
  await handleWork(deps, { type: 'return', tenantId: TENANT, clientIdHex, at: Date.now() });
  await pause(SETTLE_MS + 100);
  await settle();
  await device.commandsApplied(1);
  await settle();
  const target = { type: 'client', name } as const;
  const [resync] = (await deps.operations.listOperations(TENANT, { kind: 'client.resync', target }, { limit: 1 }))
    .items;
  expect(resync?.actor).toBe(RETURN_ACTOR);
  return { device, resync: (await deps.operations.getOperation(TENANT, resync!.id))! };
}

const operationOf = async (operation: OperationRecord) => (await deps.operations.getOperation(TENANT, operation.id))!;
const deliveryOf = (operation: OperationRecord, name: string) =>
  deps.operations.getDelivery(TENANT, operation.id, name);

describe('a device that confirms a key through a resync', () => {
  it('shows confirmed in the rotation that made the key (not in an older one), counted once, the rotation succeeded', async () => {
    // Prepare: alice online; late's client made and linked, its device never connected. Two rotations.
    await client('alice');
    await client('late');
    const alice = await connect('alice');
    await createTopic(deps, caller, { topic: 'room/via' });
    for (const name of ['alice', 'late']) await linkClient(deps, caller, { topic: 'room/via', client: name });
    await alice.commandsApplied(1);
    await settle();
    const older = await rotate('room/via'); // v2
    const newer = await rotate('room/via'); // v3
    await alice.commandsApplied(3);
    await settle();
    // What the web session found: the rotation done, late `sent` (the broker took its command; no one was there).
    expect(await operationOf(newer)).toMatchObject({ status: 'succeeded', keyVersion: 3 });
    expect((await operationOf(newer)).counts).toEqual({ total: 2, pending: 0, sent: 1, confirmed: 1, failed: 0 });
    expect((await deliveryOf(newer, 'late'))?.state).toBe('sent');

    // Act: late's device connects
    const { device, resync } = await comesBack('late');

    // Assess: the resync sent it v3, which it confirmed; the newer rotation says so, device by device and counted
    expect(device.commands).toEqual(['SetTopicKey']);
    expect(resync.status).toBe('succeeded');
    expect((await deliveryOf(resync, 'late'))?.state).toBe('confirmed');
    expect((await deliveryOf(resync, 'late'))?.confirmedVia).toBeUndefined();
    const done = await operationOf(newer);
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 3 });
    expect(done.counts).toEqual({ total: 2, pending: 0, sent: 0, confirmed: 2, failed: 0 });
    // late was not known to send receipts when the key went out: counted able to confirm now.
    expect(operationView(done).confirmation).toEqual({ confirmable: 2, confirmed: 2, percent: 100 });
    const listed = await listDeliveries(deps, caller, newer.id, {}, { limit: 10 });
    expect(listed.items.map(({ client: { name }, state, confirmedVia }) => ({ name, state, confirmedVia }))).toEqual(
      expect.arrayContaining([
        { name: 'alice', state: 'confirmed', confirmedVia: undefined },
        { name: 'late', state: 'confirmed', confirmedVia: resync.id },
      ]),
    );
    // The older rotation's key (v2) never reached late: it stays as it was.
    expect((await deliveryOf(older, 'late'))?.state).toBe('sent');
    expect((await operationOf(older)).counts).toEqual({ total: 2, pending: 0, sent: 1, confirmed: 1, failed: 0 });
    expect(device.errors).toEqual([]);

    // Act: the receipt replayed (a genuine one, as the device made it)
    const commandHash = (await deliveryOf(resync, 'late'))!.commandHash!;
    const replay: ReceiptMessage = {
      type: 'receipt',
      tenantId: TENANT,
      clientIdHex: bytesToHex(device.client.id),
      payload: toBase64(protectReceipt(commandHash, keys.get('late')!)),
    };
    let outcome: ReceiptOutcome | undefined;
    await handleWork(deps, replay, { onReceipt: (o) => (outcome = o) });

    // Assess: nothing changed
    expect(outcome).toEqual({ result: 'duplicate', operationId: resync.id, clientName: 'late' });
    expect((await operationOf(newer)).counts).toEqual(done.counts);
    expect((await operationOf(newer)).confirmable).toBe(done.confirmable);
  });

  it('a device known to send receipts, given up on (failed), confirms through its resync: failed -> confirmed', async () => {
    // Prepare: gone is known (it sent receipts) and offline during the rotation; the confirmation checks gave up on
    // it (what checkConfirmations.ts does after its sends: the delivery failed, the operation partial).
    await client('stays');
    await client('gone');
    const stays = await connect('stays');
    await createTopic(deps, caller, { topic: 'room/gone' });
    for (const name of ['stays', 'gone']) await linkClient(deps, caller, { topic: 'room/gone', client: name });
    await stays.commandsApplied(1);
    await settle();
    await deps.store.recordClientSeen(TENANT, 'gone', new Date(Date.now() - 3_600_000).toISOString());
    const rotation = await rotate('room/gone');
    const at = new Date().toISOString();
    const [failed] = await deps.operations.transitionDeliveries(TENANT, rotation.id, [
      { clientName: 'gone', from: ['sent'], to: 'failed', lastError: 'no receipt after 3 sends', updatedAt: at },
    ]);
    expect(failed?.state).toBe('failed');
    await deps.operations.addToCounts(TENANT, rotation.id, { sent: -1, failed: 1 }, at);
    const partial = await deps.operations.updateOperation(
      TENANT,
      rotation.id,
      { status: 'partial', updatedAt: at },
      (await operationOf(rotation)).revision,
    );
    expect(partial.counts).toEqual({ total: 2, pending: 0, sent: 0, confirmed: 1, failed: 1 });

    // Act
    const { resync } = await comesBack('gone');

    // Assess: confirmed through the resync, counted; counted able to confirm when the key went out already
    expect(await deliveryOf(rotation, 'gone')).toMatchObject({ state: 'confirmed', confirmedVia: resync.id });
    expect((await deliveryOf(rotation, 'gone'))?.lastError).toBeUndefined();
    const done = await operationOf(rotation);
    expect(done.counts).toEqual({ total: 2, pending: 0, sent: 0, confirmed: 2, failed: 0 });
    expect(done.confirmable).toBe(2);
    expect(done.status).toBe('partial'); // as a late receipt of its own command leaves it
  });
});
