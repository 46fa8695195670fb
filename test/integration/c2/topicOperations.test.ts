/**
 * Topic operations (rotation, revocation) step by step, over the local adapters (dynalite, keyring, aedes) with real
 * devices: the worker (handleWork) is driven by hand through a StepQueue, so that a test can stop between two
 * steps, hand the same message over twice (a redelivery), or drop one (a crash).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import { listEvents } from '../../../shared/c2/events/listEvents.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { unlinkClient } from '../../../shared/c2/links/unlinkClient.js';
import { CONFIRMATION_DELAY_MS, MAX_SENDS, resendBackoffMs } from '../../../shared/c2/operations/checkConfirmations.js';
import { handleWork } from '../../../shared/c2/operations/handleWork.js';
import { operationView } from '../../../shared/c2/operations/OperationView.js';
import { pendingDelivery } from '../../../shared/c2/operations/pendingDelivery.js';
import { listDeliveries } from '../../../shared/c2/operations/readOperations.js';
import { retryOperation } from '../../../shared/c2/operations/retryOperation.js';
import type { OperationRecord } from '../../../shared/c2/ports/OperationStore.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { deleteTopic } from '../../../shared/c2/topics/deleteTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { bytesToHex, hashIdAlias } from '../../../shared/e4/index.js';
import { callerOf } from '../../support/callerOf.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { page, readAll } from '../../support/readAllPages.js';
import { StepQueue } from '../../support/stepQueue.js';
import { enrolDevice, exchange, type TestDevice } from '../../support/testDevice.js';

const caller = callerOf('tenant-ops', 'operator');
let c2: LocalC2;
let queue: StepQueue;
let deps: C2Deps;
const devices: TestDevice[] = [];

beforeAll(async () => {
  c2 = await startLocalC2();
  queue = new StepQueue();
  deps = { ...c2.deps, queue };
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.end()));
  await c2?.close();
});

async function device(name: string): Promise<TestDevice> {
  const made = await enrolDevice(deps, caller, c2.mqttUrl, name);
  devices.push(made);
  return made;
}

/** A topic with these devices on it (each has applied its SetTopicKey) and `others` clients without a device. */
async function topicWith(topic: string, members: TestDevice[], others = 0): Promise<void> {
  await createTopic(deps, caller, { topic });
  for (const member of members) {
    const before = member.commands.length;
    await linkClient(deps, caller, { topic, client: member.name });
    await member.commandsApplied(before + 1);
    await member.mqtt.subscribe(topic);
  }
  const names = Array.from({ length: others }, (_, i) => `${topic}/offline-${i}`);
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(
      names.slice(i, i + 25).map(async (name) => {
        await createClient(deps, caller, { name, mode: 'symmetric', generateKey: true });
        // The link record only (linkClient would send the key to a device that is not there, one at a time).
        await deps.store.putLink({
          tenantId: caller.tenantId,
          topic,
          clientName: name,
          createdAt: new Date().toISOString(),
        });
      }),
    );
  }
}

const operationOf = async (id: string): Promise<OperationRecord> =>
  (await deps.operations.getOperation(caller.tenantId, id))!;

const deliveriesOf = async (id: string) =>
  (await readAll((cursor) => deps.operations.listDeliveries(caller.tenantId, id, {}, page(100, cursor)))).items;

