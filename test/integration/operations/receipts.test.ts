/**
 * Confirmed delivery with real components: devices on the library (E4Client on MQTT) connected to local mode's
 * embedded aedes broker, whose publish hook hands every receipt to the work queue; the C2's acceptReceipts (through
 * handleWork) over dynalite and the keyring. The operation, delivery and command-reference records are written
 * directly through deps.operations, as the fan-out engine will write them (recorded before the command is published).
 * The queue is a recording adapter of the WorkQueue port written here (the local queue adapter is not there yet): the
 * test takes the receipt messages it stored and hands them to handleWork, as a worker would.
 * An external broker (a second aedes, not embedded) is heard through MqttReceiptSubscriber.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptForwarder } from '../../../local/forwardReceipts.js';
import type { EmbeddedBroker } from '../../../local/startEmbeddedBroker.js';
import { MqttCommandPublisher } from '../../../shared/adapters/local/MqttCommandPublisher.js';
import { MqttReceiptSubscriber } from '../../../shared/adapters/local/MqttReceiptSubscriber.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { loadC2Key, newC2KeyPair } from '../../../shared/c2/c2key/loadC2Key.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { pendingBinding } from '../../../shared/c2/clients/newClientKey.js';
import { RECEIPT_RETRIES, RECEIPT_RETRY_DELAYS_MS } from '../../../shared/c2/operations/acceptReceipts.js';
import { handleWork } from '../../../shared/c2/operations/handleWork.js';
import { handleWorkMessages } from '../../../shared/c2/operations/handleWorkMessages.js';
import { newOperationId } from '../../../shared/c2/operations/newOperationId.js';
import type { ReceiptOutcome } from '../../../shared/c2/operations/receipts/ReceiptOutcome.js';
import type { CommandRef, OperationRecord } from '../../../shared/c2/ports/OperationStore.js';
import type { ReceiptMessage, WorkMessage, WorkQueue } from '../../../shared/c2/ports/WorkQueue.js';
import type { CommandPublisher } from '../../../shared/c2/ports.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import {
  bytesToHex,
  c2CommandKey,
  cmdResetTopics,
  cmdSetC2Key,
  cmdSetIdKey,
  cmdSetTopicKey,
  commandHash,
  E4Client,
  fromBase64,
  nodeEngine,
  protectCommand,
  protectReceipt,
  randomEd25519KeyPair,
  randomKey,
  readTimestamp,
  toBase64,
  topicForId,
} from '../../../shared/e4/node/index.js';
import { type RunningBroker, startAedes } from '../../support/brokers.js';
import { callerOf } from '../../support/callerOf.js';
import { fuzzRuns } from '../../support/fuzzRuns.js';
import { linkConfirmed } from '../../support/linkConfirmed.js';
import { type ReceiptsOnLocal, startReceiptsOnLocal } from '../../support/receiptsOnLocal.js';
import { connectDevice, enrolDevice, type TestDevice } from '../../support/testDevice.js';

const TENANT = 'local';
const caller = callerOf(TENANT, 'operator');

/** The WorkQueue port, recording what it is given (and the delay asked for). */
class RecordingQueue implements WorkQueue {
  readonly stored: { message: WorkMessage; delayMs: number | undefined }[] = [];
  async enqueue(messages: readonly WorkMessage[], options: { delayMs?: number } = {}): Promise<void> {
    for (const message of messages) this.stored.push({ message, delayMs: options.delayMs });
  }
  receipts(clientIdHex: string): ReceiptMessage[] {
    return this.stored
      .map((entry) => entry.message)
      .filter((m): m is ReceiptMessage => m.type === 'receipt' && m.clientIdHex === clientIdHex);
  }
}

let local: ReceiptsOnLocal | undefined;
let broker: EmbeddedBroker;
let deps: C2Deps;
const queue = new RecordingQueue();
const devices: TestDevice[] = [];
/** Identity keys of the symmetric devices enrolled, by name. */
const keys = new Map<string, Uint8Array>();

beforeAll(async () => {
  local = await startReceiptsOnLocal(queue, TENANT);
  ({ broker, deps } = local);
});
afterAll(async () => {
  await local?.close(devices);
});

