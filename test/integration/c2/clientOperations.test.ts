/**
 * A client's deletion and reset as operations, with real devices on a local C2 (dynalite, aedes): the client taken
 * off each of its topics by a child revocation (the remaining devices end on the topic's new key), then reset, then
 * (deletion) its record gone; the parent and its children visible. The worker is the local C2's own, except in the
 * last tests, where a StepQueue hands messages over by hand (twice each, or after a crash between two steps).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptForwarder } from '../../../local/forwardReceipts.js';
import { MqttReceiptSubscriber } from '../../../shared/adapters/local/MqttReceiptSubscriber.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { deleteClient, resetClient } from '../../../shared/c2/clients/deleteClient.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { handleWork } from '../../../shared/c2/operations/handleWork.js';
import { listOperations } from '../../../shared/c2/operations/readOperations.js';
import { eachPage } from '../../../shared/c2/pages.js';
import type { OperationRecord } from '../../../shared/c2/ports/OperationStore.js';
import type { WorkMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { bytesToHex, E4Client, hashTopic, MemoryStateStore, toBase64, utf8 } from '../../../shared/e4/node/index.js';
import { callerOf } from '../../support/callerOf.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';
import { StepQueue } from '../../support/stepQueue.js';
import { enrolDevice, exchange, type TestDevice } from '../../support/testDevice.js';

const caller = callerOf('tenant-clientops', 'operator');
let c2: LocalC2;
const devices: TestDevice[] = [];
let n = 0;

beforeAll(async () => {
  c2 = await startLocalC2();
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.end()));
  await c2?.close();
});

async function device(label: string, mode: 'symmetric' | 'pubkey' = 'symmetric'): Promise<TestDevice> {
  const made = await enrolDevice(c2.deps, caller, c2.mqttUrl, `${label}-${n++}`, mode);
  devices.push(made);
  return made;
}

/** A fresh topic with the devices on it, each holding its key. */
async function topicWith(deps: C2Deps, label: string, members: TestDevice[]): Promise<string> {
  const topic = `clientops/${label}/${n++}`;
  await createTopic(deps, caller, { topic });
  for (const member of members) {
    const before = member.commands.length;
    await linkClient(deps, caller, { topic, client: member.name });
    await member.mqtt.subscribe(topic);
    await member.commandsApplied(before + 1);
  }
  return topic;
}

/** Three topics, "leaving" on each with two other devices (one of them, "everywhere", on all three). */
async function threeTopics(deps: C2Deps, label: string) {
  const [leaving, everywhere, a, b, c] = await Promise.all(
    ['leaving', 'everywhere', 'a', 'b', 'c'].map((role) => device(`${label}-${role}`)),
  );
  const others = [a!, b!, c!];
  const topics: string[] = [];
  for (const other of others) topics.push(await topicWith(deps, label, [leaving!, everywhere!, other]));
  return { leaving: leaving!, everywhere: everywhere!, others, topics };
}

async function topicKeyOf(topic: string): Promise<Uint8Array> {
  const record = (await c2.deps.store.getTopic(caller.tenantId, topic))!;
  return c2.deps.vault.unwrap(record.wrappedKey, {
    tenantId: caller.tenantId,
    kind: 'topic',
    name: topic,
    version: record.keyVersion,
  });
}

/** Whether the device's saved state holds the key as its current key of a topic (e4go's state document). */
function holdsCurrentKey(member: TestDevice, key: Uint8Array): boolean {
  const { TopicKeys } = JSON.parse(new TextDecoder().decode(member.client.exportState())) as {
    TopicKeys: Record<string, string>;
  };
  return Object.values(TopicKeys).includes(toBase64(key));
}

async function childrenOf(deps: C2Deps, parent: OperationRecord) {
  const children = [];
  for await (const page of eachPage((request) => listOperations(deps, caller, { parentId: parent.id }, request))) {
    children.push(...page);
  }
  return children;
}

/** Every remaining device holds the topic's current key (the one the C2 holds), and they still talk. */
async function remainingOnNewKeys(topics: string[], members: TestDevice[][]): Promise<void> {
  for (const [i, topic] of topics.entries()) {
    const key = await topicKeyOf(topic);
    for (const member of members[i]!) expect(holdsCurrentKey(member, key)).toBe(true);
    await exchange(members[i]![0]!, members[i]![1]!, topic, `after ${n++}`);
  }
}

