/**
 * The `key.age` event in local mode with a fake clock (dynalite, LocalScheduler, the worker): a policy with it gets
 * an hourly check of its own (`<policy id>.age`), which rotates each target whose key reached the age once, and the
 * same check repeated (an hour later, or delivered twice) rotates nothing more; younger keys are left alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageCheckName } from '../../../shared/c2/policies/ageCheckSchedule.js';
import { createPolicy } from '../../../shared/c2/policies/createPolicy.js';
import { deletePolicy } from '../../../shared/c2/policies/deletePolicy.js';
import { handleScheduledRun } from '../../../shared/c2/policies/handleScheduledRun.js';
import { listPolicyRuns } from '../../../shared/c2/policies/listPolicyRuns.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const caller = callerOf('tenant-age', 'operator');
const clock = { now: Date.now() - 10 * DAY };
let c2: LocalC2;

beforeAll(async () => {
  c2 = await startLocalC2({ clock: () => clock.now });
});
afterAll(async () => {
  await c2?.close();
});

const keyVersion = async (topic: string) => (await c2.deps.store.getTopic(caller.tenantId, topic))?.keyVersion;

describe('key.age in local mode', () => {
  it('rotates each topic whose key reached the age once, however often the check runs', async () => {
    // Prepare
    await createTopic(c2.deps, caller, { topic: 'age/old' });
    const policy = await createPolicy(c2.deps, caller, {
      name: 'keys older than 2 days',
      target: { topicPrefix: 'age/' },
      action: 'rotate-topic-key',
      events: [{ type: 'key.age', days: 2 }],
      enabled: true,
    });
    const check = await c2.scheduler.getSchedule(caller.tenantId, ageCheckName(policy.id));
    clock.now += DAY;
    await createTopic(c2.deps, caller, { topic: 'age/young' });
    clock.now += 1.5 * DAY;
    const input = { tenantId: caller.tenantId, policyId: policy.id, check: 'key.age' };

    // Act
    const first = await handleScheduledRun(c2.deps, {
      ...input,
      scheduledTime: new Date(clock.now).toISOString(),
    });
    const twice = await handleScheduledRun(c2.deps, {
      ...input,
      scheduledTime: new Date(clock.now).toISOString(),
    });
    if (first.status !== 'checked') throw new Error(`not checked: ${JSON.stringify(first)}`);
    await operationFinished(c2.deps, { tenantId: caller.tenantId, id: first.operationIds[0]! });
    clock.now += HOUR;
    const later = await handleScheduledRun(c2.deps, {
      ...input,
      scheduledTime: new Date(clock.now).toISOString(),
    });

    // Assess
    expect(check).toMatchObject({ expression: 'rate(1 hour)', payload: { policyId: policy.id, check: 'key.age' } });
    expect(first.runIds).toHaveLength(1);
    // The check repeated finds the first's run, or (the worker quicker) a key already young: never a second run.
    const empty = { status: 'checked', runIds: [], operationIds: [] };
    expect([first, empty]).toContainEqual(twice);
    expect(later).toEqual({ status: 'checked', runIds: [], operationIds: [] });
    const runs = await listPolicyRuns(c2.deps, caller, policy.id, { limit: 10 });
    expect(runs.items.map((run) => [run.reason, run.event, run.outcome])).toEqual([
      ['event', { type: 'key.age', topic: 'age/old' }, 'started'],
    ]);
    expect(await keyVersion('age/old')).toBe(2);
    expect(await keyVersion('age/young')).toBe(1);

    await deletePolicy(c2.deps, caller, policy.id);
    expect(await c2.scheduler.getSchedule(caller.tenantId, ageCheckName(policy.id))).toBeUndefined();
  });
});