describe('a rotation is an operation', () => {
  it('is recorded before anything is sent, then carried out by the worker: every device on the new key', async () => {
    // Prepare
    const [d1, d2, d3] = await Promise.all(['op-1', 'op-2', 'op-3'].map(device));
    await topicWith('ops/rot', [d1!, d2!, d3!]);

    // Act
    const started = await rotateTopicKey(deps, caller, 'ops/rot');

    // Assess: recorded, queued, nothing sent, the key not changed yet.
    expect(started.created).toBe(true);
    expect(started.operation).toMatchObject({ kind: 'topic.rotate', status: 'pending', actor: 'operator' });
    expect(started.operation.target).toEqual({ type: 'topic', name: 'ops/rot' });
    expect(queue.work().map((m) => m.message)).toEqual([
      { type: 'operation', tenantId: caller.tenantId, operationId: started.operation.id },
    ]);
    expect((await deps.store.getTopic(caller.tenantId, 'ops/rot'))!.keyVersion).toBe(1);
    expect(d1!.commands).toEqual(['SetTopicKey']);

    // Act: the worker
    await queue.drain(deps);

    // Assess
    const done = await operationOf(started.operation.id);
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2 });
    expect(done.counts).toEqual({ total: 3, pending: 0, sent: 3, confirmed: 0, failed: 0 });
    expect(done.finishedAt).toBeDefined();
    await Promise.all([d1!, d2!, d3!].map((d) => d.commandsApplied(2)));
    await exchange(d1!, d3!, 'ops/rot', 'after the operation');
    expect((await deps.store.getTopic(caller.tenantId, 'ops/rot'))!.keyVersion).toBe(2);
    const deliveries = await deliveriesOf(done.id);
    expect(deliveries.map((d) => [d.state, d.attempts, d.commandHash?.length])).toEqual([
      ['sent', 1, 16],
      ['sent', 1, 16],
      ['sent', 1, 16],
    ]);
    // No command references: none of these devices has sent a receipt yet (a topic operation references the
    // commands of devices known to send receipts; a first receipt is matched through the device's topics).
    const { clientId, commandHash } = deliveries[0]!;
    expect(await deps.operations.getCommandRefs(caller.tenantId, [{ clientId, commandHash: commandHash! }])).toEqual(
      [],
    );
    const events = await listEvents(deps, caller, {}, { limit: 10 });
    expect(events.items[0]).toMatchObject({
      action: 'topic.rotate',
      result: 'ok',
      target: { type: 'topic', name: 'ops/rot' },
      details: { operationId: done.id, status: 'succeeded', keyVersion: 2 },
    });
  });

  it('a message handled twice, and a worker cut off between pages, send the same key and count each device once', async () => {
    // Prepare: 2 devices and 248 clients without one (3 pages of 100).
    const [a, b] = await Promise.all(['cut-a', 'cut-b'].map(device));
    await topicWith('ops/cut', [a!, b!], 248);
    const { operation } = await rotateTopicKey(deps, caller, 'ops/cut');
    const message = queue.take();

    // Act: one page per step (budget 1 ms); the first step's continuation is lost (a crash), the message itself is
    // handed over again (SQS after its visibility timeout), and once more at the same time as the next.
    await handleWork(deps, message, { budgetMs: 1 });
    expect(queue.work()).toHaveLength(1);
    queue.take();
    const halfway = await operationOf(operation.id);
    await Promise.all([handleWork(deps, message, { budgetMs: 1 }), handleWork(deps, message, { budgetMs: 1 })]);
    await queue.drain(deps, { budgetMs: 1 });

    // Assess
    expect(halfway).toMatchObject({ status: 'running', keyVersion: 2 });
    expect(halfway.counts).toMatchObject({ total: 250, sent: 100, pending: 150 });
    const done = await operationOf(operation.id);
    expect(done.status).toBe('succeeded');
    expect(done.counts).toEqual({ total: 250, pending: 0, sent: 250, confirmed: 0, failed: 0 });
    expect((await deps.store.getTopic(caller.tenantId, 'ops/cut'))!.keyVersion).toBe(2);
    await exchange(a!, b!, 'ops/cut', 'one key');
    const deliveries = await deliveriesOf(operation.id);
    expect(deliveries).toHaveLength(250);
    expect(deliveries.every((d) => d.state === 'sent')).toBe(true);
  });

  it('in its first pass, devices not reached yet are listed pending (from the links); one whose link goes leaves it', async () => {
    // Prepare: 150 clients (2 pages of links); the first page sent, then one client of the second page unlinked
    // without the topic's lease (what a client's deletion does to its links).
    await topicWith('ops/pass', [], 150);
    const { operation } = await rotateTopicKey(deps, caller, 'ops/pass');
    await handleWork(deps, queue.take(), { budgetMs: 1 });
    const devicesOf = async (state?: 'pending' | 'sent') =>
      (await readAll((cursor) => listDeliveries(deps, caller, operation.id, state ? { state } : {}, page(100, cursor))))
        .items;
    const pendingMidway = await devicesOf('pending');
    const sentMidway = await devicesOf('sent');
    const allMidway = await devicesOf();
    const unrecordedMidway = await deps.operations.getDelivery(
      caller.tenantId,
      operation.id,
      pendingMidway[1]!.client.name,
    );
    await deps.store.deleteLink(caller.tenantId, 'ops/pass', pendingMidway[0]!.client.name);

    // Act
    await queue.drain(deps);

    // Assess: midway, each device once, in its state (no record written for those not reached); at the end the
    // unlinked device is out of the total, and every other one has its record.
    expect(pendingMidway).toHaveLength(50);
    expect(sentMidway).toHaveLength(100);
    expect(new Set(allMidway.map((d) => d.client.name)).size).toBe(150);
    expect(unrecordedMidway).toBeUndefined();
    const done = await operationOf(operation.id);
    expect(done).toMatchObject({ status: 'succeeded' });
    expect(done.counts).toEqual({ total: 149, pending: 0, sent: 149, confirmed: 0, failed: 0 });
    expect(await deliveriesOf(operation.id)).toHaveLength(149);
    expect(await devicesOf('pending')).toEqual([]);
  });

  it('resumed after a cut-short worker, it does not send again what that worker sent, even with links added since', async () => {
    // Prepare: 300 clients; the first page sent and committed; the second page sent by a worker that was cut short
    // before committing it (its records written, marked by their command hash); then, the operation's lease lapsed,
    // 350 clients linked whose ids sort between the two pages: the second page's devices move past the first four
    // pages of the next slice.
    await topicWith('ops/shift', [], 300);
    const { operation } = await rotateTopicKey(deps, caller, 'ops/shift');
    await handleWork(deps, queue.take(), { budgetMs: 1 });
    const byId = (await deps.operations.listDeliveries(caller.tenantId, operation.id, {}, page(100, undefined))).items;
    const lastDone = bytesToHex(byId.at(-1)!.clientId);
    const links = await readAll((cursor) =>
      deps.store.listClientsOfTopic(caller.tenantId, 'ops/shift', page(100, cursor)),
    );
    const secondPage = links.items.slice(100, 200);
    const marker = new Uint8Array(16).fill(7);
    const at = new Date().toISOString();
    await deps.operations.putDeliveries(
      secondPage.map((name) => ({
        ...pendingDelivery(operation, name, at),
        state: 'sent' as const,
        attempts: 1,
        commandHash: marker,
      })),
    );
    const firstOfSecond = bytesToHex(hashIdAlias(secondPage[0]!));
    const between: string[] = [];
    for (let i = 0; between.length < 350; i++) {
      const id = bytesToHex(hashIdAlias(`ops/shift/late-${i}`));
      if (id > lastDone && id < firstOfSecond) between.push(`ops/shift/late-${i}`);
    }
    for (const name of between) {
      await deps.store.putLink({ tenantId: caller.tenantId, topic: 'ops/shift', clientName: name, createdAt: at });
    }

    // Act: the next slices (the late clients have no record: they fail as deleted, which does not matter here)
    await queue.drain(deps);

    // Assess: the second page's devices kept the outcome the cut-short worker wrote; each device has one record
    const records = new Map((await deliveriesOf(operation.id)).map((d) => [d.clientName, d]));
    expect(secondPage.every((name) => records.get(name)?.commandHash?.every((b) => b === 7))).toBe(true);
    expect(records.size).toBe(650);
    const done = await operationOf(operation.id);
    expect(done.counts.pending).toBe(0);
    expect(done.counts.total).toBe(done.counts.sent + done.counts.failed + done.counts.confirmed);
  });

  it('retries of one request (same idempotency key) answer with one operation', async () => {
    await topicWith('ops/idem', []);
    const first = await rotateTopicKey(deps, caller, 'ops/idem', { idempotencyKey: 'rotate-ops-idem-1' });
    const again = await rotateTopicKey(deps, caller, 'ops/idem', { idempotencyKey: 'rotate-ops-idem-1' });
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, operation: { id: first.operation.id } });
    await queue.drain(deps);
    const third = await rotateTopicKey(deps, caller, 'ops/idem', { idempotencyKey: 'rotate-ops-idem-1' });
    expect(third.operation).toMatchObject({ id: first.operation.id, status: 'succeeded' });
    expect(queue.messages).toHaveLength(0);
    expect((await deps.store.getTopic(caller.tenantId, 'ops/idem'))!.keyVersion).toBe(2);
  });

  it('a rotation asked for while another waits to start joins it', async () => {
    await topicWith('ops/burst', []);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await rotateTopicKey(deps, caller, 'ops/burst'));
    expect(new Set(results.map((r) => r.operation.id)).size).toBe(1);
    expect(results.map((r) => r.created)).toEqual([true, false, false, false, false]);
    await queue.drain(deps);
    expect((await deps.store.getTopic(caller.tenantId, 'ops/burst'))!.keyVersion).toBe(2);
  });

  it('waits while another change holds the topic, then goes on', async () => {
    await topicWith('ops/busy', []);
    const now = Date.now();
    await deps.store.acquireTopicLease(caller.tenantId, 'ops/busy', { owner: 'other', now, until: now + 60_000 });
    const { operation } = await rotateTopicKey(deps, caller, 'ops/busy');

    await queue.step(deps);
    expect(queue.work().map((m) => m.delayMs)).toEqual([250]);
    expect((await operationOf(operation.id)).status).toBe('pending');
    await deps.store.releaseTopicLease(caller.tenantId, 'ops/busy', 'other');
    await queue.drain(deps);

    expect((await operationOf(operation.id)).status).toBe('succeeded');
  });

  it('waiting long for its topic, it tries again less and less often, and its watch does not take it for lost', async () => {
    // Prepare: the topic held by another change for an hour; the C2 on a queue of the test's own, on its time.
    const own = new StepQueue();
    const timed: C2Deps = { ...deps, queue: own, clock: () => Date.now() + own.elapsed };
    await topicWith('ops/long-busy', [], 2);
    const now = timed.clock();
    const lease = { owner: 'other', now, until: now + 3_600_000 };
    await deps.store.acquireTopicLease(caller.tenantId, 'ops/long-busy', lease);
    const { operation } = await rotateTopicKey(timed, caller, 'ops/long-busy');

    // Act: what the queue hands over for 7 minutes (past the first watch, at 5)
    const delays: number[] = [];
    while (own.elapsed < 420_000) {
      const next = own.messages[0]!;
      if (next.message.type === 'operation') delays.push(next.delayMs);
      await own.step(timed);
    }
    const waiting = await operationOf(operation.id);
    const loops = own.work().filter((queued) => queued.message.type === 'operation').length;
    await deps.store.releaseTopicLease(caller.tenantId, 'ops/long-busy', 'other');
    await own.drain(timed);

    // Assess: 250 ms, growing to 1 s; alive within the last minute, so its watch added no message: one loop only
    expect(delays.slice(0, 2)).toEqual([0, 250]);
    expect(Math.max(...delays)).toBe(1_000);
    expect(loops).toBe(1);
    expect(waiting.status).toBe('pending');
    expect(Date.parse(waiting.updatedAt)).toBeGreaterThan(now + 420_000 - 70_000);
    expect((await operationOf(operation.id)).status).toBe('succeeded');
  });

  it('ends partial, without sending an older key, when the topic got another key under it (its lease lost)', async () => {
    // Prepare: 150 clients (two pages); the first page sent, then the key changed by someone else.
    await topicWith('ops/lost', [], 150);
    const { operation } = await rotateTopicKey(deps, caller, 'ops/lost');
    await queue.step(deps, { budgetMs: 1 });
    const record = (await deps.store.getTopic(caller.tenantId, 'ops/lost'))!;
    await deps.store.updateTopicKey(caller.tenantId, 'ops/lost', {
      wrappedKey: record.wrappedKey,
      keyVersion: 3,
      expectedVersion: 2,
      updatedAt: record.updatedAt,
    });

    // Act
    await queue.drain(deps);

    // Assess
    const ended = await operationOf(operation.id);
    expect(ended).toMatchObject({ status: 'partial', error: { code: 'CONCURRENT_UPDATE' } });
    expect(ended.counts).toMatchObject({ total: 150, sent: 100, pending: 50 });
  });

  it('a deletion asked again before the first has finished answers with the first (one operation, done once)', async () => {
    await topicWith('ops/deleted-twice', []);
    const first = await deleteTopic(deps, caller, 'ops/deleted-twice');
    const second = await deleteTopic(deps, caller, 'ops/deleted-twice');
    await queue.drain(deps);
    expect([first.created, second.created, second.operation.id]).toEqual([true, false, first.operation.id]);
    expect(await operationOf(first.operation.id)).toMatchObject({ kind: 'topic.delete', status: 'succeeded' });
    expect(await deps.store.getTopic(caller.tenantId, 'ops/deleted-twice')).toBeUndefined();
  });

  it('fails visibly when its topic was deleted before it ran', async () => {
    await topicWith('ops/gone', []);
    const { operation } = await rotateTopicKey(deps, caller, 'ops/gone');
    await deps.store.deleteTopic(caller.tenantId, 'ops/gone'); // deleted meanwhile (as a deletion's last step)
    await queue.drain(deps);
    const failed = await operationOf(operation.id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'NOT_FOUND' } });
    expect(failed.finishedAt).toBeDefined();
  });
});