describe('deleting a client (operation)', () => {
  it('re-keys each of its 3 topics for the others by a child operation, resets the device and deletes it', async () => {
    // Prepare
    const { leaving, everywhere, others, topics } = await threeTopics(c2.deps, 'delete');
    const hostile = await E4Client.load({ store: new MemoryStateStore(leaving.client.exportState()) });

    // Act
    const started = await deleteClient(c2.deps, caller, { name: leaving.name });
    const done = await operationFinished(c2.deps, started.operation);
    // Their keys (one per link), then two per topic left (a throw-away key, the new one).
    await Promise.all([everywhere, ...others].map((d, i) => d.commandsApplied(i === 0 ? 9 : 3)));

    // Assess: the parent, its three children, the client gone
    expect(started).toMatchObject({ client: leaving.name, rekeyed: true, created: true });
    expect(started.operation).toMatchObject({ kind: 'client.delete', status: 'pending', options: { rekey: true } });
    expect(done).toMatchObject({ status: 'succeeded', counts: { total: 1, pending: 0, failed: 0 } });
    const children = await childrenOf(c2.deps, done);
    expect(children).toHaveLength(3);
    expect(children.map((child) => child.target.name).sort()).toEqual(topics.map((t) => `${t} ${leaving.name}`).sort());
    for (const child of children) {
      expect(child).toMatchObject({ kind: 'link.delete', status: 'succeeded', parentId: done.id, keyVersion: 2 });
    }
    expect(await c2.deps.store.getClient(caller.tenantId, leaving.name)).toBeUndefined();
    expect(await c2.deps.store.countTopicsOfClient(caller.tenantId, leaving.name)).toBe(0);
    await leaving.commandsApplied(3 + 3 + 1); // its links, RemoveTopic per topic, ResetTopics
    expect(leaving.commands.at(-1)).toBe('ResetTopics');
    expect(leaving.client.topicCount).toBe(0);
    await remainingOnNewKeys(
      topics,
      others.map((other) => [everywhere, other]),
    );
    // The deleted device (and a copy of its state from before) cannot read what follows.
    for (const topic of topics) {
      const errorsBefore = leaving.errors.length;
      const frame = everywhere.client.protectMessage(utf8('secret'), topic);
      expect(() => hostile.unprotect(frame, topic)).toThrow();
      await everywhere.mqtt.mqtt.publishAsync(topic, Buffer.from(frame), { qos: 1 });
      expect(await leaving.outcome(topic, 'secret', errorsBefore)).not.toBe('read');
    }
  });

  it('without re-key takes the links off at once: no children, key versions unchanged, the record gone', async () => {
    // Prepare
    const { leaving, everywhere, others, topics } = await threeTopics(c2.deps, 'norekey');

    // Act
    const started = await deleteClient(c2.deps, caller, { name: leaving.name, rekey: false });
    const done = await operationFinished(c2.deps, started.operation);
    await leaving.commandsApplied(3 + 1);

    // Assess
    expect(done).toMatchObject({ status: 'succeeded', options: { rekey: false }, counts: { total: 1 } });
    expect(await childrenOf(c2.deps, done)).toEqual([]);
    expect(leaving.commands.slice(3)).toEqual(['ResetTopics']);
    for (const topic of topics) expect((await c2.deps.store.getTopic(caller.tenantId, topic))?.keyVersion).toBe(1);
    expect(await c2.deps.store.getClient(caller.tenantId, leaving.name)).toBeUndefined();
    await exchange(everywhere, others[0]!, topics[0]!, 'unchanged key');
  });

  it('ends partial when a child did not reach every remaining device; the client is deleted all the same', async () => {
    // Prepare: on one of the topics, a remaining client whose stored key does not open (a tampered record).
    const { leaving, others } = await threeTopics(c2.deps, 'partial');
    const tampered = others[1]!.name;
    const record = (await c2.deps.store.getClient(caller.tenantId, tampered))!;
    await c2.deps.store.updateClientKey(caller.tenantId, tampered, {
      wrappedKey: record.wrappedKey.map((b, i) => (i === record.wrappedKey.length - 1 ? b ^ 1 : b)),
      keyVersion: 1,
      expectedVersion: 1,
      updatedAt: record.updatedAt,
    });

    // Act
    const started = await deleteClient(c2.deps, caller, { name: leaving.name });
    const done = await operationFinished(c2.deps, started.operation);

    // Assess
    expect(done).toMatchObject({ status: 'partial', error: { code: 'INCOMPLETE' }, counts: { sent: 1 } });
    expect(done.error?.message).toContain(`1 of 3 topics`);
    const children = await childrenOf(c2.deps, done);
    expect(children.map((child) => child.status).sort()).toEqual(['partial', 'succeeded', 'succeeded']);
    expect(await c2.deps.store.getClient(caller.tenantId, leaving.name)).toBeUndefined();
  });

  it('answers NOT_FOUND for an unknown client, recording no operation', async () => {
    // Act
    const code = await codeOfAsync(() => deleteClient(c2.deps, caller, { name: 'nobody' }));
    const reset = await codeOfAsync(() => resetClient(c2.deps, caller, { name: 'nobody' }));

    // Assess
    expect([code, reset]).toEqual([C2ErrorCode.NotFound, C2ErrorCode.NotFound]);
    const listed = await c2.deps.operations.listOperations(
      caller.tenantId,
      { target: { type: 'client', name: 'nobody' } },
      { limit: 10 },
    );
    expect(listed.items).toEqual([]);
  });

  it('with the same idempotency key, answers with the same operation', async () => {
    const member = await device('idem');
    const first = await deleteClient(c2.deps, caller, { name: member.name }, { idempotencyKey: `idem-${n}` });
    const again = await deleteClient(c2.deps, caller, { name: member.name }, { idempotencyKey: `idem-${n}` });
    expect(again).toMatchObject({ created: false, operation: { id: first.operation.id } });
    expect(await operationFinished(c2.deps, first.operation)).toMatchObject({ status: 'succeeded' });
  });
});

