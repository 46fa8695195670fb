/**
 * Resync operations step by step, over the local adapters (dynalite, keyring, aedes) with real devices, the worker
 * driven by hand (StepQueue): a resync never waits on a topic's lease (a topic a rotation is delivering to the
 * device is left to it), and a message handled twice at once sends nothing twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { newClientKey } from '../../../shared/c2/clients/newClientKey.js';
import { resyncClient } from '../../../shared/c2/clients/resyncClient.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { unlinkClient } from '../../../shared/c2/links/unlinkClient.js';
import { handleWork } from '../../../shared/c2/operations/handleWork.js';
import type { OperationMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { TOPIC_LEASE_MS } from '../../../shared/c2/topics/withTopicLease.js';
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

const messageOf = (id: string, tenantId = caller.tenantId): OperationMessage => ({
  type: 'operation',
  tenantId,
  operationId: id,
});

/** A promise and what settles it. */
function signal(): { done: Promise<void>; give: () => void } {
  let give!: () => void;
  const done = new Promise<void>((resolve) => {
    give = resolve;
  });
  return { done, give };
}

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

  it('a topic operation holding the lease that fails to start does not cover the topic: the resync sends the key', async () => {
    // Prepare: a revocation of another client of the topic, stopped once it took the topic's lease (a worker that
    // died there: its key not installed); then the leaving client's link taken off meanwhile, so it cannot start.
    const device = await deviceOn('dev-uncovered', ['uncov/a']);
    await deviceOn('dev-leaving', []);
    await linkClient(deps, caller, { topic: 'uncov/a', client: 'dev-leaving' });
    const { operation: revocation } = await unlinkClient(deps, caller, { topic: 'uncov/a', client: 'dev-leaving' });
    const now = deps.clock();
    const lease = { owner: `op-${revocation!.id}`, now, until: now + TOPIC_LEASE_MS };
    await deps.store.acquireTopicLease(caller.tenantId, 'uncov/a', lease);
    await deps.store.deleteLink(caller.tenantId, 'uncov/a', 'dev-leaving');
    const { operation } = await resyncClient(deps, caller, 'dev-uncovered');
    const before = device.commands.length;

    // Act: the resync while the revocation holds the lease, then everything queued.
    await handleWork(deps, messageOf(operation.id));
    await queue.drain(deps);

    // Assess: the revocation failed (nothing sent), the resync sent the key itself.
    expect(await deps.operations.getOperation(caller.tenantId, revocation!.id)).toMatchObject({ status: 'failed' });
    expect(await operationFinished(deps, operation)).toMatchObject({ status: 'succeeded', counts: { sent: 1 } });
    await device.commandsApplied(before + 1);
    expect(device.commands.slice(before)).toEqual(['SetTopicKey']);
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

  it('public-key mode: a peer whose new identity key is pending is busy, and the device ends with the key in force', async () => {
    // Prepare
    const { pk, device, peer, renewal, resync, before } = await renewalDuringResync('tenant-resync-pk');

    // Act: the renewal stores the pending key and holds its SetIDKey until the resync's pass has read the peer (then
    // its key is opened, a slow vault: the resync holds there until the renewal is over, its SetPubKey of the new key
    // sent; or the pass ended).
    const resyncRead = signal();
    const renewed = signal();
    let held = false;
    const publisher: C2Deps['publisher'] = {
      publish: async (commands) => {
        if (!held) {
          held = true;
          await resyncRead.done;
        }
        return deps.publisher.publish(commands);
      },
      close: async () => {},
    };
    const renewing = handleWork({ ...deps, publisher }, messageOf(renewal.id, pk.tenantId));
    await expect.poll(async () => (await deps.store.getClient(pk.tenantId, peer.name))?.pending).toBeDefined();
    const vault = slowVault(peer.name, resyncRead, renewed);
    const resyncing = handleWork({ ...deps, vault }, messageOf(resync.id, pk.tenantId)).finally(resyncRead.give);
    await renewing;
    renewed.give();
    await resyncing;
    await queue.drain(deps);

    // Assess: the device got the peer's new public key (the renewal's, then the resync's) and reads what the peer
    // signs with its new key.
    expect(await deps.operations.getOperation(pk.tenantId, resync.id)).toMatchObject({ status: 'succeeded' });
    expect(await deps.operations.getDelivery(pk.tenantId, resync.id, device.name)).toMatchObject({ attempts: 2 });
    await device.commandsApplied(before + 2);
    expect(device.commands.slice(before)).toEqual(['SetPubKey', 'SetPubKey']);
    await expect.poll(() => peer.commands.includes('SetIDKey')).toBe(true);
    const errorsBefore = device.errors.length;
    await peer.mqtt.publish('pk/room', new TextEncoder().encode('under the new key'), { qos: 1 });
    expect(await device.outcome('pk/room', 'under the new key', errorsBefore)).toBe('read');
  });

  it("public-key mode: a peer's old key read just before its renewal goes out at a second its announcement follows", async () => {
    // Prepare
    const { pk, device, peer, renewal, resync, before } = await renewalDuringResync('tenant-resync-pk2');

    // Act: the resync reads the peer (no key pending yet), then holds while the peer's key is opened (a slow vault),
    // meanwhile the renewal goes through (SetIDKey, the key in force, its SetPubKey to the device).
    const resyncRead = signal();
    const renewed = signal();
    const vault = slowVault(peer.name, resyncRead, renewed);
    const resyncing = handleWork({ ...deps, vault }, messageOf(resync.id, pk.tenantId));
    await resyncRead.done;
    await handleWork(deps, messageOf(renewal.id, pk.tenantId));
    renewed.give();
    await resyncing;
    await queue.drain(deps);

    // Assess: the old key, older than the announcement, refused as stale; the device reads what the peer signs.
    await expect.poll(() => device.commands.length + device.errors.length).toBe(before + 2);
    expect(device.commands.slice(before)).toEqual(['SetPubKey']);
    expect(device.errors.at(-1)?.code).toBe('STALE_COMMAND');
    await expect.poll(() => peer.commands.includes('SetIDKey')).toBe(true);
    const errorsBefore = device.errors.length;
    await peer.mqtt.publish('pk/room', new TextEncoder().encode('signed anew'), { qos: 1 });
    expect(await device.outcome('pk/room', 'signed anew', errorsBefore)).toBe('read');
  });
});