describe('devices that send receipts and stay silent', () => {
  it('are sent the key again with growing backoff, then failed and listed; devices without receipts stay sent', async () => {
    // Prepare: three devices; two have sent receipts before (lastSeenAt), one of those confirms this operation. The
    // C2 runs on the queue's time, which moves on to each message's due time as the test hands it over (the
    // devices' clocks do not move: the resends go out at the key's own second, less than five minutes old).
    const own = new StepQueue();
    const timed: C2Deps = { ...deps, queue: own, clock: () => Date.now() + own.elapsed };
    const [silent, confirms, e4go] = await Promise.all(['conf-silent', 'conf-ok', 'conf-e4go'].map(device));
    await topicWith('ops/confirm', [silent!, confirms!, e4go!]);
    const seen = new Date().toISOString();
    for (const name of ['conf-silent', 'conf-ok']) await deps.store.recordClientSeen(caller.tenantId, name, seen);
    const { operation } = await rotateTopicKey(timed, caller, 'ops/confirm');
    await own.step(timed); // the fan-out
    const check = own.messages[0];
    // Command references only for the devices known to send receipts, with what a receipt needs to record.
    const first = Object.fromEntries((await deliveriesOf(operation.id)).map((d) => [d.clientName, d]));
    const refOf = async (name: string) =>
      (
        await deps.operations.getCommandRefs(caller.tenantId, [
          { ...first[name]!, commandHash: first[name]!.commandHash! },
        ])
      )[0];
    const ref = { operationId: operation.id, confirmsPending: true, topicKey: { topic: 'ops/confirm', keyVersion: 2 } };
    expect(await refOf('conf-ok')).toMatchObject({ ...ref, clientName: 'conf-ok' });
    expect(await refOf('conf-silent')).toMatchObject({ ...ref, clientName: 'conf-silent' });
    expect(await refOf('conf-e4go')).toBeUndefined();
    // The two known to send receipts can confirm; the e4go device is not counted.
    expect((await operationOf(operation.id)).confirmable).toBe(2);
    // What acceptReceipts does for conf-ok's receipt:
    await deps.operations.transitionDeliveries(caller.tenantId, operation.id, [
      { clientName: 'conf-ok', from: ['sent'], to: 'confirmed', updatedAt: seen },
    ]);
    await deps.operations.addToCounts(caller.tenantId, operation.id, { sent: -1, confirmed: 1 }, seen);

    // Act: the checks and the sends they start, until nothing is left, the clock moved on by each delay
    const resentAt: number[] = [];
    const checksAfter: number[] = [];
    while (own.messages.length > 0) {
      const { delayMs } = own.messages[0]!;
      const message = await own.step(timed);
      if (message.type === 'operation') resentAt.push(own.elapsed);
      if (message.type === 'confirmation') checksAfter.push(delayMs);
    }

    // Assess: resends 30 s, then 60 s after the send before; given up 120 s after the third send
    expect(check).toMatchObject({
      message: { type: 'confirmation', tenantId: caller.tenantId, operationId: operation.id },
      delayMs: CONFIRMATION_DELAY_MS,
    });
    // (to the second: a remaining wait is computed from the clock, and the test itself takes some milliseconds)
    const seconds = (times: number[]) => times.map((ms) => Math.round(ms / 1000));
    expect(seconds(resentAt)).toEqual([30, 90]);
    expect(seconds(checksAfter)).toEqual([30, 30, 30, 30, 90]);
    expect(resendBackoffMs(3)).toBe(120_000);
    const done = await operationOf(operation.id);
    expect(done).toMatchObject({ status: 'partial', keyVersion: 2 });
    expect(done.counts).toEqual({ total: 3, pending: 0, sent: 1, confirmed: 1, failed: 1 });
    expect(operationView(done).confirmation).toEqual({ confirmable: 2, confirmed: 1, percent: 50 }); // resends add none
    const states = Object.fromEntries((await deliveriesOf(operation.id)).map((d) => [d.clientName, d]));
    expect(states['conf-silent']).toMatchObject({
      state: 'failed',
      attempts: MAX_SENDS,
      lastError: `no receipt after ${MAX_SENDS} sends`,
    });
    expect(states['conf-ok']).toMatchObject({ state: 'confirmed', attempts: 1 });
    expect(states['conf-e4go']).toMatchObject({ state: 'sent', attempts: 1 });
    await silent!.commandsApplied(1 + MAX_SENDS); // the link, then the same key three times
    expect(confirms!.commands).toHaveLength(2);
  });
});