describe('resetting a client (operation)', () => {
  it('takes it off every topic (re-keyed for the others) and keeps it enrolled; its device confirms the reset', async () => {
    // Prepare
    const { leaving, everywhere, others, topics } = await threeTopics(c2.deps, 'reset');
    // The C2 hears receipts (local mode's path with a broker of its own).
    const forward = receiptForwarder(c2.deps.queue, caller.tenantId);
    const receipts = await MqttReceiptSubscriber.connect(c2.mqttUrl, forward, { mqtt: { clientId: `c2-${n++}` } });

    // Act
    const started = await resetClient(c2.deps, caller, { name: leaving.name });
    const done = await operationFinished(c2.deps, started.operation);
    await leaving.commandsApplied(3 + 3 + 1);

    // Assess
    expect(done).toMatchObject({ kind: 'client.reset', status: 'succeeded' });
    expect((await childrenOf(c2.deps, done)).map((child) => child.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(await c2.deps.store.getClient(caller.tenantId, leaving.name)).toBeDefined();
    expect(await c2.deps.store.countTopicsOfClient(caller.tenantId, leaving.name)).toBe(0);
    expect(leaving.commands.at(-1)).toBe('ResetTopics');
    await remainingOnNewKeys(
      topics,
      others.map((other) => [everywhere, other]),
    );
    // Its receipt confirms the delivery of the reset (the client is still there to sign it).
    const counts = async () => (await c2.deps.operations.getOperation(caller.tenantId, done.id))?.counts;
    await expect.poll(counts, { timeout: 10_000 }).toEqual({ total: 1, pending: 0, sent: 0, confirmed: 1, failed: 0 });
    await receipts.close();
  });
});

describe('a deletion handed over by hand (StepQueue)', () => {
  /** Hands every message over until none is left; each message the first time it is seen, twice (a redelivery). */
  async function drainTwice(deps: C2Deps, queue: StepQueue): Promise<void> {
    const seen = new Set<string>();
    for (let handled = 0; queue.messages.length > 0; handled++) {
      if (handled > 500) throw new Error('the queue does not empty');
      const message: WorkMessage = queue.take();
      await handleWork(deps, message);
      const key = JSON.stringify(message);
      if (!seen.has(key)) {
        seen.add(key);
        await handleWork(deps, message);
      }
    }
  }

  it('every message handled twice: no duplicate child, the same outcome', async () => {
    // Prepare
    const queue = new StepQueue();
    const deps = { ...c2.deps, queue };
    const { leaving, everywhere, others, topics } = await threeTopics(deps, 'twice');

    // Act
    const started = await deleteClient(deps, caller, { name: leaving.name });
    await drainTwice(deps, queue);

    // Assess
    const done = (await deps.operations.getOperation(caller.tenantId, started.operation.id))!;
    expect(done).toMatchObject({ status: 'succeeded' });
    const children = await childrenOf(deps, done);
    expect(children).toHaveLength(3);
    expect(children.every((child) => child.status === 'succeeded' && child.keyVersion === 2)).toBe(true);
    expect(await deps.store.getClient(caller.tenantId, leaving.name)).toBeUndefined();
    await Promise.all([everywhere, ...others].map((d, i) => d.commandsApplied(i === 0 ? 9 : 3)));
    await remainingOnNewKeys(
      topics,
      others.map((other) => [everywhere, other]),
    );
  });

  it('a child it cannot start (its idempotency key taken by another request) fails it, with the error', async () => {
    // Prepare: an API request that chose the idempotency key of the deletion's child for one of its topics.
    const queue = new StepQueue();
    const deps = { ...c2.deps, queue };
    const leaving = await device('claimed-leaving');
    const topic = await topicWith(deps, 'claimed', [leaving]);
    const started = await deleteClient(deps, caller, { name: leaving.name });
    const childKey = `${started.operation.id}.1.${bytesToHex(hashTopic(topic))}`;
    await rotateTopicKey(deps, caller, topic, { idempotencyKey: childKey });

    // Act
    await queue.drain(deps);

    // Assess: failed, saying why; the client still enrolled and on the topic.
    const done = (await deps.operations.getOperation(caller.tenantId, started.operation.id))!;
    expect(done).toMatchObject({ status: 'failed', error: { code: C2ErrorCode.InvalidInput } });
    expect(done.error?.message).toMatch(/link\.delete .*idempotency key was used for another change/);
    expect(await deps.store.getLink(caller.tenantId, topic, leaving.name)).toBeDefined();
  });

  it('a link made while it waits for its children is taken off too, in a second round', async () => {
    // Prepare: the children started; then "leaving" is put on a fourth topic.
    const queue = new StepQueue();
    const deps = { ...c2.deps, queue };
    const { leaving, everywhere } = await threeTopics(deps, 'meanwhile');
    const started = await deleteClient(deps, caller, { name: leaving.name });
    await queue.step(deps);
    expect((await deps.operations.getOperation(caller.tenantId, started.operation.id))?.cursor).toBe('wait:1');
    const late = await topicWith(deps, 'meanwhile-late', [leaving, everywhere]);

    // Act
    await queue.drain(deps);

    // Assess
    const done = (await deps.operations.getOperation(caller.tenantId, started.operation.id))!;
    expect(done).toMatchObject({ status: 'succeeded', cursor: 'done:2' });
    const children = await childrenOf(deps, done);
    expect(children).toHaveLength(4);
    expect(children[0]).toMatchObject({
      target: { name: `${late} ${leaving.name}` },
      status: 'succeeded',
      keyVersion: 2,
    });
    expect(await deps.store.getClient(caller.tenantId, leaving.name)).toBeUndefined();
    await everywhere.commandsApplied(4 + 3 * 2 + 2); // its four keys, then two for each of the four revocations
    expect(holdsCurrentKey(everywhere, await topicKeyOf(late))).toBe(true);
  });

  it('a reset takes off a link made while its ResetTopics went out (the device has just wiped that key)', async () => {
    // Prepare: a device on one topic; as its ResetTopics goes out, it is linked to another topic.
    const queue = new StepQueue();
    const member = await device('reset-late');
    const partner = await device('reset-partner');
    let late: string | undefined;
    let started: { operation: OperationRecord } | undefined;
    const deps: C2Deps = {
      ...c2.deps,
      queue,
      publisher: {
        publish: async (commands) => {
          const outcome = await c2.deps.publisher.publish(commands);
          const parent = started && (await c2.deps.operations.getOperation(caller.tenantId, started.operation.id));
          if (late === undefined && parent?.cursor?.startsWith('reset')) {
            late = `clientops/reset-late/${n++}`;
            await createTopic(c2.deps, caller, { topic: late });
            for (const one of [member, partner]) await linkClient(c2.deps, caller, { topic: late, client: one.name });
          }
          return outcome;
        },
        close: () => c2.deps.publisher.close(),
      },
    };
    await topicWith(c2.deps, 'reset-first', [member, partner]);
    started = await resetClient(deps, caller, { name: member.name });

    // Act
    await queue.drain(deps);

    // Assess: a second round took the late link off; the client is still enrolled, on no topic
    const done = (await deps.operations.getOperation(caller.tenantId, started.operation.id))!;
    expect(late).toBeDefined();
    expect(done).toMatchObject({ status: 'succeeded', cursor: 'done:2' });
    const children = await childrenOf(deps, done);
    expect(children.map((child) => child.target.name)).toContain(`${late} ${member.name}`);
    expect(await deps.store.getClient(caller.tenantId, member.name)).toBeDefined();
    expect((await deps.store.listTopicsOfClient(caller.tenantId, member.name, { limit: 10 })).items).toEqual([]);
  });

  it('leaves alone a client enrolled again under the name after it was deleted', async () => {
    // Prepare: the deletion recorded; the client deleted meanwhile (another deletion) and enrolled again.
    const queue = new StepQueue();
    const deps = { ...c2.deps, queue };
    const member = await device('again');
    const started = await deleteClient(deps, caller, { name: member.name });
    await deps.store.deleteClient(caller.tenantId, member.name);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await createClient(deps, caller, { name: member.name, mode: 'symmetric', generateKey: true });

    // Act
    await queue.drain(deps);

    // Assess
    const done = (await deps.operations.getOperation(caller.tenantId, started.operation.id))!;
    expect(done.finishedAt).toBeDefined();
    expect(await deps.store.getClient(caller.tenantId, member.name)).toBeDefined();
  });

  it('a worker that crashed after starting the children, before recording it: the step done again starts none', async () => {
    // Prepare: the first step done (children started), then the parent put back where it stood before it
    const queue = new StepQueue();
    const deps = { ...c2.deps, queue };
    const { leaving, everywhere, others, topics } = await threeTopics(deps, 'crash');
    const started = await deleteClient(deps, caller, { name: leaving.name });
    await queue.step(deps, { budgetMs: 0 }); // pending -> running, then out of budget: queued again
    const running = (await deps.operations.getOperation(caller.tenantId, started.operation.id))!;
    expect(running).toMatchObject({ status: 'running', cursor: 'off:1' });
    await queue.step(deps); // the children started; waiting for them
    const waiting = (await deps.operations.getOperation(caller.tenantId, started.operation.id))!;
    expect(waiting.cursor).toBe('wait:1');
    // Its children queued, and itself again, 1 to 5 s later, to look at them.
    const again = queue.messages.filter(
      ({ message }) => message.type === 'operation' && message.operationId === waiting.id,
    );
    expect(again).toHaveLength(1);
    expect(again[0]!.delayMs).toBeGreaterThanOrEqual(1_000);
    expect(again[0]!.delayMs).toBeLessThanOrEqual(5_000);
    await deps.operations.updateOperation(
      caller.tenantId,
      waiting.id,
      { cursor: 'off:1', updatedAt: waiting.updatedAt },
      waiting.revision,
    );

    // Act
    await queue.drain(deps);

    // Assess
    expect(await childrenOf(deps, started.operation)).toHaveLength(3);
    const done = (await deps.operations.getOperation(caller.tenantId, started.operation.id))!;
    expect(done.status).toBe('succeeded');
    await Promise.all([everywhere, ...others].map((d, i) => d.commandsApplied(i === 0 ? 9 : 3)));
    await remainingOnNewKeys(
      topics,
      others.map((other) => [everywhere, other]),
    );
  });
});
