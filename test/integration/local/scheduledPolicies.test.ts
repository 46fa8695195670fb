/**
 * A policy's schedule in local mode, end to end on the local adapters (dynalite, aedes, a real device) with a fake
 * clock: a short rate rotates the topic at each period through LocalScheduler and the worker, the device follows,
 * and the policy's history lists each run with its operation; a disabled policy stops it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { createPolicy } from '../../../shared/c2/policies/createPolicy.js';
import { listPolicyRuns } from '../../../shared/c2/policies/listPolicyRuns.js';
import { patchPolicy } from '../../../shared/c2/policies/patchPolicy.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';
import { enrolDevice, type TestDevice } from '../../support/testDevice.js';

const MINUTE = 60_000;
const caller = callerOf('tenant-sched', 'operator');
/**
 * Frozen, and moved on by the test only; behind the real time by less than the devices' window for a command's age
 * (10 minutes; they take none from the future), so that its last rotation is still behind it. On a whole minute, the
 * anchor of a rate (a policy's creation rounded up to the minute).
 */
const clock = { now: Math.floor((Date.now() - 6 * MINUTE) / MINUTE) * MINUTE };
let c2: LocalC2;
let device: TestDevice;

beforeAll(async () => {
  c2 = await startLocalC2({ clock: () => clock.now });
  await c2.startScheduler();
  device = await enrolDevice(c2.deps, caller, c2.mqttUrl, 'sensor-1');
  await createTopic(c2.deps, caller, { topic: 'sched/topic' });
  await linkClient(c2.deps, caller, { topic: 'sched/topic', client: 'sensor-1' });
  await device.commandsApplied(1);
});
afterAll(async () => {
  await device?.end();
  await c2?.close();
});

/** Moves the fake clock on and waits for the runs that fell due (their operations are the worker's). */
async function advance(ms: number): Promise<void> {
  clock.now += ms;
  c2.scheduler.wake();
  await c2.scheduler.idle();
}

describe('a policy with a rate in local mode', () => {
  it('rotates its topic at each period; the device follows; the history lists each run with its operation', async () => {
    // Prepare
    const created = clock.now;
    const policy = await createPolicy(c2.deps, caller, {
      name: 'every minute',
      target: { topic: 'sched/topic' },
      action: 'rotate-topic-key',
      schedule: { expression: 'rate(1 minute)' },
      enabled: true,
    });
    const before = device.commands.length;

    // Act
    await advance(MINUTE / 2); // nothing due yet
    const none = await listPolicyRuns(c2.deps, caller, policy.id, { limit: 10 });
    for (let period = 0; period < 3; period++) await advance(MINUTE);

    // Assess
    expect(none.items).toEqual([]);
    const runs = await listPolicyRuns(c2.deps, caller, policy.id, { limit: 10 });
    expect(runs.items.map((run) => [run.reason, run.scheduledTime, run.outcome, run.operations.length])).toEqual(
      [3, 2, 1].map((minutes) => ['schedule', new Date(created + minutes * MINUTE).toISOString(), 'started', 1]),
    );
    for (const run of runs.items) {
      const done = await operationFinished(c2.deps, { tenantId: caller.tenantId, id: run.operations[0]!.id });
      expect(done).toMatchObject({ kind: 'topic.rotate', status: 'succeeded', actor: 'scheduler' });
    }
    expect((await c2.deps.store.getTopic(caller.tenantId, 'sched/topic'))?.keyVersion).toBe(4);
    await device.commandsApplied(before + 3);
  });

  it('stops rotating once the policy is disabled', async () => {
    // Prepare
    const [policy] = (await c2.deps.policies!.listPolicies(caller.tenantId, { limit: 1 })).items;
    await patchPolicy(c2.deps, caller, policy!.id, { enabled: false });
    const runsBefore = (await listPolicyRuns(c2.deps, caller, policy!.id, { limit: 100 })).items.length;

    // Act
    await advance(2 * MINUTE);

    // Assess
    expect((await listPolicyRuns(c2.deps, caller, policy!.id, { limit: 100 })).items).toHaveLength(runsBefore);
    expect((await c2.deps.store.getTopic(caller.tenantId, 'sched/topic'))?.keyVersion).toBe(4);
  });
});