describe('the watch over an operation', () => {
  it('queues an operation again when its message was lost, and ends with it', async () => {
    // Prepare: the C2 on a queue of the test's own, whose time the watch's delay moves on (no real device: their
    // clocks would not move with it).
    const own = new StepQueue();
    const timed: C2Deps = { ...deps, queue: own, clock: () => Date.now() + own.elapsed };
    await topicWith('ops/watch', [], 3);
    const { operation } = await rotateTopicKey(timed, caller, 'ops/watch');

    // Act: the operation's message lost (a worker that died past its retries); then what the queue hands over
    const lost = own.take();
    const handed: string[] = [];
    while (own.messages.length > 0) handed.push(`${(await own.step(timed)).type}@${own.elapsed / 1000}s`);

    // Assess: the watch, 5 minutes later, found it untouched and queued it; it finished; the next watch ended there
    expect(lost).toEqual({ type: 'operation', tenantId: caller.tenantId, operationId: operation.id });
    expect(handed.slice(0, 3)).toEqual(['watch@300s', 'operation@300s', 'confirmation@330s']);
    expect(handed.slice(3)).toEqual(['watch@600s']);
    const done = await operationOf(operation.id);
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2 });
    expect(done.counts).toMatchObject({ total: 3, sent: 3 });
  });
});

