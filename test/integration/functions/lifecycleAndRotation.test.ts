/**
 * The lifecycle and scheduled-rotation handlers over the local adapters with a real device: a subscription to its
 * control topic brings a device its keys; a scheduled rotation reaches it; anything else is ignored, never thrown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleLifecycleEvent } from '../../../functions/lifecycle/handleLifecycleEvent.js';
import { handleScheduledRotation } from '../../../functions/rotation/handleScheduledRotation.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { bytesToHex } from '../../../shared/e4/index.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';
import { enrolDevice, type TestDevice } from '../../support/testDevice.js';

const caller = callerOf('tenant-fn', 'operator');
let c2: LocalC2;
let device: TestDevice;
let thing: string;
let controlTopic: string;

beforeAll(async () => {
  c2 = await startLocalC2();
  device = await enrolDevice(c2.deps, caller, c2.mqttUrl, 'sensor-1');
  thing = `e4c2-${caller.tenantId}-${bytesToHex(device.client.id)}`;
  controlTopic = device.client.receivingTopic;
  await createTopic(c2.deps, caller, { topic: 'fn/topic' });
  await linkClient(c2.deps, caller, { topic: 'fn/topic', client: 'sensor-1' });
  await device.commandsApplied(1);
});
afterAll(async () => {
  await device?.end();
  await c2?.close();
});

describe('handleLifecycleEvent', () => {
  it('a device subscribing to its control topic is sent the current keys of its topics', async () => {
    const outcome = await handleLifecycleEvent(c2.deps, {
      eventType: 'subscribed',
      clientId: thing,
      topics: [controlTopic],
    });
    expect(outcome).toEqual({ resynced: 1, ignored: undefined });
    await device.commandsApplied(2);
    expect(device.commands).toEqual(['SetTopicKey', 'SetTopicKey']);
  });

  it('a device connecting (a persistent session resumes without SUBSCRIBE) is resynced too', async () => {
    const before = device.commands.length;
    const outcome = await handleLifecycleEvent(c2.deps, { eventType: 'connected', clientId: thing });
    expect(outcome).toEqual({ resynced: 1, ignored: undefined });
    await device.commandsApplied(before + 1);
    expect(device.commands.at(-1)).toBe('SetTopicKey');
  });

  it.each([
    ['a disconnection', { eventType: 'disconnected', clientId: 'x' }, 'event disconnected'],
    [
      'another client id',
      { eventType: 'subscribed', clientId: 'someone', topics: ['e4/00'] },
      'client id is not a thing name of e4c2',
    ],
    [
      "another device's control topic",
      { eventType: 'subscribed', clientId: 'THING', topics: [`e4/${'0'.repeat(32)}`] },
      'not its control topic',
    ],
    [
      'an unknown device',
      { eventType: 'subscribed', clientId: `e4c2-tenant-fn-${'1'.repeat(32)}`, topics: [`e4/${'1'.repeat(32)}`] },
      'unknown client',
    ],
    ['nothing', undefined, 'event undefined'],
  ])('ignores %s', async (_label, event, reason) => {
    const resolved = event && event.clientId === 'THING' ? { ...event, clientId: thing } : event;
    // biome-ignore lint/suspicious/noExplicitAny: malformed events on purpose
    expect(await handleLifecycleEvent(c2.deps, resolved as any)).toEqual({ resynced: 0, ignored: reason });
  });
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
    for (const outcome of [first, next]) {
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