/**
 * A public-key device and a peer on a topic (each holds the other's public key, the device confirmed its topic key),
 * in a tenant of their own; a new identity key of the peer and a resync of the device started, their messages
 * taken off the queue (the test hands them over).
 */
async function renewalDuringResync(tenant: string) {
  const pk = callerOf(tenant, 'operator');
  await createTopic(deps, pk, { topic: 'pk/room' });
  const device = await enrolDevice(deps, pk, c2.mqttUrl, `${tenant}-device`, 'pubkey');
  const peer = await enrolDevice(deps, pk, c2.mqttUrl, `${tenant}-peer`, 'pubkey');
  devices.push(device, peer);
  await linkClient(deps, pk, { topic: 'pk/room', client: device.name });
  await linkClient(deps, pk, { topic: 'pk/room', client: peer.name });
  await device.commandsApplied(2);
  await device.mqtt.subscribe('pk/room');
  // What the device's receipt of its topic key records (this C2 forwards no receipts).
  const { keyVersion } = (await deps.store.getTopic(pk.tenantId, 'pk/room'))!;
  await deps.store.recordLinkConfirmed(pk.tenantId, 'pk/room', device.name, {
    keyVersion,
    at: new Date().toISOString(),
  });
  const { operation: renewal } = await newClientKey(deps, pk, peer.name);
  const { operation: resync } = await resyncClient(deps, pk, device.name);
  queue.messages.splice(0);
  return { pk, device, peer, renewal, resync, before: device.commands.length };
}

/** The vault, slow to open the named client's key: it says so (`reached`) and waits for `go`. */
function slowVault(name: string, reached: { give: () => void }, go: { done: Promise<void> }): C2Deps['vault'] {
  return {
    wrap: (key, binding) => deps.vault.wrap(key, binding),
    unwrap: async (wrapped, binding) => {
      if (binding.kind === 'client' && binding.name === name) {
        reached.give();
        await go.done;
      }
      return deps.vault.unwrap(wrapped, binding);
    },
  };
}