async function symmetricDevice(name: string, options: { receipts?: boolean; url?: string } = {}): Promise<TestDevice> {
  const { key } = await createClient(deps, caller, { name, mode: 'symmetric', generateKey: true });
  keys.set(name, key!.slice());
  const client = await E4Client.create({ mode: 'symmetric', key: key!, name });
  const device = await connectDevice(client, options.url ?? broker.url, name, options);
  devices.push(device);
  return device;
}

const idHex = (device: TestDevice) => bytesToHex(device.client.id);
const confirmedOf = (topic: string, clientName: string) => linkConfirmed(deps.store, TENANT, topic, clientName);
const nowSecond = () => Math.floor(Date.now() / 1000);

/** The command protected under `key` for the device, as the fan-out would protect it. */
const frameFor = (plaintext: Uint8Array, key: Uint8Array) =>
  protectCommand(plaintext, key, { engine: nodeEngine, timestamp: nowSecond() });

/** An operation with one delivery in `state` to the device, and the reference of `frame` (unless `ref: false`). */
async function recordOperation(
  device: TestDevice,
  frame: Uint8Array,
  options: { state?: 'pending' | 'sent' | 'failed'; topic?: string; keyVersion?: number; ref?: boolean } = {},
): Promise<OperationRecord> {
  const operations = deps.operations!;
  const state = options.state ?? 'sent';
  const at = new Date().toISOString();
  const operation: OperationRecord = {
    tenantId: TENANT,
    id: newOperationId(deps),
    kind: options.topic ? 'topic.rotate' : 'client.resync',
    target: options.topic ? { type: 'topic', name: options.topic } : { type: 'client', name: device.name },
    ...(options.keyVersion === undefined ? {} : { keyVersion: options.keyVersion }),
    actor: 'test',
    createdAt: at,
    updatedAt: at,
    status: 'running',
    counts: { total: 1, pending: 0, sent: 0, confirmed: 0, failed: 0, [state]: 1 },
    revision: 1,
  };
  await operations.createOperation(operation);
  const hash = commandHash(frame);
  await operations.putDeliveries([
    {
      tenantId: TENANT,
      operationId: operation.id,
      clientName: device.name,
      clientId: device.client.id,
      state,
      attempts: 1,
      commandHash: hash,
      updatedAt: at,
    },
  ]);
  if (options.ref !== false) await recordRef(device, operation.id, frame);
  return operation;
}

async function recordRef(
  device: TestDevice,
  operationId: string,
  frame: Uint8Array,
  extra: Pick<CommandRef, 'confirmsPending' | 'topicKey'> = {},
): Promise<void> {
  await deps.operations.putCommandRefs([
    {
      tenantId: TENANT,
      clientId: device.client.id,
      commandHash: commandHash(frame),
      operationId,
      clientName: device.name,
      at: new Date().toISOString(),
      ...extra,
    },
  ]);
}

async function publish(device: TestDevice, frame: Uint8Array, publisher: CommandPublisher = deps.publisher) {
  const [outcome] = await publisher.publish([
    { clientName: device.name, topic: topicForId(device.client.id), payload: frame },
  ]);
  expect(outcome?.delivered).toBe(true);
}

