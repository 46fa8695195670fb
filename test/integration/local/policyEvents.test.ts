/**
 * The policies' event triggers in local mode, end to end on the local adapters (dynalite, the link journal, the work
 * queue, aedes): links and unlinks committed in the store are counted per topic, and every `count` of them rotates
 * that topic once; the history lists each event run with its event and operation. Removals (`client.removed`) are
 * fed to the worker's handler directly, with their times, and their due messages taken off the queue to be delivered
 * by the test (the local queue delays in real time).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { deleteClient } from '../../../shared/c2/clients/deleteClient.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { unlinkClient } from '../../../shared/c2/links/unlinkClient.js';
import { handleWork } from '../../../shared/c2/operations/handleWork.js';
import { createPolicy } from '../../../shared/c2/policies/createPolicy.js';
import { listPolicyRuns } from '../../../shared/c2/policies/listPolicyRuns.js';
import { patchPolicy } from '../../../shared/c2/policies/patchPolicy.js';
import type { LinkChangeMessage, RemovalDueMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { randomKey } from '../../../shared/e4/index.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';

const caller = callerOf('tenant-events', 'operator');
let c2: LocalC2;

beforeAll(async () => {
  c2 = await startLocalC2();
  for (let i = 0; i < 8; i++) {
    await createClient(c2.deps, caller, { name: `dev-${i}`, mode: 'symmetric', key: randomKey() });
  }
});
afterAll(async () => {
  await c2?.close();
});

const keyVersion = async (topic: string) => (await c2.deps.store.getTopic(caller.tenantId, topic))?.keyVersion;
const link = (topic: string, i: number) => linkClient(c2.deps, caller, { topic, client: `dev-${i}` });

describe('client.subscribed in local mode', () => {
  it('rotates a topic created after the policy once per `count` new links to it, each topic on its own', async () => {
    // Prepare
    const policy = await createPolicy(c2.deps, caller, {
      name: 'after 3 subscriptions',
      target: { topicPrefix: 'ev/' },
      action: 'rotate-topic-key',
      events: [{ type: 'client.subscribed', count: 3 }],
      enabled: true,
    });
    await createTopic(c2.deps, caller, { topic: 'ev/a' });
    await createTopic(c2.deps, caller, { topic: 'ev/b' });
    await createTopic(c2.deps, caller, { topic: 'other/c' });

    // Act
    for (const i of [0, 1, 2]) await link('ev/a', i);
    await link('ev/a', 0); // linked already: not a subscription
    for (const i of [0, 1]) await link('ev/b', i);
    for (const i of [0, 1, 2]) await link('other/c', i);
    await c2.settled();

    // Assess
    const runs = await listPolicyRuns(c2.deps, caller, policy.id, { limit: 10 });
    expect(runs.items).toHaveLength(1);
    const [run] = runs.items;
    expect(run).toMatchObject({
      reason: 'event',
      actor: 'events',
      outcome: 'started',
      event: { type: 'client.subscribed', topic: 'ev/a' },
      operations: [{ target: { type: 'topic', name: 'ev/a' } }],
    });
    const done = await operationFinished(c2.deps, { tenantId: caller.tenantId, id: run!.operations[0]!.id });
    expect(done).toMatchObject({ kind: 'topic.rotate', status: 'succeeded' });
    expect(await keyVersion('ev/a')).toBe(2);
    expect(await keyVersion('ev/b')).toBe(1);
    expect(await keyVersion('other/c')).toBe(1);
  });

  it('counts unsubscriptions, those of a deleted client’s links too, and nothing while the policy is off', async () => {
    // Prepare
    await createTopic(c2.deps, caller, { topic: 'un/a' });
    for (const i of [3, 4, 5, 6, 7]) await link('un/a', i);
    const policy = await createPolicy(c2.deps, caller, {
      name: 'after 2 unsubscriptions',
      target: { topic: 'un/a' },
      action: 'rotate-topic-key',
      events: [{ type: 'client.unsubscribed', count: 2 }],
      enabled: false,
    });
    await c2.settled();

    // Act
    await unlinkClient(c2.deps, caller, { topic: 'un/a', client: 'dev-3', rekey: false });
    await unlinkClient(c2.deps, caller, { topic: 'un/a', client: 'dev-4', rekey: false });
    await c2.settled();
    const whileOff = await listPolicyRuns(c2.deps, caller, policy.id, { limit: 10 });
    await patchPolicy(c2.deps, caller, policy.id, { enabled: true });
    await unlinkClient(c2.deps, caller, { topic: 'un/a', client: 'dev-5', rekey: false });
    const deletion = await deleteClient(c2.deps, caller, { name: 'dev-7', rekey: false });
    await operationFinished(c2.deps, { tenantId: caller.tenantId, id: deletion.operation.id });
    await c2.settled();

    // Assess
    expect(whileOff.items).toEqual([]);
    const runs = await listPolicyRuns(c2.deps, caller, policy.id, { limit: 10 });
    expect(runs.items.map((run) => [run.reason, run.event, run.outcome])).toEqual([
      ['event', { type: 'client.unsubscribed', topic: 'un/a' }, 'started'],
    ]);
    expect(await keyVersion('un/a')).toBe(2);
  });
});

describe('client.removed in local mode', () => {
  const MINUTE = 60_000;
  /** A tap on the work queue: the removalDue messages (with their delays) kept for the test to deliver. */
  function tapped() {
    const due: { message: RemovalDueMessage; delayMs: number }[] = [];
    const deps: C2Deps = {
      ...c2.deps,
      queue: {
        enqueue: async (messages, options) => {
          for (const message of messages) {
            if (message.type === 'removalDue') due.push({ message, delayMs: options?.delayMs ?? 0 });
          }
          const others = messages.filter((message) => message.type !== 'removalDue');
          if (others.length > 0) await c2.deps.queue.enqueue(others, options);
        },
      },
    };
    return { deps, due };
  }
  const removal = (topic: string, client: string, at: number): LinkChangeMessage => ({
    type: 'linkChange',
    tenantId: caller.tenantId,
    id: `entry-${client}-${at}`,
    change: 'deleted',
    topic,
    client,
    linkCreatedAt: new Date(at - MINUTE).toISOString(),
    at: new Date(at).toISOString(),
  });

  it('makes one run of the removals within the batch window, once its window and delay are over', async () => {
    // Prepare
    const { deps, due } = tapped();
    await createTopic(c2.deps, caller, { topic: 'rm/a' });
    const policy = await createPolicy(c2.deps, caller, {
      name: 'a minute after removals, 5 minutes batched',
      target: { topic: 'rm/a' },
      action: 'rotate-topic-key',
      events: [{ type: 'client.removed', batchMinutes: 5, delayMinutes: 1 }],
      enabled: true,
    });
    const start = Date.now() - 20 * MINUTE;
    const removals = [0, 1, 4].map((minutes, i) => removal('rm/a', `dev-${i}`, start + minutes * MINUTE));

    // Act
    for (const message of [...removals, removals[0]!]) await handleWork(deps, message);
    const queued = [...due];
    for (const { message } of queued) await handleWork(deps, message);
    for (const { message } of queued) await handleWork(deps, message); // delivered again
    await c2.settled();

    // Assess
    expect(queued.map(({ message }) => [message.window, message.dueAt])).toEqual([[start, start + 6 * MINUTE]]);
    const runs = await listPolicyRuns(c2.deps, caller, policy.id, { limit: 10 });
    expect(runs.items.map((run) => [run.reason, run.event, run.at, run.outcome])).toEqual([
      ['event', { type: 'client.removed', topic: 'rm/a' }, new Date(start + 6 * MINUTE).toISOString(), 'started'],
    ]);
    expect(await keyVersion('rm/a')).toBe(2);
  });

  it('queues a window not yet due again, and runs at once without delay or batch', async () => {
    // Prepare
    const { deps, due } = tapped();
    await createTopic(c2.deps, caller, { topic: 'rm/b' });
    await createTopic(c2.deps, caller, { topic: 'rm/c' });
    const later = await createPolicy(c2.deps, caller, {
      name: 'an hour after a removal',
      target: { topic: 'rm/b' },
      action: 'rotate-topic-key',
      events: [{ type: 'client.removed', delayMinutes: 60 }],
      enabled: true,
    });
    const now = await createPolicy(c2.deps, caller, {
      name: 'at each removal',
      target: { topic: 'rm/c' },
      action: 'rotate-topic-key',
      events: [{ type: 'client.removed' }],
      enabled: true,
    });
    const at = Date.now();

    // Act
    await handleWork(deps, removal('rm/b', 'dev-1', at));
    const [first] = due.splice(0);
    await handleWork(deps, first!.message);
    for (const client of ['dev-1', 'dev-2', 'dev-1']) await handleWork(deps, removal('rm/c', client, at));
    await c2.settled();

    // Assess
    expect(first!.delayMs).toBeLessThanOrEqual(15 * MINUTE);
    expect(first!.delayMs).toBeGreaterThan(14 * MINUTE);
    expect(due.map(({ message }) => message)).toEqual([first!.message]);
    expect((await listPolicyRuns(c2.deps, caller, later.id, { limit: 10 })).items).toEqual([]);
    const runs = await listPolicyRuns(c2.deps, caller, now.id, { limit: 10 });
    expect(runs.items.map((run) => [run.event, run.outcome])).toEqual([
      [{ type: 'client.removed', topic: 'rm/c' }, 'started'],
      [{ type: 'client.removed', topic: 'rm/c' }, 'started'],
    ]);
  });

  it('counts nothing of a topic deleted since (its deletion takes its links)', async () => {
    // Prepare
    const policy = await createPolicy(c2.deps, caller, {
      name: 'removals of gone topics',
      target: { topicPrefix: 'gone/' },
      action: 'rotate-topic-key',
      events: [{ type: 'client.removed' }, { type: 'client.unsubscribed', count: 1 }],
      enabled: true,
    });

    // Act
    await handleWork(c2.deps, removal('gone/x', 'dev-1', Date.now()));

    // Assess
    expect((await listPolicyRuns(c2.deps, caller, policy.id, { limit: 10 })).items).toEqual([]);
  });
});
