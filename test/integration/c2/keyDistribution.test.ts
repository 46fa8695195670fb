/**
 * Key distribution over the local adapters (dynalite, keyring, aedes) with real devices (E4Client on MQTT): links
 * deliver topic keys, rotations reach every client, revocation re-keys, deletions tell the devices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteClient, resetClient } from '../../../shared/c2/clients/deleteClient.js';
import { newClientKey } from '../../../shared/c2/clients/newClientKey.js';
import { resyncClient } from '../../../shared/c2/clients/resyncClient.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import { listEvents } from '../../../shared/c2/events/listEvents.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { countClientsOfTopic, listClientsOfTopic, listTopicsOfClient } from '../../../shared/c2/links/readLinks.js';
import { unlinkClient } from '../../../shared/c2/links/unlinkClient.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { deleteTopic } from '../../../shared/c2/topics/deleteTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { TOPIC_LEASE_MS } from '../../../shared/c2/topics/withTopicLease.js';
import { E4Client, toBase64, unprotectSymKey, utf8 } from '../../../shared/e4/node/index.js';
import { inIdOrder } from '../../contract/keyStore.contract.js';
import { callerOf } from '../../support/callerOf.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';
import { StepQueue } from '../../support/stepQueue.js';
import { connectDevice, enrolDevice, exchange, type TestDevice } from '../../support/testDevice.js';

const caller = callerOf('tenant-keys', 'operator');
let c2: LocalC2;
const devices: TestDevice[] = [];

beforeAll(async () => {
  c2 = await startLocalC2();
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.end()));
  await c2?.close();
});

async function device(name: string): Promise<TestDevice> {
  const made = await enrolDevice(c2.deps, caller, c2.mqttUrl, name);
  devices.push(made);
  return made;
}

async function topicWith(topic: string, ...members: TestDevice[]): Promise<void> {
  await createTopic(c2.deps, caller, { topic });
  for (const member of members) {
    const before = member.commands.length;
    const linked = await linkClient(c2.deps, caller, { topic, client: member.name });
    expect(linked.delivery).toEqual({ sent: 1, delivered: 1, failed: [] });
    await member.commandsApplied(before + 1);
    await member.mqtt.subscribe(topic);
  }
}

describe('links', () => {
  it('linking sends the topic key: two devices exchange protected messages', async () => {
    // Prepare
    const alice = await device('alice');
    const bob = await device('bob');

    // Act
    await topicWith('room/1', alice, bob);

    // Assess
    expect(alice.commands).toEqual(['SetTopicKey']);
    expect(bob.client.hasTopicKey('room/1')).toBe(true);
    await exchange(alice, bob, 'room/1', 'hello bob');
    await exchange(bob, alice, 'room/1', 'hello alice');
    expect(await listClientsOfTopic(c2.deps, caller, 'room/1', { limit: 10 })).toEqual({
      items: inIdOrder(['alice', 'bob']),
    });
    expect(await listTopicsOfClient(c2.deps, caller, 'alice', { limit: 10 })).toEqual({
      items: [{ topic: 'room/1', keyVersion: 1 }],
    });
  });

  it('linking again sends the key again (a device that lost its state recovers)', async () => {
    // Prepare
    const carol = await device('carol');
    await topicWith('room/relink', carol);
    const fresh = await E4Client.create({ mode: 'symmetric', key: await identityKeyOf('carol'), name: 'carol' });
    await carol.end();
    const again = await connectDevice(fresh, c2.mqttUrl, 'carol');
    devices.push(again);

    // Act
    await linkClient(c2.deps, caller, { topic: 'room/relink', client: 'carol' });

    // Assess
    await again.commandsApplied(1);
    expect(fresh.hasTopicKey('room/relink')).toBe(true);
    expect(await countClientsOfTopic(c2.deps, caller, 'room/relink')).toBe(1);
  });

  it.each([
    ['an unknown topic', { topic: 'nowhere', client: 'alice' }, C2ErrorCode.NotFound],
    ['an unknown client', { topic: 'room/1', client: 'nobody' }, C2ErrorCode.NotFound],
    ['an invalid topic', { topic: 'a/#', client: 'alice' }, C2ErrorCode.InvalidInput],
    ['an invalid name', { topic: 'room/1', client: '' }, C2ErrorCode.InvalidInput],
  ])('linking %s is refused', async (_label, input, code) => {
    expect(await codeOfAsync(() => linkClient(c2.deps, caller, input))).toBe(code);
  });
});

describe('rotation', () => {
  it('a new key reaches every linked client and messages keep flowing', async () => {
    // Prepare
    const [d1, d2, d3] = await Promise.all(['rot-1', 'rot-2', 'rot-3'].map(device));
    await topicWith('rot', d1!, d2!, d3!);

    // Act
    const rotated = await rotateTopicKey(c2.deps, caller, 'rot');
    const done = await operationFinished(c2.deps, rotated.operation);

    // Assess
    expect(rotated.topic.keyVersion).toBe(1); // as it was asked: the operation installs version 2
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2, counts: { total: 3, pending: 0, failed: 0 } });
    await Promise.all([d1!, d2!, d3!].map((d) => d.commandsApplied(2)));
    await exchange(d1!, d3!, 'rot', 'after rotation');
    const record = await c2.deps.store.getTopic(caller.tenantId, 'rot');
    expect(record?.keyVersion).toBe(2);
  });

  it('a client whose stored key does not open fails alone: the others get the new key, the operation names it', async () => {
    // Prepare: a tampered record (its wrapped key replaced by bytes that open for no one).
    const [good, bad] = await Promise.all(['fine', 'tampered'].map(device));
    await topicWith('partly', good!, bad!);
    const record = (await c2.deps.store.getClient(caller.tenantId, 'tampered'))!;
    await c2.deps.store.updateClientKey(caller.tenantId, 'tampered', {
      wrappedKey: record.wrappedKey.map((b, i) => (i === record.wrappedKey.length - 1 ? b ^ 1 : b)),
      keyVersion: 1,
      expectedVersion: 1,
      updatedAt: record.updatedAt,
    });

    // Act
    const rotated = await rotateTopicKey(c2.deps, caller, 'partly');
    const done = await operationFinished(c2.deps, rotated.operation);

    // Assess
    expect(done).toMatchObject({ status: 'partial', keyVersion: 2, counts: { total: 2, pending: 0, failed: 1 } });
    const failed = await c2.deps.operations.listDeliveries(
      caller.tenantId,
      done.id,
      { state: 'failed' },
      { limit: 10 },
    );
    expect(failed.items).toEqual([
      expect.objectContaining({ clientName: 'tampered', lastError: expect.stringMatching(/^KEY_INTEGRITY: /) }),
    ]);
    await good!.commandsApplied(2);
  });

  it('concurrent rotations take turns or join: every device ends on the key the C2 holds', async () => {
    // Prepare
    const [d1, d2] = await Promise.all(['race-1', 'race-2'].map(device));
    await topicWith('race', d1!, d2!);

    // Act
    const results = await Promise.all([1, 2, 3].map(() => rotateTopicKey(c2.deps, caller, 'race')));
    const done = await Promise.all(results.map((r) => operationFinished(c2.deps, r.operation)));

    // Assess
    const versions = [...new Set(done.map((operation) => operation.keyVersion!))].sort();
    expect(done.every((operation) => operation.status === 'succeeded')).toBe(true);
    expect((await c2.deps.store.getTopic(caller.tenantId, 'race'))!.keyVersion).toBe(versions.at(-1));
    await Promise.all([d1!, d2!].map((d) => d.commandsApplied(1 + versions.length)));
    const key = await topicKeyOf('race');
    const probe = d1!.client.protectMessage(utf8('on the stored key'), 'race');
    expect(unprotectSymKeyMessage(probe, key)).toBe('on the stored key');
    await exchange(d1!, d2!, 'race', 'same key');
  });

  it('a change that cannot get the topic in time gives up with CONCURRENT_UPDATE', async () => {
    await createTopic(c2.deps, caller, { topic: 'held' });
    await device('held-client');
    const now = Date.now();
    await c2.deps.store.acquireTopicLease(caller.tenantId, 'held', { owner: 'other', now, until: now + 60_000 });
    const impatient = { ...c2.deps, options: { topicLeaseWaitMs: 200 } };
    const link = () => linkClient(impatient, caller, { topic: 'held', client: 'held-client' });
    expect(await codeOfAsync(link)).toBe(C2ErrorCode.ConcurrentUpdate);
    expect(await c2.deps.store.getLink(caller.tenantId, 'held', 'held-client')).toBeUndefined();
  });

  it('a lease left by a crashed change is taken over once expired', async () => {
    // Prepare
    await createTopic(c2.deps, caller, { topic: 'crashed' });
    await device('crashed-client');
    const now = Date.now();
    await c2.deps.store.acquireTopicLease(caller.tenantId, 'crashed', { owner: 'gone', now, until: now + 60_000 });
    const impatient = { ...c2.deps, options: { topicLeaseWaitMs: 0 } };
    const link = (deps: typeof impatient) => linkClient(deps, caller, { topic: 'crashed', client: 'crashed-client' });
    expect(await codeOfAsync(() => link(impatient))).toBe(C2ErrorCode.ConcurrentUpdate);
    const later = { ...impatient, clock: () => Date.now() + TOPIC_LEASE_MS };

    // Act
    const linked = await link(later);

    // Assess
    expect(linked.delivery).toEqual({ sent: 1, delivered: 1, failed: [] });
  });
});

describe('revocation', () => {
  it('removing a client re-keys the topic: it cannot read what follows, the others can', async () => {
    // Prepare
    const [stays, leaves, watcher] = await Promise.all(['stays', 'leaves', 'watcher'].map(device));
    await topicWith('secret', stays!, leaves!, watcher!);
    const hostile = await E4Client.create({ mode: 'symmetric', key: await identityKeyOf('leaves'), name: 'leaves' });
    // The hostile copy keeps the topic key whatever RemoveTopic says.
    hostile.unprotect(await lastCommandFor('leaves', 'secret'), hostile.receivingTopic);

    // Act
    const result = await unlinkClient(c2.deps, caller, { topic: 'secret', client: 'leaves' });
    const done = await operationFinished(c2.deps, result.operation!);

    // Assess
    // Each remaining client gets two SetTopicKey (a throw-away key, then the new one), the leaving one RemoveTopic.
    expect(result.rekeyed).toBe(true);
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2, counts: { total: 2, failed: 0 } });
    await leaves!.commandsApplied(2);
    expect(leaves!.commands.at(-1)).toBe('RemoveTopic');
    expect(leaves!.client.hasTopicKey('secret')).toBe(false);
    await Promise.all([stays!, watcher!].map((d) => d.commandsApplied(3)));
    const frame = stays!.client.protectMessage(utf8('after revocation'), 'secret');
    await stays!.mqtt.publish('secret', 'after revocation');
    await watcher!.received('secret', 'after revocation');
    expect(() => hostile.unprotect(frame, 'secret')).toThrow(
      expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
    );
    expect(await listClientsOfTopic(c2.deps, caller, 'secret', { limit: 10 })).toEqual({
      items: inIdOrder(['stays', 'watcher']),
    });
  });

  it('rekey: false only removes (as E4 did)', async () => {
    const [a, b] = await Promise.all(['keep-1', 'keep-2'].map(device));
    await topicWith('soft', a!, b!);
    const result = await unlinkClient(c2.deps, caller, { topic: 'soft', client: 'keep-2', rekey: false });
    expect(result).toMatchObject({ keyVersion: 1, rekeyed: false, delivery: { sent: 1, delivered: 1 } });
    expect(await codeOfAsync(() => unlinkClient(c2.deps, caller, { topic: 'soft', client: 'keep-2' }))).toBe(
      C2ErrorCode.NotFound,
    );
  });

  it('deleting a client re-keys each of its topics and resets the device; its record goes', async () => {
    // Prepare
    const [gone, peer1, peer2] = await Promise.all(['gone', 'peer-1', 'peer-2'].map(device));
    await topicWith('del/a', gone!, peer1!);
    await topicWith('del/b', gone!, peer2!);

    // Act
    const result = await deleteClient(c2.deps, caller, { name: 'gone' });
    const done = await operationFinished(c2.deps, result.operation);

    // Assess
    expect(result).toMatchObject({ client: 'gone', rekeyed: true });
    expect(done).toMatchObject({ kind: 'client.delete', status: 'succeeded', counts: { total: 1, failed: 0 } });
    await gone!.commandsApplied(5); // its two keys, RemoveTopic for each (the topics' operations), ResetTopics
    expect(gone!.commands.at(-1)).toBe('ResetTopics');
    expect(gone!.client.topicCount).toBe(0);
    await peer1!.commandsApplied(3);
    await peer2!.commandsApplied(3);
    expect(await c2.deps.store.getClient(caller.tenantId, 'gone')).toBeUndefined();
    expect((await c2.deps.store.getTopic(caller.tenantId, 'del/a'))?.keyVersion).toBe(2);
    expect(await c2.deps.store.countTopicsOfClient(caller.tenantId, 'gone')).toBe(0);
  });

  it('resetting a client takes it off its topics but keeps it enrolled', async () => {
    const [reset, other] = await Promise.all(['reset-me', 'reset-peer'].map(device));
    await topicWith('reset', reset!, other!);
    const result = await resetClient(c2.deps, caller, { name: 'reset-me', rekey: false });
    expect(result).toMatchObject({ client: 'reset-me', rekeyed: false });
    await operationFinished(c2.deps, result.operation);
    await reset!.commandsApplied(2);
    expect(reset!.commands.at(-1)).toBe('ResetTopics');
    expect(await c2.deps.store.getClient(caller.tenantId, 'reset-me')).toBeDefined();
    expect(await listClientsOfTopic(c2.deps, caller, 'reset', { limit: 10 })).toEqual({ items: ['reset-peer'] });
  });

  it('deleting a topic is an operation: it tells its devices (RemoveTopic) and removes the links', async () => {
    const [a, b] = await Promise.all(['deltopic-1', 'deltopic-2'].map(device));
    await topicWith('doomed', a!, b!);
    const result = await deleteTopic(c2.deps, caller, 'doomed');
    expect(result).toMatchObject({ topic: 'doomed', created: true, operation: { kind: 'topic.delete' } });
    const ended = await operationFinished(c2.deps, result.operation);
    expect(ended).toMatchObject({ status: 'succeeded', counts: { total: 2, sent: 2, failed: 0, pending: 0 } });
    await Promise.all([a!, b!].map((d) => d.commandsApplied(2)));
    expect(a!.client.hasTopicKey('doomed')).toBe(false);
    expect(await c2.deps.store.getTopic(caller.tenantId, 'doomed')).toBeUndefined();
    expect(await c2.deps.store.countTopicsOfClient(caller.tenantId, 'deltopic-1')).toBe(0);
    expect(await codeOfAsync(() => deleteTopic(c2.deps, caller, 'doomed'))).toBe(C2ErrorCode.NotFound);
  });
});

describe('new identity key', () => {
  it('the device gets SetIDKey under its old key, and later commands under the new one', async () => {
    // Prepare
    const dev = await device('renewed');
    const oldKey = await identityKeyOf('renewed');

    // Act
    const started = await newClientKey(c2.deps, caller, 'renewed');
    const done = await operationFinished(c2.deps, started.operation);

    // Assess
    expect(started.client.keyVersion).toBe(1);
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2 });
    expect(done.counts).toMatchObject({ total: 1, sent: 1 });
    await dev.commandsApplied(1);
    expect(dev.commands).toEqual(['SetIDKey']);
    expect(await identityKeyOf('renewed')).not.toEqual(oldKey);
    await topicWith('after-renewal', dev);
    expect(dev.client.hasTopicKey('after-renewal')).toBe(true);
  });

  it('a resync it cannot start (its idempotency key taken by another request) makes it partial, with the error', async () => {
    // Prepare: an API request that chose the idempotency key the renewal's resync will use (`<id>/resync`).
    const dev = await device('renewed-claimed');
    await createTopic(c2.deps, caller, { topic: 'claimed' });
    const queue = new StepQueue();
    const deps = { ...c2.deps, queue };
    const started = await newClientKey(deps, caller, dev.name);
    await rotateTopicKey(deps, caller, 'claimed', { idempotencyKey: `${started.operation.id}/resync` });

    // Act
    await queue.drain(deps);

    // Assess: the key in force (SetIDKey taken), the operation partial, saying why; nothing left in the queue.
    const done = await c2.deps.operations.getOperation(caller.tenantId, started.operation.id);
    expect(done).toMatchObject({ status: 'partial', keyVersion: 2, error: { code: C2ErrorCode.InvalidInput } });
    expect(done?.error?.message).toMatch(/client\.resync .*idempotency key was used for another change/);
    expect((await c2.deps.store.getClient(caller.tenantId, dev.name))?.keyVersion).toBe(2);
    await dev.commandsApplied(1);
    expect(dev.commands).toEqual(['SetIDKey']);
  });

  it('when the broker does not take the command, the key is not changed but kept pending; asking again finishes', async () => {
    // Prepare: a C2 whose publisher is closed (a real fault: the broker connection is gone).
    const dev = await device('unreachable');
    const before = (await c2.deps.store.getClient(caller.tenantId, 'unreachable'))!;
    const broken = await startLocalC2();
    await broken.deps.publisher.close();
    const queue = new StepQueue();
    const deps = { ...c2.deps, publisher: broken.deps.publisher, queue };

    // Act
    const first = await newClientKey(deps, caller, 'unreachable');
    await queue.drain(deps);
    await broken.close();
    const partial = (await c2.deps.operations.getOperation(caller.tenantId, first.operation.id))!;
    const pending = (await c2.deps.store.getClient(caller.tenantId, 'unreachable'))!;
    const again = await newClientKey(c2.deps, caller, 'unreachable');
    const finished = await operationFinished(c2.deps, again.operation);

    // Assess
    expect(partial).toMatchObject({ status: 'partial', error: { code: C2ErrorCode.DeliveryFailed } });
    expect(pending).toMatchObject({ keyVersion: 1, wrappedKey: before.wrappedKey, pending: { keyVersion: 2 } });
    expect(finished).toMatchObject({ status: 'succeeded', keyVersion: 2 });
    const after = (await c2.deps.store.getClient(caller.tenantId, 'unreachable'))!;
    expect(after.keyVersion).toBe(2);
    expect(after.pending).toBeUndefined();
    await dev.commandsApplied(1);
    expect(dev.commands).toEqual(['SetIDKey']);
    // The device and the C2 agree on the new key: a command under it is applied.
    await topicWith('after-pending', dev);
    expect(dev.client.hasTopicKey('after-pending')).toBe(true);
  });
});

describe('resync', () => {
  it('sends a device the current keys of its topics, and never the key of a topic it was removed from', async () => {
    // Prepare
    const [back, other] = await Promise.all(['back-online', 'resync-peer'].map(device));
    await topicWith('resync/a', back!, other!);
    await topicWith('resync/b', back!, other!);
    const unlinked = await unlinkClient(c2.deps, caller, { topic: 'resync/b', client: 'back-online' });
    await operationFinished(c2.deps, unlinked.operation!);
    const before = back!.commands.length;

    // Act
    const { operation } = await resyncClient(c2.deps, caller, 'back-online');
    const done = await operationFinished(c2.deps, operation);

    // Assess: one device, one SetTopicKey (its link did not show the key confirmed: the link sends no receipt ref).
    expect(done).toMatchObject({ kind: 'client.resync', status: 'succeeded', counts: { total: 1 } });
    await back!.commandsApplied(before + 1);
    expect(back!.commands.at(-1)).toBe('SetTopicKey');
    expect(back!.client.hasTopicKey('resync/a')).toBe(true);
    expect(back!.client.hasTopicKey('resync/b')).toBe(false);
  });
});

describe('event log', () => {
  it('records each change, newest first, with its result, and never a key', async () => {
    // Prepare
    await createTopic(c2.deps, caller, { topic: 'logged' });
    await codeOfAsync(() => createTopic(c2.deps, caller, { topic: 'logged' }));
    const key = await topicKeyOf('logged');

    // Act
    const { items } = await listEvents(c2.deps, caller, {}, { limit: 100 });

    // Assess
    const logged = items.filter((e) => e.target.name === 'logged');
    expect(logged[0]).toMatchObject({
      actor: 'operator',
      action: 'topic.create',
      target: { type: 'topic', name: 'logged' },
      result: 'error',
      errorCode: C2ErrorCode.AlreadyExists,
    });
    expect(logged[1]).toMatchObject({ action: 'topic.create', result: 'ok', details: { keyVersion: 1 } });
    expect(items.map((e) => e.action)).toEqual(
      expect.arrayContaining(['link.create', 'topic.rotate', 'client.delete']),
    );
    expect(items.map((e) => e.at)).toEqual([...items.map((e) => e.at)].sort().reverse());
    expect(JSON.stringify(items)).not.toContain(toBase64(key));
  });
});

async function identityKeyOf(name: string): Promise<Uint8Array> {
  const record = (await c2.deps.store.getClient(caller.tenantId, name))!;
  return c2.deps.vault.unwrap(record.wrappedKey, {
    tenantId: caller.tenantId,
    kind: 'client',
    name,
    version: record.keyVersion,
  });
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

/** The SetTopicKey command the C2 would send `name` for `topic` now (built from the stored keys). */
async function lastCommandFor(name: string, topic: string): Promise<Uint8Array> {
  const { cmdSetTopicKey, protectCommand } = await import('../../../shared/e4/node/index.js');
  return protectCommand(cmdSetTopicKey(await topicKeyOf(topic), topic), await identityKeyOf(name));
}

/** The plaintext of a message frame under a raw topic key (symmetric framing). */
function unprotectSymKeyMessage(frame: Uint8Array, key: Uint8Array): string {
  return new TextDecoder().decode(unprotectSymKey(frame, key));
}