/** Resolves with the device's `count`-th receipt message once the queue has it. */
async function receipt(device: TestDevice, count: number): Promise<ReceiptMessage> {
  for (let waited = 0; waited < 10_000; waited += 20) {
    const found = queue.receipts(idHex(device))[count - 1];
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${device.name}: no receipt ${count} in the queue`);
}

/** Hands the message to the worker's entry point; what became of it. */
async function handle(message: WorkMessage): Promise<ReceiptOutcome | undefined> {
  let outcome: ReceiptOutcome | undefined;
  await handleWork(deps, message, { onReceipt: (o) => (outcome = o) });
  return outcome;
}

const operationOf = (operation: OperationRecord) => deps.operations.getOperation(TENANT, operation.id);
const deliveryOf = (operation: OperationRecord, device: TestDevice) =>
  deps.operations.getDelivery(TENANT, operation.id, device.name);

/** A topic with the client on it (the link record only: no command sent). */
async function topicWith(topic: string, clientName: string): Promise<void> {
  await createTopic(deps, caller, { topic });
  await deps.store.putLink({ tenantId: TENANT, topic, clientName, createdAt: '2026-12-01T00:00:00.000Z' });
}

describe('receipts over the embedded broker', () => {
  it('a device confirms a topic key: sent -> confirmed, counted once; the link and the client record it', async () => {
    // Prepare
    const alice = await symmetricDevice('alice');
    await topicWith('room/1', 'alice');
    const frame = frameFor(cmdSetTopicKey(randomKey(), 'room/1'), keys.get('alice')!);
    const operation = await recordOperation(alice, frame, { topic: 'room/1', keyVersion: 2 });
    await publish(alice, frame);
    await alice.commandsApplied(1);

    // Act
    const message = await receipt(alice, 1);
    const first = await handle(message);
    const replayed = await handle(message);

    // Assess
    expect(first).toEqual({ result: 'confirmed', operationId: operation.id, clientName: 'alice', from: 'sent' });
    expect(replayed).toEqual({ result: 'duplicate', operationId: operation.id, clientName: 'alice' });
    expect((await operationOf(operation))?.counts).toEqual({ total: 1, pending: 0, sent: 0, confirmed: 1, failed: 0 });
    expect((await deliveryOf(operation, alice))?.state).toBe('confirmed');
    expect((await confirmedOf('room/1', 'alice'))?.keyVersion).toBe(2);
    expect((await deps.store.getClient(TENANT, 'alice'))?.lastSeenAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(alice.errors).toEqual([]);
  });

  it('forged, tampered, stale, misaddressed and malformed receipts are refused and change nothing', async () => {
    // Prepare: a delivery sent to bob, and a genuine receipt of carol's
    const bob = await symmetricDevice('bob');
    const carol = await symmetricDevice('carol');
    const frame = frameFor(cmdResetTopics(), keys.get('bob')!);
    const operation = await recordOperation(bob, frame);
    const hash = commandHash(frame);
    const base = { type: 'receipt', tenantId: TENANT, clientIdHex: idHex(bob) } as const;
    const carolFrame = frameFor(cmdResetTopics(), keys.get('carol')!);
    await publish(carol, carolFrame);
    const carolsReceipt = await receipt(carol, 1);
    const genuine = protectReceipt(hash, keys.get('bob')!);
    const tampered = genuine.slice();
    tampered[genuine.length - 1]! ^= 0x01;

    // Act
    const outcomes = await Promise.all(
      [
        { ...base, payload: toBase64(protectReceipt(hash, randomKey())) },
        { ...base, payload: toBase64(tampered) },
        { ...base, payload: toBase64(protectReceipt(hash, keys.get('bob')!, { timestamp: nowSecond() - 700 })) },
        { ...base, payload: toBase64(protectReceipt(hash, keys.get('bob')!, { timestamp: nowSecond() + 60 })) },
        { ...base, payload: carolsReceipt.payload },
        { ...base, payload: 'not base64!' },
        { ...base, clientIdHex: 'ab'.repeat(16), payload: toBase64(genuine) },
      ].map((message) => handle(message as ReceiptMessage)),
    );

    // Assess
    expect(outcomes.map((outcome) => outcome?.result === 'refused' && outcome.reason)).toEqual([
      'AUTHENTICATION_FAILED',
      'AUTHENTICATION_FAILED',
      'TIMESTAMP_TOO_OLD',
      'TIMESTAMP_IN_FUTURE',
      'AUTHENTICATION_FAILED',
      'MALFORMED',
      'UNKNOWN_CLIENT',
    ]);
    expect((await operationOf(operation))?.counts).toEqual({ total: 1, pending: 0, sent: 1, confirmed: 0, failed: 0 });
    expect((await deliveryOf(operation, bob))?.state).toBe('sent');
    expect((await deps.store.getClient(TENANT, 'bob'))?.lastSeenAt).toBeUndefined();
  });

  it('never throws for random receipts of a known device: each is refused, and nothing is counted', async () => {
    // Prepare
    const ivan = await symmetricDevice('ivan');
    const frame = frameFor(cmdResetTopics(), keys.get('ivan')!);
    const operation = await recordOperation(ivan, frame);
    const timestamped = (bytes: Uint8Array) => {
      const out = new Uint8Array(8 + bytes.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(nowSecond()), true);
      out.set(bytes, 8);
      return out;
    };

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 80 }), fc.boolean(), async (bytes, stamp) => {
        const payload = toBase64(stamp ? timestamped(bytes) : bytes);
        const outcome = await handle({ type: 'receipt', tenantId: TENANT, clientIdHex: idHex(ivan), payload });
        expect(outcome?.result).toBe('refused');
      }),
      { numRuns: fuzzRuns(1 / 5) },
    );
    expect((await operationOf(operation))?.counts).toEqual({ total: 1, pending: 0, sent: 1, confirmed: 0, failed: 0 });
  });

  it('a batch of receipts: one read of clients and references, one count per operation, each receipt its outcome', async () => {
    // Prepare: jan and kim on one operation, lea on another; each applied its command. The store is watched (a
    // spy over the real adapters, counting calls) to see what the batch costs.
    const [jan, kim, lea] = [await symmetricDevice('jan'), await symmetricDevice('kim'), await symmetricDevice('lea')];
    const frames = new Map([jan, kim, lea].map((d) => [d.name, frameFor(cmdResetTopics(), keys.get(d.name)!)]));
    const shared = await recordOperation(jan, frames.get('jan')!);
    await deps.operations.putDeliveries([
      {
        ...(await deliveryOf(shared, jan))!,
        clientName: 'kim',
        clientId: kim.client.id,
        commandHash: commandHash(frames.get('kim')!),
      },
    ]);
    await deps.operations.addToCounts(TENANT, shared.id, { total: 1, sent: 1 }, new Date().toISOString());
    await recordRef(kim, shared.id, frames.get('kim')!);
    const own = await recordOperation(lea, frames.get('lea')!);
    for (const device of [jan, kim, lea]) await publish(device, frames.get(device.name)!);
    const [janReceipt, kimReceipt, leaReceipt] = await Promise.all([jan, kim, lea].map((d) => receipt(d, 1)));
    const forged = { ...leaReceipt!, payload: toBase64(protectReceipt(commandHash(frames.get('lea')!), randomKey())) };
    const calls = new Map<string, number>();
    const watched = <T extends object>(target: T): T =>
      new Proxy(target, {
        get: (object, property, receiver) => {
          const value = Reflect.get(object, property, receiver);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
            return value.apply(object, args);
          };
        },
      });
    const watchedDeps = { ...deps, store: watched(deps.store), operations: watched(deps.operations) };
    const outcomes: ReceiptOutcome[] = [];

    // Act: jan's receipt twice in the same batch, with a forged one and a malformed one.
    const errors = await handleWorkMessages(
      watchedDeps,
      [janReceipt!, kimReceipt!, leaReceipt!, janReceipt!, forged, { ...janReceipt!, payload: '!' }],
      { onReceipt: (outcome) => outcomes.push(outcome) },
    );

    // Assess
    expect(errors).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    // In the order of the messages; which of jan's two receipts confirms is a race, the other is a duplicate.
    expect(outcomes.slice(1, 3).map((outcome) => outcome.result)).toEqual(['confirmed', 'confirmed']);
    expect([outcomes[0]!.result, outcomes[3]!.result].sort()).toEqual(['confirmed', 'duplicate']);
    expect(outcomes.slice(4)).toEqual([
      { result: 'refused', reason: 'AUTHENTICATION_FAILED' },
      { result: 'refused', reason: 'MALFORMED' },
    ]);
    expect((await operationOf(shared))?.counts).toEqual({ total: 2, pending: 0, sent: 0, confirmed: 2, failed: 0 });
    expect((await operationOf(own))?.counts).toEqual({ total: 1, pending: 0, sent: 0, confirmed: 1, failed: 0 });
    expect(calls.get('getClientsById')).toBe(1);
    expect(calls.get('getCommandRefs')).toBe(1);
    expect(calls.get('addToCounts')).toBe(2);
    expect(calls.get('getClientById')).toBeUndefined();
  });

  it("last seen: the receipt's own time; a symmetric client's written again only when a minute old", async () => {
    // Prepare: a device that confirms two commands, the second receipt 2 s after the first.
    const lou = await symmetricDevice('lou');
    const frames = [cmdResetTopics(), cmdResetTopics()].map((command) => frameFor(command, keys.get('lou')!));
    for (const frame of frames) await recordOperation(lou, frame);
    await publish(lou, frames[0]!);
    const first = await receipt(lou, 1);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await publish(lou, frames[1]!);
    const second = await receipt(lou, 2);
    const sentAt = (message: ReceiptMessage) => readTimestamp(fromBase64(message.payload)!, 0) * 1000;

    // Act
    await handle(first);
    const afterFirst = (await deps.store.getClient(TENANT, 'lou'))?.lastSeenAt;
    await handle(second);
    const afterSecond = (await deps.store.getClient(TENANT, 'lou'))?.lastSeenAt;

    // Assess: the first receipt's own second; not moved by the second (symmetric, within the minute)
    expect(afterFirst).toBe(new Date(sentAt(first)).toISOString());
    expect(sentAt(second)).toBeGreaterThan(sentAt(first));
    expect(afterSecond).toBe(afterFirst);
  });

  it('a receipt ahead of its command reference goes back to the queue (delayed), then is dropped after its last try', async () => {
    // Prepare: the command is published before its reference is recorded
    const dave = await symmetricDevice('dave');
    const frame = frameFor(cmdResetTopics(), keys.get('dave')!);
    const operation = await recordOperation(dave, frame, { state: 'failed', ref: false });
    await publish(dave, frame);
    const message = await receipt(dave, 1);
    const before = queue.stored.length;

    // Act
    const early = await handle(message);
    const requeued = queue.stored[before];
    const tooLate = await handle({ ...message, tries: RECEIPT_RETRIES });
    await recordRef(dave, operation.id, frame);
    const retried = await handle(requeued!.message);

    // Assess
    expect(early).toEqual({ result: 'requeued', tries: 1 });
    expect(requeued).toEqual({ message: { ...message, tries: 1 }, delayMs: RECEIPT_RETRY_DELAYS_MS[0] });
    expect(tooLate).toMatchObject({ result: 'dropped' });
    expect(queue.stored.length).toBe(before + 1);
    expect(retried).toEqual({ result: 'confirmed', operationId: operation.id, clientName: 'dave', from: 'failed' });
    expect((await operationOf(operation))?.counts).toEqual({ total: 1, pending: 0, sent: 0, confirmed: 1, failed: 0 });
  });

  it('the receipt of a SetIDKey comes under the new key, which the C2 holds as pending', async () => {
    // Prepare
    const erin = await symmetricDevice('erin');
    const record = (await deps.store.getClient(TENANT, 'erin'))!;
    const next = randomKey();
    const wrappedKey = await deps.vault.wrap(next, pendingBinding(record, 2));
    await deps.store.setClientPendingKey(TENANT, 'erin', { wrappedKey, keyVersion: 2 }, 1);
    const frame = frameFor(cmdSetIdKey(next.slice()), keys.get('erin')!);
    const operation = await recordOperation(erin, frame);
    await publish(erin, frame);

    // Act
    const outcome = await handle(await receipt(erin, 1));

    // Assess
    expect(outcome).toEqual({ result: 'confirmed', operationId: operation.id, clientName: 'erin', from: 'sent' });
  });

  it('a public-key device confirms under SHA3-256(X25519(C2 key, its key)); a receipt ahead of its outcome waits', async () => {
    // Prepare
    const frank = await enrolDevice(deps, caller, broker.url, 'frank', 'pubkey');
    devices.push(frank);
    const c2Key = await loadC2Key(deps, TENANT);
    const commandKey = c2CommandKey(nodeEngine, c2Key.privateKey, frank.client.publicKey!);
    c2Key.privateKey.fill(0);
    const frame = frameFor(cmdResetTopics(), commandKey);
    const operation = await recordOperation(frank, frame, { state: 'pending' });
    await publish(frank, frame);
    const message = await receipt(frank, 1);

    // Act: the receipt finds its delivery still pending (the fan-out writes its outcome once the page is published),
    // then the outcome is written as the fan-out does, with its counts.
    const early = await handle(message);
    const delivery = (await deps.operations.getDelivery(TENANT, operation.id, 'frank'))!;
    await deps.operations.putDeliveries([{ ...delivery, state: 'sent' }]);
    await deps.operations.addToCounts(TENANT, operation.id, { pending: -1, sent: 1 }, new Date().toISOString());
    const outcome = await handle({ ...message, tries: 1 });

    // Assess
    expect(early).toEqual({ result: 'requeued', tries: 1 });
    expect(outcome).toEqual({ result: 'confirmed', operationId: operation.id, clientName: 'frank', from: 'sent' });
    expect((await operationOf(operation))?.counts).toEqual({ total: 1, pending: 0, sent: 0, confirmed: 1, failed: 0 });
  });

  it('a receipt ahead of its outcome confirms a pending delivery when its reference allows it; the outcome then changes nothing', async () => {
    // Prepare: a device known to send receipts, its command referenced as a topic fan-out references it
    const hana = await symmetricDevice('hana');
    await deps.store.recordClientSeen(TENANT, 'hana', new Date().toISOString());
    await topicWith('room/early', 'hana');
    const frame = frameFor(cmdSetTopicKey(randomKey(), 'room/early'), keys.get('hana')!);
    const operation = await recordOperation(hana, frame, { state: 'pending', topic: 'room/early', ref: false });
    await recordRef(hana, operation.id, frame, {
      confirmsPending: true,
      topicKey: { topic: 'room/early', keyVersion: 2 },
    });
    await publish(hana, frame);

    // Act: the receipt first, then the outcome as sendTopicKeyPage writes it (conditional, from pending)
    const outcome = await handle(await receipt(hana, 1));
    const written = await deps.operations.transitionDeliveries(TENANT, operation.id, [
      { clientName: 'hana', from: ['pending'], to: 'sent', addAttempts: 1, updatedAt: new Date().toISOString() },
    ]);

    // Assess: confirmed from pending (no requeue), counted once; the outcome found nothing to move
    expect(outcome).toEqual({ result: 'confirmed', operationId: operation.id, clientName: 'hana', from: 'pending' });
    expect(written).toEqual([]);
    expect(await deliveryOf(operation, hana)).toMatchObject({ state: 'confirmed', attempts: 1 });
    expect((await operationOf(operation))?.counts).toEqual({ total: 1, pending: 0, sent: 0, confirmed: 1, failed: 0 });
    expect((await confirmedOf('room/early', 'hana'))?.keyVersion).toBe(2);
  });

  it('the first receipt of a device never heard from is matched through its topics; later ones through references', async () => {
    // Prepare: a device that has sent no receipt yet, on a topic rotated by the worker (the real fan-out)
    const ines = await symmetricDevice('ines');
    await topicWith('room/first', 'ines');
    const rotate = async () => {
      const { operation } = await rotateTopicKey(deps, caller, 'room/first');
      for (let i = 0; i < 20 && (await operationOf(operation))?.finishedAt === undefined; i++) {
        const work = queue.stored.filter((entry) => entry.message.type === 'operation').at(-1)!.message;
        await handleWork(deps, work);
      }
      const delivery = (await deliveryOf(operation, ines))!;
      const [ref] = await deps.operations.getCommandRefs(TENANT, [
        { clientId: ines.client.id, commandHash: delivery.commandHash! },
      ]);
      return { operation, ref };
    };

    // Act
    const first = await rotate();
    const firstOutcome = await handle(await receipt(ines, 1));
    const second = await rotate();
    const secondOutcome = await handle(await receipt(ines, 2));

    // Assess: no reference for the unknown device, matched all the same; then referenced (it sends receipts)
    expect(first.ref).toBeUndefined();
    expect(firstOutcome).toEqual({
      result: 'confirmed',
      operationId: first.operation.id,
      clientName: 'ines',
      from: 'sent',
    });
    expect(second.ref).toMatchObject({ operationId: second.operation.id, confirmsPending: true });
    expect(secondOutcome).toMatchObject({ result: 'confirmed', operationId: second.operation.id, clientName: 'ines' });
    expect((await operationOf(second.operation))?.counts).toMatchObject({ total: 1, confirmed: 1, pending: 0 });
    expect((await confirmedOf('room/first', 'ines'))?.keyVersion).toBe(3);
    // Able to confirm: counted by its first receipt in the first operation, when its command went out in the second.
    expect((await operationOf(first.operation))?.confirmable).toBe(1);
    expect((await operationOf(second.operation))?.confirmable).toBe(1);
  });

  it('public-key mode: receipts of a SetIDKey and of a SetC2Key open under the pending keys', async () => {
    // Prepare: a pending identity key for the device, and a pending C2 key for the tenant
    const gina = await enrolDevice(deps, caller, broker.url, 'gina', 'pubkey');
    devices.push(gina);
    const record = (await deps.store.getClient(TENANT, 'gina'))!;
    const c2Key = await loadC2Key(deps, TENANT);
    const current = c2CommandKey(nodeEngine, c2Key.privateKey, gina.client.publicKey!);
    const identity = randomEd25519KeyPair();
    await deps.store.setClientPendingKey(
      TENANT,
      'gina',
      { wrappedKey: await deps.vault.wrap(identity.privateKey, pendingBinding(record, 2)), keyVersion: 2 },
      1,
    );
    const c2Record = (await deps.store.getC2Key(TENANT))!;
    const pendingC2 = await newC2KeyPair(deps, TENANT, c2Record.keyVersion + 1);
    await deps.store.replaceC2Key(
      { ...c2Record, pending: pendingC2 },
      { keyVersion: c2Record.keyVersion, pendingVersion: undefined },
    );
    const setIdKey = frameFor(cmdSetIdKey(identity.privateKey.slice()), current);
    const afterIdKey = c2CommandKey(nodeEngine, c2Key.privateKey, identity.publicKey);
    const setC2Key = frameFor(cmdSetC2Key(pendingC2.publicKey), afterIdKey);
    c2Key.privateKey.fill(0);
    const first = await recordOperation(gina, setIdKey);
    const second = await recordOperation(gina, setC2Key);

    // Act
    await publish(gina, setIdKey);
    const underPendingIdentity = await handle(await receipt(gina, 1));
    await deps.store.updateClientKey(TENANT, 'gina', {
      wrappedKey: await deps.vault.wrap(identity.publicKey, {
        tenantId: TENANT,
        kind: 'client',
        name: 'gina',
        version: 2,
      }),
      keyVersion: 2,
      expectedVersion: 1,
      updatedAt: new Date().toISOString(),
    });
    await publish(gina, setC2Key);
    const underPendingC2 = await handle(await receipt(gina, 2));

    // Assess
    expect(underPendingIdentity).toMatchObject({ result: 'confirmed', operationId: first.id });
    expect(underPendingC2).toMatchObject({ result: 'confirmed', operationId: second.id });
  });

  it('an e4go-style device (receipts off) applies commands, sends no receipt, and its delivery stays sent', async () => {
    // Prepare
    const gus = await symmetricDevice('gus', { receipts: false });
    const topicKey = randomKey();
    const frame = frameFor(cmdSetTopicKey(topicKey, 'e4go/t'), keys.get('gus')!);
    const operation = await recordOperation(gus, frame);

    // Act: the command, then a message of its own (acknowledged after anything it published before)
    await publish(gus, frame);
    await gus.commandsApplied(1);
    await gus.mqtt.publish('e4go/t', 'still working', { qos: 1 });

    // Assess
    expect(gus.client.hasTopicKey('e4go/t')).toBe(true);
    expect(queue.receipts(idHex(gus))).toEqual([]);
    expect((await deliveryOf(operation, gus))?.state).toBe('sent');
  });
});

describe('receipts over an external broker (the C2 subscribes to e4/+/receipt)', () => {
  let external: RunningBroker;
  let publisher: MqttCommandPublisher;
  beforeAll(async () => {
    external = await startAedes();
    publisher = await MqttCommandPublisher.connect(external.url);
  });
  afterAll(async () => {
    await publisher?.close();
    await external?.close();
  });

  it('hears receipts, those sent while it was away included (persistent session)', async () => {
    // Prepare
    const forward = receiptForwarder(queue, TENANT);
    let subscriber = await MqttReceiptSubscriber.connect(external.url, forward, { mqtt: { clientId: 'c2-receipts' } });
    const hank = await symmetricDevice('hank', { url: external.url });
    const first = frameFor(cmdResetTopics(), keys.get('hank')!);
    const operation = await recordOperation(hank, first);

    // Act
    await publish(hank, first, publisher);
    const heard = await handle(await receipt(hank, 1));
    await subscriber.close();
    const second = frameFor(cmdSetTopicKey(randomKey(), 'away/t'), keys.get('hank')!);
    const later = await recordOperation(hank, second);
    await publish(hank, second, publisher);
    await hank.commandsApplied(2);
    subscriber = await MqttReceiptSubscriber.connect(external.url, forward, { mqtt: { clientId: 'c2-receipts' } });
    const heardLater = await handle(await receipt(hank, 2));
    await subscriber.close();

    // Assess
    expect(heard).toMatchObject({ result: 'confirmed', operationId: operation.id });
    expect(heardLater).toMatchObject({ result: 'confirmed', operationId: later.id });
    expect(fromBase64((await receipt(hank, 2)).payload)?.length).toBe(41);
  });
});
