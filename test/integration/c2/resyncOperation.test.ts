/**
 * Resync operations step by step, over the local adapters (dynalite, keyring, aedes) with real devices, the worker
 * driven by hand (StepQueue): a resync never waits on a topic's lease (a topic a rotation is delivering to the
 * device is left to it), and a message handled twice at once sends nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { resyncClient } from '../../../shared/c2/clients/resyncClient.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { handleWork } from '../../../shared/c2/operations/handleWork.js';
import type { OperationMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';
import { StepQueue } from '../../support/stepQueue.js';
import { enrolDevice, type TestDevice } from '../../support/testDevice.js';

const caller = callerOf('tenant-resync', 'operator');
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

/** A device on these topics (created here), each key applied. */
async function deviceOn(name: string, topics: string[]): Promise<TestDevice> {
  const made = await enrolDevice(deps, caller, c2.mqttUrl, name);
  devices.push(made);
  for (const topic of topics) {
    await createTopic(deps, caller, { topic });
    await linkClient(deps, caller, { topic, client: name });
  }
  await made.commandsApplied(topics.length);
  return made;
}

const messageOf = (id: string): OperationMessage => ({ type: 'operation', tenantId: caller.tenantId, operationId: id });

describe('client.resync, step by step', () => {
  it('does not wait on a topic a rotation holds: the rotation delivers it, the other topic is sent at once', async () => {
    // Prepare: a device on two topics; a rotation of the first prepared (key installed, the device's delivery
    // pending) and holding the topic's lease, its continuation left in the queue.
    const device = await deviceOn('dev-covered', ['cov/a', 'cov/b']);
    const { operation: rotation } = await rotateTopicKey(deps, caller, 'cov/a');
    await queue.step(deps, { budgetMs: 0 });
    expect((await deps.store.getTopic(caller.tenantId, 'cov/a'))?.lease?.owner).toBe(`op-${rotation.id}`);
    const { operation } = await resyncClient(deps, caller, 'dev-covered');
    const before = device.commands.length;

    // Act: the resync's message, while the rotation still holds its topic.
    await handleWork(deps, messageOf(operation.id));

    // Assess: finished at once, one key sent (the other topic's), its delivery `sent`; then the rotation goes on.
    const done = await deps.operations.getOperation(caller.tenantId, operation.id);
    expect(done).toMatchObject({ status: 'succeeded', counts: { total: 1, sent: 1 } });
    await device.commandsApplied(before + 1);
    await queue.drain(deps);
    await operationFinished(deps, rotation);
    await device.commandsApplied(before + 2);
    expect(device.commands.slice(before)).toEqual(['SetTopicKey', 'SetTopicKey']);
    expect(device.errors).toEqual([]);
  });

  it('a message handled by two workers at once, then again, sends each key once', async () => {
    // Prepare
    const device = await deviceOn('dev-twice', ['twice/a', 'twice/b']);
    const { operation } = await resyncClient(deps, caller, 'dev-twice');
    const before = device.commands.length;

    // Act
    await Promise.all([handleWork(deps, messageOf(operation.id)), handleWork(deps, messageOf(operation.id))]);
    await queue.drain(deps);
    await handleWork(deps, messageOf(operation.id));

    // Assess
    const done = await operationFinished(deps, operation);
    expect(done).toMatchObject({ status: 'succeeded', counts: { total: 1, sent: 1 } });
    await device.commandsApplied(before + 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(device.commands.slice(before)).toEqual(['SetTopicKey', 'SetTopicKey']);
  });
});
