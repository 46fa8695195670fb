/**
 * The scheduled-rotation handler over the local adapters with a real device: a scheduled rotation reaches it;
 * anything else is skipped, never thrown. (The lifecycle handler: test/integration/aws/lifecycleHandler.moto.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleScheduledRotation } from '../../../functions/rotation/handleScheduledRotation.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';
import { enrolDevice, type TestDevice } from '../../support/testDevice.js';

const caller = callerOf('tenant-fn', 'operator');
let c2: LocalC2;
let device: TestDevice;

beforeAll(async () => {
  c2 = await startLocalC2();
  device = await enrolDevice(c2.deps, caller, c2.mqttUrl, 'sensor-1');
  await createTopic(c2.deps, caller, { topic: 'fn/topic' });
  await linkClient(c2.deps, caller, { topic: 'fn/topic', client: 'sensor-1' });
  await device.commandsApplied(1);
});
afterAll(async () => {
  await device?.end();
  await c2?.close();
});

describe('handleScheduledRotation', () => {
  it('starts a rotation of the topic of the schedule; the device gets the new key', async () => {
    const before = device.commands.length;
    const outcome = await handleScheduledRotation(c2.deps, {
      tenantId: caller.tenantId,
      action: 'rotate-topic',
      topic: 'fn/topic',
      schedule: 'monthly',
    });
    expect(outcome).toEqual({ status: 'started', operationId: expect.any(String), created: true });
    const done = await operationFinished(c2.deps, {
      tenantId: caller.tenantId,
      id: (outcome as { operationId: string }).operationId,
    });
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2, actor: 'scheduler:monthly' });
    await device.commandsApplied(before + 1);
    const { items } = await c2.deps.store.listEvents(caller.tenantId, { limit: 1 });
    expect(items[0]).toMatchObject({ action: 'topic.rotate', actor: 'scheduler:monthly', result: 'ok' });
  });

  it('starts one operation for a run the Scheduler delivers twice (the same scheduled time)', async () => {
    const run = {
      tenantId: caller.tenantId,
      action: 'rotate-topic',
      topic: 'fn/topic',
      schedule: 'nightly',
      scheduledTime: '2026-12-04T03:00:00Z',
    };
    const first = await handleScheduledRotation(c2.deps, run);
    const again = await handleScheduledRotation(c2.deps, run);
    const next = await handleScheduledRotation(c2.deps, { ...run, scheduledTime: '2026-12-05T03:00:00Z' });
    expect(first).toMatchObject({ status: 'started', created: true });
    expect(again).toEqual({ ...first, created: false });
    expect(next).toMatchObject({ status: 'started', created: true });
    expect((next as { operationId: string }).operationId).not.toBe((first as { operationId: string }).operationId);
    // Two schedules without a name, due at the same time, on two topics (one named with a space): two rotations.
    await createTopic(c2.deps, caller, { topic: 'fn/other topic' });
    const unnamed = { tenantId: caller.tenantId, action: 'rotate-topic', scheduledTime: '2026-12-06T03:00:00Z' };
    const one = await handleScheduledRotation(c2.deps, { ...unnamed, topic: 'fn/topic' });
    const other = await handleScheduledRotation(c2.deps, { ...unnamed, topic: 'fn/other topic', schedule: 'a b' });
    expect([one.status, other.status]).toEqual(['started', 'started']);
    for (const outcome of [first, next, one, other]) {
      const id = (outcome as { operationId: string }).operationId;
      await operationFinished(c2.deps, { tenantId: caller.tenantId, id });
    }
  });

  it.each([
    ['no input', undefined],
    ['another action', { tenantId: 'tenant-fn', action: 'delete-everything', topic: 'fn/topic' }],
    ['a bad tenant', { tenantId: 'Bad Tenant', action: 'rotate-topic', topic: 'fn/topic' }],
    ['a topic that is gone', { tenantId: 'tenant-fn', action: 'rotate-topic', topic: 'fn/gone' }],
    ['an invalid topic', { tenantId: 'tenant-fn', action: 'rotate-topic', topic: 'fn/#' }],
    ['a bad scheduled time', { tenantId: 'tenant-fn', action: 'rotate-topic', topic: 'fn/topic', scheduledTime: 'x' }],
  ])('skips %s (reported, not thrown)', async (_label, input) => {
    const outcome = await handleScheduledRotation(c2.deps, input);
    expect(outcome.status).toBe('skipped');
  });
});