describe('retry', () => {
  it('sends the same key again to the devices that did not get it, and only the latest operation of a topic', async () => {
    // Prepare: a client whose stored key does not open (tampered), so its command fails.
    const [good, bad] = await Promise.all(['retry-good', 'retry-bad'].map(device));
    await topicWith('ops/retry', [good!, bad!]);
    const record = (await deps.store.getClient(caller.tenantId, 'retry-bad'))!;
    const tampered = record.wrappedKey.map((b, i) => (i === record.wrappedKey.length - 1 ? b ^ 1 : b));
    const rekey = (wrappedKey: Uint8Array, expectedVersion: number) =>
      deps.store.updateClientKey(caller.tenantId, 'retry-bad', {
        wrappedKey,
        keyVersion: expectedVersion,
        expectedVersion,
        updatedAt: record.updatedAt,
      });
    await rekey(tampered, 1);
    const { operation } = await rotateTopicKey(deps, caller, 'ops/retry');
    const early = await codeOfAsync(() => retryOperation(deps, caller, operation.id));
    await queue.drain(deps);
    const partial = await operationOf(operation.id);
    await rekey(record.wrappedKey, 1); // repaired

    // Act
    const retried = await retryOperation(deps, caller, operation.id);
    const twice = await codeOfAsync(() => retryOperation(deps, caller, operation.id));
    await queue.drain(deps);

    // Assess
    expect(early).toBe(C2ErrorCode.ConcurrentUpdate); // still pending
    expect(partial).toMatchObject({ status: 'partial', counts: { total: 2, sent: 1, failed: 1, pending: 0 } });
    expect(retried).toMatchObject({ status: 'running', counts: { total: 2, pending: 2, sent: 0, failed: 0 } });
    expect(retried.finishedAt).toBeUndefined();
    expect(twice).toBe(C2ErrorCode.ConcurrentUpdate); // running
    const done = await operationOf(operation.id);
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2, counts: { total: 2, sent: 2, failed: 0 } });
    expect(done.error).toBeUndefined();
    await bad!.commandsApplied(2);
    await good!.commandsApplied(3); // the same key again
    await exchange(bad!, good!, 'ops/retry', 'repaired');
    const deliveries = await deliveriesOf(operation.id);
    expect(deliveries.map((d) => d.attempts)).toEqual([2, 2]);

    // A later rotation: the first can no longer be retried.
    await rotateTopicKey(deps, caller, 'ops/retry');
    await queue.drain(deps);
    expect(await codeOfAsync(() => retryOperation(deps, caller, operation.id))).toBe(C2ErrorCode.ConcurrentUpdate);
    expect(await codeOfAsync(() => retryOperation(deps, caller, '01ARZ3NDEKTSV4RRFFQ69G5FAV'))).toBe(
      C2ErrorCode.NotFound,
    );
  });
});

