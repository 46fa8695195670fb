/**
 * The policies' event triggers in local mode, end to end on the local adapters (dynalite, the link journal, the work
 * queue, aedes): links and unlinks committed in the store are counted per topic, and every `count` of them rotates
 * that topic once; the history lists each event run with its event and operation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { deleteClient } from '../../../shared/c2/clients/deleteClient.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { unlinkClient } from '../../../shared/c2/links/unlinkClient.js';
import { createPolicy } from '../../../shared/c2/policies/createPolicy.js';
import { listPolicyRuns } from '../../../shared/c2/policies/listPolicyRuns.js';
import { patchPolicy } from '../../../shared/c2/policies/patchPolicy.js';
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
