/**
 * Public-key mode over the local adapters with real devices: the C2 key pair, public keys shared between clients of
 * a topic (and withdrawn), explicit public-key commands, new identity keys and a new C2 key reaching every client
 * (operations, carried out by the local C2's worker).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getC2PublicKey } from '../../../shared/c2/c2key/getC2PublicKey.js';
import { rotateC2Key } from '../../../shared/c2/c2key/rotateC2Key.js';
import { newClientKey } from '../../../shared/c2/clients/newClientKey.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { unlinkClient } from '../../../shared/c2/links/unlinkClient.js';
import { removePubKey, resetPubKeys, sendPubKey } from '../../../shared/c2/pubkeys/managePubKeys.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { callerOf } from '../../support/callerOf.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';
import { StepQueue } from '../../support/stepQueue.js';
import { enrolDevice, exchange, type TestDevice } from '../../support/testDevice.js';

const caller = callerOf('tenant-pk', 'operator');
let c2: LocalC2;
const devices: TestDevice[] = [];

beforeAll(async () => {
  c2 = await startLocalC2();
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.end()));
  await c2?.close();
});

async function device(name: string, mode: 'symmetric' | 'pubkey' = 'pubkey'): Promise<TestDevice> {
  const made = await enrolDevice(c2.deps, caller, c2.mqttUrl, name, mode);
  devices.push(made);
  return made;
}

async function link(topic: string, member: TestDevice, expectedCommands: number): Promise<void> {
  await linkClient(c2.deps, caller, { topic, client: member.name });
  await member.commandsApplied(expectedCommands);
  await member.mqtt.subscribe(topic);
}

describe('public-key mode', () => {
  it('the C2 key pair is made once, on first use, and stays the same', async () => {
    const first = await getC2PublicKey(c2.deps, caller);
    const again = await getC2PublicKey(c2.deps, caller);
    expect(first.publicKey).toHaveLength(32);
    expect(again).toEqual(first);
    expect(first.keyVersion).toBe(1);
    const other = await getC2PublicKey(c2.deps, callerOf('tenant-other'));
    expect(other.publicKey).not.toEqual(first.publicKey);
  });

  it('clients of a topic get each other public keys and exchange signed messages', async () => {
    // Prepare
    const alice = await device('pk-alice');
    const bob = await device('pk-bob');
    await createTopic(c2.deps, caller, { topic: 'pk/room' });

    // Act
    await link('pk/room', alice, 1);
    await link('pk/room', bob, 2); // bob: SetTopicKey + SetPubKey(alice); alice: SetPubKey(bob)

    // Assess
    await alice.commandsApplied(2);
    expect(alice.commands).toEqual(['SetTopicKey', 'SetPubKey']);
    expect(bob.commands).toEqual(['SetTopicKey', 'SetPubKey']);
    await exchange(alice, bob, 'pk/room', 'signed by alice');
    await exchange(bob, alice, 'pk/room', 'signed by bob');
  });

  it('a client that shares no topic any more loses the public keys (both ways)', async () => {
    // Prepare
    const carol = await device('pk-carol');
    const dave = await device('pk-dave');
    await createTopic(c2.deps, caller, { topic: 'pk/a' });
    await createTopic(c2.deps, caller, { topic: 'pk/b' });
    await link('pk/a', carol, 1);
    await link('pk/a', dave, 2);
    await link('pk/b', carol, 3);
    await link('pk/b', dave, 4); // dave: SetTopicKey + SetPubKey(carol) again
    await carol.commandsApplied(4); // SetPubKey(dave) twice
    const carolBefore = carol.commands.length;

    // Act: still sharing pk/b, then nothing.
    await unlinkClient(c2.deps, caller, { topic: 'pk/a', client: 'pk-dave', rekey: false });
    await unlinkClient(c2.deps, caller, { topic: 'pk/b', client: 'pk-dave', rekey: false });

    // Assess
    await dave.commandsApplied(7);
    expect(dave.commands.slice(4)).toEqual(['RemoveTopic', 'RemoveTopic', 'RemovePubKey']);
    await carol.commandsApplied(carolBefore + 1);
    expect(carol.commands.at(-1)).toBe('RemovePubKey');
  });

  it('a symmetric client cannot join a topic of public-key clients', async () => {
    await device('sym-intruder', 'symmetric');
    expect(await codeOfAsync(() => linkClient(c2.deps, caller, { topic: 'pk/room', client: 'sym-intruder' }))).toBe(
      C2ErrorCode.InvalidInput,
    );
  });

  it('explicit public-key commands: send, remove, reset; WRONG_MODE for symmetric clients', async () => {
    // Prepare
    const erin = await device('pk-erin');
    await device('pk-frank');

    // Act
    await sendPubKey(c2.deps, caller, { target: 'pk-erin', source: 'pk-frank' });
    await removePubKey(c2.deps, caller, { target: 'pk-erin', source: 'pk-frank' });
    await sendPubKey(c2.deps, caller, { target: 'pk-erin', source: 'pk-frank' });
    const reset = await resetPubKeys(c2.deps, caller, 'pk-erin');

    // Assess
    expect(reset.delivery).toEqual({ sent: 1, delivered: 1, failed: [] });
    await erin.commandsApplied(4);
    expect(erin.commands).toEqual(['SetPubKey', 'RemovePubKey', 'SetPubKey', 'ResetPubKeys']);
    expect(await codeOfAsync(() => resetPubKeys(c2.deps, caller, 'sym-intruder'))).toBe(C2ErrorCode.WrongMode);
    expect(await codeOfAsync(() => sendPubKey(c2.deps, caller, { target: 'pk-erin', source: 'nobody' }))).toBe(
      C2ErrorCode.NotFound,
    );
  });

  it('a new identity key (an operation): the device gets its new private key, and still reads its topics', async () => {
    // Prepare
    const gina = await device('pk-gina');
    const hank = await device('pk-hank');
    await createTopic(c2.deps, caller, { topic: 'pk/renew' });
    await link('pk/renew', gina, 1);
    await link('pk/renew', hank, 2);
    await gina.commandsApplied(2);
    const before = gina.client.publicKey;

    // Act
    const started = await newClientKey(c2.deps, caller, 'pk-gina');
    const done = await operationFinished(c2.deps, started.operation);

    // Assess: SetIDKey taken, the key in force, the resync asked for (receipts: test/integration/operations).
    expect(started.created).toBe(true);
    expect(started.operation).toMatchObject({ kind: 'client.identityKey', status: 'pending' });
    expect(done.error).toBeUndefined();
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2 });
    await gina.commandsApplied(3);
    expect(gina.commands[2]).toBe('SetIDKey');
    expect(gina.client.publicKey).not.toEqual(before);
    const client = (await c2.deps.store.getClient(caller.tenantId, 'pk-gina'))!;
    expect(client).toMatchObject({ keyVersion: 2 });
    expect(client.pending).toBeUndefined();
    const resync = await c2.deps.operations.listOperations(
      caller.tenantId,
      { kind: 'client.resync', target: { type: 'client', name: 'pk-gina' } },
      { limit: 10 },
    );
    expect(resync.items).toHaveLength(1);
    // Her topic key is kept: she reads hank (who learns her new public key from the resync, see the resync tests).
    await exchange(hank, gina, 'pk/renew', 'to gina after her new key');
    // Later commands go under her new key.
    await createTopic(c2.deps, caller, { topic: 'pk/renew-after' });
    await link('pk/renew-after', gina, 4);
  });

  it('a new C2 key (an operation) reaches every public-key client, and later commands use it', async () => {
    // Prepare
    const ivan = await device('pk-ivan');
    const before = await getC2PublicKey(c2.deps, caller);
    const publicKeyClients = (await c2.deps.store.listClients(caller.tenantId, { limit: 100 })).items.filter(
      (c) => c.mode === 'pubkey',
    ).length;

    // Act
    const started = await rotateC2Key(c2.deps, caller);
    const done = await operationFinished(c2.deps, started.operation);

    // Assess
    expect(started.c2Key).toEqual(before);
    expect(done).toMatchObject({ kind: 'c2key.rotate', status: 'succeeded', keyVersion: before.keyVersion + 1 });
    expect(done.counts.total).toBe(publicKeyClients);
    expect(done.counts.failed + done.counts.pending).toBe(0);
    const after = await getC2PublicKey(c2.deps, caller);
    expect(after.keyVersion).toBe(before.keyVersion + 1);
    expect(after.publicKey).not.toEqual(before.publicKey);
    await ivan.commandsApplied(1);
    expect(ivan.commands).toEqual(['SetC2Key']);
    await createTopic(c2.deps, caller, { topic: 'pk/after-c2' });
    await link('pk/after-c2', ivan, 2);
    expect(ivan.client.hasTopicKey('pk/after-c2')).toBe(true);
  });

  it('a C2 key the broker did not take for every client stays pending (no client is cut off); a new rotation finishes', async () => {
    // Prepare: a worker whose publisher is closed (a real fault: the broker connection is gone).
    const kate = await device('pk-kate');
    const before = await getC2PublicKey(c2.deps, caller);
    const broken = await startLocalC2();
    await broken.deps.publisher.close();
    const queue = new StepQueue();
    const brokenDeps = { ...c2.deps, publisher: broken.deps.publisher, queue };

    // Act
    const first = await rotateC2Key(brokenDeps, caller);
    await queue.drain(brokenDeps);
    await broken.close();
    const partial = (await c2.deps.operations.getOperation(caller.tenantId, first.operation.id))!;
    const pending = await getC2PublicKey(c2.deps, caller);
    const second = await rotateC2Key(c2.deps, caller);
    const finished = await operationFinished(c2.deps, second.operation);

    // Assess
    expect(partial).toMatchObject({ status: 'partial', error: { code: C2ErrorCode.DeliveryFailed } });
    expect(pending).toMatchObject({ publicKey: before.publicKey, keyVersion: before.keyVersion });
    expect(pending.pendingVersion).toBe(before.keyVersion + 1);
    expect((await c2.deps.store.getFence(caller.tenantId)).writer).toBeUndefined();
    expect(finished).toMatchObject({ status: 'succeeded', keyVersion: before.keyVersion + 1 });
    expect((await getC2PublicKey(c2.deps, caller)).keyVersion).toBe(before.keyVersion + 1);
    await kate.commandsApplied(1);
    expect(kate.commands).toEqual(['SetC2Key']);
  });

  it('a C2 key rotation cut short is resumed: the pending key is sent again and promoted', async () => {
    // Prepare: a pending key stored, as a crash after the first step leaves it.
    const jack = await device('pk-jack');
    const record = (await c2.deps.store.getC2Key(caller.tenantId))!;
    const { newC2KeyPair } = await import('../../../shared/c2/c2key/loadC2Key.js');
    const pending = await newC2KeyPair(c2.deps, caller.tenantId, record.keyVersion + 1);
    await c2.deps.store.replaceC2Key(
      { ...record, pending },
      { keyVersion: record.keyVersion, pendingVersion: undefined },
    );

    // Act
    const started = await rotateC2Key(c2.deps, caller);
    const done = await operationFinished(c2.deps, started.operation);

    // Assess
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: pending.keyVersion });
    const after = await getC2PublicKey(c2.deps, caller);
    expect(after.publicKey).toEqual(pending.publicKey);
    expect(after.pendingVersion).toBeUndefined();
    await jack.commandsApplied(1);
    expect(jack.commands).toEqual(['SetC2Key']);
  });
});
