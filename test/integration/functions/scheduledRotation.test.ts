/**
 * The scheduled-rotation handler over the local adapters (dynalite, aedes) with a real device: a schedule's input
 * `{ tenantId, policyId, scheduledTime }` runs the policy, whose rotation reaches the device; the same scheduled time
 * delivered twice rotates once; anything else is skipped, never thrown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { createPolicy } from '../../../shared/c2/policies/createPolicy.js';
import { handleScheduledRun } from '../../../shared/c2/policies/handleScheduledRun.js';
import { patchPolicy } from '../../../shared/c2/policies/patchPolicy.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';
import { enrolDevice, type TestDevice } from '../../support/testDevice.js';

const caller = callerOf('tenant-fn', 'operator');
let c2: LocalC2;
let device: TestDevice;
let policyId: string;

beforeAll(async () => {
  c2 = await startLocalC2();
  device = await enrolDevice(c2.deps, caller, c2.mqttUrl, 'sensor-1');
  await createTopic(c2.deps, caller, { topic: 'fn/topic' });
  await linkClient(c2.deps, caller, { topic: 'fn/topic', client: 'sensor-1' });
  await device.commandsApplied(1);
  const policy = await createPolicy(c2.deps, caller, {
    name: 'nightly',
    target: { topic: 'fn/topic' },
    action: 'rotate-topic-key',
    schedule: { expression: 'cron(0 3 * * ? *)' },
    enabled: true,
  });
  policyId = policy.id;
});
afterAll(async () => {
  await device?.end();
  await c2?.close();
});

const ran = (outcome: Awaited<ReturnType<typeof handleScheduledRun>>) => {
  if (outcome.status !== 'ran') throw new Error(`expected a run, got ${JSON.stringify(outcome)}`);
  return outcome;
};

describe('handleScheduledRun', () => {
  it('runs the policy once per scheduled time, however often the Scheduler delivers it; the device follows', async () => {
    // Prepare
    const before = device.commands.length;
    const run = { tenantId: caller.tenantId, policyId, scheduledTime: '2027-01-04T03:00:00Z' };

    // Act
    const first = ran(await handleScheduledRun(c2.deps, run));
    const again = ran(await handleScheduledRun(c2.deps, run));
    const next = ran(await handleScheduledRun(c2.deps, { ...run, scheduledTime: '2027-01-05T03:00:00Z' }));

    // Assess
    expect(first).toMatchObject({ outcome: 'started', operationIds: [expect.any(String)] });
    expect(again).toEqual(first);
    expect(next.runId).not.toBe(first.runId);
    expect(next.operationIds[0]).not.toBe(first.operationIds[0]);
    for (const id of [...first.operationIds, ...next.operationIds]) {
      const done = await operationFinished(c2.deps, { tenantId: caller.tenantId, id });
      expect(done).toMatchObject({ kind: 'topic.rotate', status: 'succeeded', actor: 'scheduler' });
    }
    expect((await c2.deps.store.getTopic(caller.tenantId, 'fn/topic'))?.keyVersion).toBe(3);
    await device.commandsApplied(before + 2);
    const runs = await c2.deps.policies!.listRuns(caller.tenantId, policyId, { limit: 10 });
    expect(runs.items.map((one) => [one.reason, one.scheduledTime])).toEqual([
      ['schedule', '2027-01-05T03:00:00.000Z'],
      ['schedule', '2027-01-04T03:00:00.000Z'],
    ]);
  });

  it('records a run of a disabled policy as skipped, and rotates nothing', async () => {
    // Prepare
    await patchPolicy(c2.deps, caller, policyId, { enabled: false });

    // Act
    const outcome = ran(
      await handleScheduledRun(c2.deps, {
        tenantId: caller.tenantId,
        policyId,
        scheduledTime: '2027-01-06T03:00:00Z',
      }),
    );

    // Assess
    expect(outcome).toMatchObject({ outcome: 'skipped', operationIds: [] });
    expect((await c2.deps.store.getTopic(caller.tenantId, 'fn/topic'))?.keyVersion).toBe(3);
  });

  it('a run of a policy that is gone is skipped, and the worker deletes the schedule left behind', async () => {
    // Prepare: a schedule whose policy is not there (a deletion racing a change that put it again)
    const gone = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
    await c2.deps.scheduler!.putSchedule(caller.tenantId, {
      name: gone,
      expression: 'rate(1 day)',
      payload: { policyId: gone },
    });

    // Act
    const outcome = await handleScheduledRun(c2.deps, {
      tenantId: caller.tenantId,
      policyId: gone,
      scheduledTime: '2027-01-04T03:00:00Z',
    });

    // Assess
    expect(outcome.status).toBe('skipped');
    await expect.poll(() => c2.deps.scheduler!.getSchedule(caller.tenantId, gone), { timeout: 10_000 }).toBeUndefined();
  });

  it.each([
    ['no input', undefined],
    ['the old rotate-topic input', { tenantId: 'tenant-fn', action: 'rotate-topic', topic: 'fn/topic' }],
    ['no scheduled time', { tenantId: 'tenant-fn', policyId: 'x' }],
    ['a bad tenant', { tenantId: 'Bad Tenant', policyId: 'x', scheduledTime: '2026-12-04T03:00:00Z' }],
    ['a policy id that is no id', { tenantId: 'tenant-fn', policyId: 'gone', scheduledTime: '2026-12-04T03:00:00Z' }],
    ['a bad scheduled time', { tenantId: 'tenant-fn', policyId: 'x', scheduledTime: 'x' }],
  ])('skips %s (reported, not thrown)', async (_label, input) => {
    const outcome = await handleScheduledRun(c2.deps, input);
    expect(outcome.status).toBe('skipped');
  });
});