describe('a revocation is an operation', () => {
  it('re-keys the topic for the others, then tells the leaving device and deletes the link', async () => {
    // Prepare
    const [stays, leaves] = await Promise.all(['rev-stays', 'rev-leaves'].map(device));
    const watcher = await device('rev-watcher');
    await topicWith('ops/rev', [stays!, leaves!, watcher!]);

    // Act
    const started = await unlinkClient(deps, caller, { topic: 'ops/rev', client: 'rev-leaves' });
    expect(started).toMatchObject({ rekeyed: true, operation: { kind: 'link.delete', status: 'pending' } });
    expect(await deps.store.getLink(caller.tenantId, 'ops/rev', 'rev-leaves')).toBeDefined();
    await queue.drain(deps);

    // Assess
    const done = await operationOf(started.operation!.id);
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2 });
    expect(done.target).toEqual({
      type: 'link',
      name: 'ops/rev rev-leaves',
      link: { topic: 'ops/rev', client: 'rev-leaves' },
    });
    expect(done.counts).toEqual({ total: 2, pending: 0, sent: 2, confirmed: 0, failed: 0 });
    expect(await deps.store.getLink(caller.tenantId, 'ops/rev', 'rev-leaves')).toBeUndefined();
    await Promise.all([stays!, watcher!].map((d) => d.commandsApplied(3)));
    await leaves!.commandsApplied(2);
    expect(leaves!.commands).toEqual(['SetTopicKey', 'RemoveTopic']);
    expect(stays!.commands).toEqual(['SetTopicKey', 'SetTopicKey', 'SetTopicKey']);
    await exchange(stays!, watcher!, 'ops/rev', 'without the one who left');
    expect(leaves!.client.hasTopicKey('ops/rev')).toBe(false);
  });

  it('cut short before the link is deleted, it goes on when its message comes again: no second key', async () => {
    // Prepare: a store whose deleteLink fails once (a crash there cannot be caused otherwise: fault injected).
    const [a, b, leaver] = await Promise.all(['cut-1', 'cut-2', 'cut-leaver'].map(device));
    await topicWith('ops/cut-link', [a!, b!, leaver!]);
    let crashes = 1;
    const crashing: C2Deps = {
      ...deps,
      store: {
        ...deps.store,
        deleteLink: async (...args) => {
          if (crashes-- > 0) throw new Error('crash');
          return deps.store.deleteLink(...args);
        },
      },
    };
    const { operation } = await unlinkClient(crashing, caller, { topic: 'ops/cut-link', client: 'cut-leaver' });
    const message = queue.take();

    // Act
    const first = await handleWork(crashing, message).then(
      () => 'ok',
      (error: Error) => error.message,
    );
    const linkedAfterCrash = await deps.store.getLink(caller.tenantId, 'ops/cut-link', 'cut-leaver');
    await handleWork(crashing, message);

    // Assess
    expect(first).toBe('crash');
    expect(linkedAfterCrash).toBeDefined();
    const done = await operationOf(operation!.id);
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2, counts: { total: 2, sent: 2 } });
    expect((await deps.store.getTopic(caller.tenantId, 'ops/cut-link'))!.keyVersion).toBe(2);
    expect(await deps.store.getLink(caller.tenantId, 'ops/cut-link', 'cut-leaver')).toBeUndefined();
    await Promise.all([a!, b!].map((d) => d.commandsApplied(3)));
    await leaver!.commandsApplied(3); // SetTopicKey (link), RemoveTopic twice
    expect(leaver!.commands).toEqual(['SetTopicKey', 'RemoveTopic', 'RemoveTopic']);
  });
});
