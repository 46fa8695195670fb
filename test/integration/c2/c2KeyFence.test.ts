/**
 * A new C2 key fenced against the other fan-outs of its tenant, step by step with real public-key devices over the
 * local adapters (dynalite, keyring, aedes): the worker is driven through a StepQueue, so that a test stops between
 * steps, hands a message over again (a crash and its redelivery) or holds one back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { rotateC2Key } from '../../../shared/c2/c2key/rotateC2Key.js';
import { FenceReader } from '../../../shared/c2/c2key/tenantFence.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { resyncClient } from '../../../shared/c2/clients/resyncClient.js';
import { CommandSender } from '../../../shared/c2/delivery/CommandSender.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { handleWork } from '../../../shared/c2/operations/handleWork.js';
import type { OperationMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { bytesToHex, cmdRemoveTopic, ed25519PrivateKeyFromSeed } from '../../../shared/e4/index.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { StepQueue } from '../../support/stepQueue.js';
import { enrolDevice, exchange, type TestDevice } from '../../support/testDevice.js';

let c2: LocalC2;
const devices: TestDevice[] = [];

beforeAll(async () => {
  c2 = await startLocalC2();
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.end()));
  await c2?.close();
});

/** A tenant of its own with public-key devices on one topic; a StepQueue for its work. */
async function tenantWith(tenant: string, names: readonly string[]) {
  const caller = callerOf(tenant, 'operator');
  const queue = new StepQueue();
  const deps: C2Deps = { ...c2.deps, queue };
  const members: TestDevice[] = [];
  await createTopic(deps, caller, { topic: 'room' });
  for (const name of names) {
    const device = await enrolDevice(deps, caller, c2.mqttUrl, name, 'pubkey');
    devices.push(device);
    members.push(device);
    await linkClient(deps, caller, { topic: 'room', client: name });
    await device.mqtt.subscribe('room');
  }
  // Each gets its topic key, and a public key per peer linked after it.
  for (const [i, device] of members.entries()) await device.commandsApplied(1 + (names.length - 1 - i) + i);
  return { caller, queue, deps, members };
}

const operationOf = (deps: C2Deps, tenant: string, id: string) => deps.operations.getOperation(tenant, id);

describe('the fence of a new C2 key', () => {
  it('a topic rotation of the tenant waits while the C2 key is replaced, then goes on under the new key', async () => {
    // Prepare
    const { caller, queue, deps, members } = await tenantWith('fence-a', ['fa-1', 'fa-2', 'fa-3']);
    const before = members.map((d) => d.commands.length);
    const rotation = await rotateTopicKey(deps, caller, 'room');
    const c2Key = await rotateC2Key(deps, caller);
    const rotationMessage = queue.take();

    // Act: the C2 key rotation stops once its fence is up (no time budget), then the topic rotation is tried.
    await queue.step(deps, { budgetMs: 0 });
    const fence = await deps.store.getFence(caller.tenantId);
    await handleWork(deps, rotationMessage);
    const held = (await operationOf(deps, caller.tenantId, rotation.operation.id))!;
    const requeued = queue.work().at(-1)!;
    await queue.drain(deps);

    // Assess: the rotation's slice was refused and queued again a little later, nothing sent meanwhile.
    expect(fence.writer?.owner).toBe(`op-${c2Key.operation.id}`);
    expect(held.counts).toMatchObject({ sent: 0, pending: members.length });
    expect(requeued).toMatchObject({ message: rotationMessage, delayMs: 1_000 });
    const c2Done = (await operationOf(deps, caller.tenantId, c2Key.operation.id))!;
    const rotationDone = (await operationOf(deps, caller.tenantId, rotation.operation.id))!;
    expect(c2Done).toMatchObject({ status: 'succeeded', keyVersion: 2 });
    expect(rotationDone).toMatchObject({ status: 'succeeded', keyVersion: 2 });
    expect(rotationDone.counts).toMatchObject({ sent: members.length, failed: 0, pending: 0 });
    expect((await deps.store.getFence(caller.tenantId)).writer).toBeUndefined();
    // Every device switched its C2 key, then opened the new topic key sent under it, and reads the others.
    for (const [i, device] of members.entries()) {
      await device.commandsApplied(before[i]! + 2);
      // (then the resync the new C2 key starts once in force: the topic key, the peers' public keys again)
      expect(device.commands.slice(before[i], before[i]! + 2)).toEqual(['SetC2Key', 'SetTopicKey']);
      expect(device.errors).toEqual([]);
    }
    await exchange(members[0]!, members[2]!, 'room', 'after both rotations');
  });

  it('a C2 key rotation asked while a topic slice is being published waits for it: no command crosses a SetC2Key', async () => {
    // Prepare: a publisher that, as the slice's commands (protected under the current C2 key) are about to go out,
    // lets a C2 key rotation run first for as long as it can (the real publisher then publishes them).
    const { caller, queue, deps, members } = await tenantWith('fence-d', ['fd-1', 'fd-2']);
    const before = members.map((d) => d.commands.length);
    let c2KeyId: string | undefined;
    let during: string | undefined;
    const publisher = {
      publish: async (commands: Parameters<C2Deps['publisher']['publish']>[0]) => {
        if (!c2KeyId) {
          const rotation = await rotateC2Key(deps, caller);
          c2KeyId = rotation.operation.id;
          const message = queue.messages.findIndex(
            (m) => m.message.type === 'operation' && m.message.operationId === c2KeyId,
          );
          await handleWork(deps, queue.messages.splice(message, 1)[0]!.message, { budgetMs: 200 });
          during = (await operationOf(deps, caller.tenantId, c2KeyId))?.status;
        }
        return deps.publisher.publish(commands);
      },
      close: async () => {},
    };
    const rotation = await rotateTopicKey(deps, caller, 'room');

    // Act
    await queue.step({ ...deps, publisher });
    await queue.drain(deps);

    // Assess: the rotation waited for the slice (its fence up, nothing sent); then each device opened the topic key
    // under the old C2 key, then switched.
    expect(during).toBe('pending');
    expect(await operationOf(deps, caller.tenantId, rotation.operation.id)).toMatchObject({ status: 'succeeded' });
    expect(await operationOf(deps, caller.tenantId, c2KeyId!)).toMatchObject({ status: 'succeeded' });
    for (const [i, device] of members.entries()) {
      await device.commandsApplied(before[i]! + 2);
      expect(device.commands.slice(before[i], before[i]! + 2)).toEqual(['SetTopicKey', 'SetC2Key']);
      expect(device.errors).toEqual([]);
    }
    await exchange(members[1]!, members[0]!, 'room', 'after both');
  });

  it('the C2 key rotation does not wait for a reader that died in (its stay over), and takes it off the fence', async () => {
    // Prepare: a sender that entered and died (a Lambda timed out: it never left), its stay over.
    const { caller, queue, deps } = await tenantWith('fence-e', ['fe-1']);
    const now = deps.clock();
    await deps.store.enterFence(caller.tenantId, { reader: 'dead', now: now - 60_000, until: now - 30_000 });
    const c2Key = await rotateC2Key(deps, caller);

    // Act
    await queue.drain(deps);

    // Assess
    expect(await operationOf(deps, caller.tenantId, c2Key.operation.id)).toMatchObject({ status: 'succeeded' });
    expect((await deps.store.getFence(caller.tenantId)).readers).toEqual({});
  });

  it('a sender whose stay lapsed while the C2 key was replaced sends under the new key, not the one it had opened', async () => {
    // Prepare: a sender (its clock 40 s behind: its stay is over by the time the rotation looks) that sent to the
    // device under the first C2 key, then sat out a rotation.
    const { caller, queue, deps, members } = await tenantWith('fence-h', ['fh-1']);
    const device = members[0]!;
    let behindMs = 40_000;
    const sender = new CommandSender({ ...deps, clock: () => deps.clock() - behindMs }, caller.tenantId);
    const client = (await deps.store.getClient(caller.tenantId, device.name))!;
    let rotated: unknown;
    try {
      await sender.send([{ client, command: cmdRemoveTopic('before') }]);
      await device.commandsApplied(2);
      const c2Key = await rotateC2Key(deps, caller);
      await queue.drain(deps);
      rotated = await operationOf(deps, caller.tenantId, c2Key.operation.id);
      await expect.poll(() => device.commands.at(-1)).toBe('SetTopicKey'); // the resync of the new C2 key
      const before = device.commands.length + device.errors.length;

      // Act: the sender sends again, in a stay of its own.
      behindMs = 0;
      await sender.send([{ client, command: cmdRemoveTopic('after') }]);
      await expect.poll(() => device.commands.length + device.errors.length).toBe(before + 1);
    } finally {
      await sender.close();
    }

    // Assess: the device opened it (under the C2 key in force).
    expect(rotated).toMatchObject({ status: 'succeeded', keyVersion: 2 });
    expect(device.commands.at(-1)).toBe('RemoveTopic');
    expect(device.errors).toEqual([]);
  });

  it('a resync it cannot start (its idempotency key taken by another request) makes it partial; the others start', async () => {
    // Prepare: an API request that chose the idempotency key of the rotation's resync of one client.
    const { caller, queue, deps } = await tenantWith('fence-i', ['fi-1', 'fi-2']);
    const c2Key = await rotateC2Key(deps, caller);
    const { id } = (await deps.store.getClient(caller.tenantId, 'fi-1'))!;
    await rotateTopicKey(deps, caller, 'room', { idempotencyKey: `${c2Key.operation.id}/resync/${bytesToHex(id)}` });

    // Act
    await queue.drain(deps);

    // Assess: the key in force, the operation partial saying why; the other client's resync started.
    const done = await operationOf(deps, caller.tenantId, c2Key.operation.id);
    expect(done).toMatchObject({ status: 'partial', keyVersion: 2, error: { code: 'INVALID_INPUT' } });
    expect(done?.error?.message).toMatch(/client\.resync operation of client "fi-1" could not be started/);
    expect((await deps.store.getC2Key(caller.tenantId))?.keyVersion).toBe(2);
    const resyncs = await deps.operations.listOperations(caller.tenantId, { kind: 'client.resync' }, { limit: 10 });
    expect(resyncs.items.map((resync) => resync.target.name)).toEqual(['fi-2']);
  });

  it('no public-key client is enrolled while a new C2 key is being sent (409), symmetric ones are', async () => {
    // Prepare: the fence raised by a rotation
    const { caller, deps } = await tenantWith('fence-f', ['ff-1']);
    const now = deps.clock();
    await deps.store.raiseFence(caller.tenantId, { owner: 'op-rotation', now, until: now + 60_000 });
    const publicKey = ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(7)).publicKey;
    const enrol = (name: string, mode: 'pubkey' | 'symmetric') =>
      createClient(
        deps,
        caller,
        mode === 'pubkey' ? { name, mode, publicKey } : { name, mode, generateKey: true as const },
      );

    // Act
    const refused = await enrol('ff-late', 'pubkey').catch((error: unknown) => error);
    const symmetric = await enrol('ff-sym', 'symmetric');
    await deps.store.lowerFence(caller.tenantId, 'op-rotation');
    const after = await enrol('ff-late', 'pubkey');

    // Assess
    expect(refused).toMatchObject({ code: 'CONCURRENT_UPDATE' });
    expect(symmetric.client.name).toBe('ff-sym');
    expect(after.client.name).toBe('ff-late');
  });

  it('a resync refused by the fence gives its pass back: tried again a second later, not after a minute', async () => {
    // Prepare: the fence raised by a rotation; a resync of a public-key device asked for
    const { caller, queue, deps, members } = await tenantWith('fence-g', ['fg-1']);
    const now = deps.clock();
    await deps.store.raiseFence(caller.tenantId, { owner: 'op-rotation', now, until: now + 60_000 });
    const { operation } = await resyncClient(deps, caller, members[0]!.name);

    // Act: refused; the fence lowered; what the queue hands over next
    await queue.step(deps);
    const retried = queue.work().map((queued) => queued.delayMs);
    await deps.store.lowerFence(caller.tenantId, 'op-rotation');
    await queue.step(deps);

    // Assess
    expect(retried).toEqual([1_000]);
    expect(queue.work().map((queued) => queued.delayMs)).not.toContain(60_000);
    await queue.drain(deps);
    expect(await operationOf(deps, caller.tenantId, operation.id)).toMatchObject({ status: 'succeeded' });
  });

  it('the C2 key rotation waits for a fan-out that was in before it raised the fence', async () => {
    // Prepare: a command sender of another fan-out, in.
    const { caller, queue, deps, members } = await tenantWith('fence-b', ['fb-1']);
    const reader = new FenceReader(deps, caller.tenantId);
    await reader.enter();
    const c2Key = await rotateC2Key(deps, caller);

    // Act
    await queue.step(deps, { budgetMs: 50 });
    const waiting = (await operationOf(deps, caller.tenantId, c2Key.operation.id))!;
    const refused = await new FenceReader(deps, caller.tenantId).enter().catch((error: unknown) => error);
    await reader.leave();
    await queue.drain(deps);

    // Assess
    expect(waiting).toMatchObject({ status: 'pending' });
    expect(queue.messages).toEqual([]);
    expect(refused).toMatchObject({ code: 'CONCURRENT_UPDATE' });
    expect(await operationOf(deps, caller.tenantId, c2Key.operation.id)).toMatchObject({ status: 'succeeded' });
    await members[0]!.commandsApplied(2);
    expect(members[0]!.commands[1]).toBe('SetC2Key');
  });

  it('a crashed C2 key rotation takes its fence back when resumed; a second rotation waits for it', async () => {
    // Prepare
    const { caller, queue, deps, members } = await tenantWith('fence-c', ['fc-1', 'fc-2']);
    const first = await rotateC2Key(deps, caller);
    const second = await rotateC2Key(deps, caller);
    const firstMessage = queue.take() as OperationMessage;

    // Act: the first stops with its fence up (its continuation lost: a crash), the second is refused by the fence,
    // then the first's message is handed over again (a redelivery).
    await handleWork(deps, firstMessage, { budgetMs: 0 });
    queue.messages.splice(
      queue.messages.findIndex((m) => m.message.type === 'operation' && m.message.operationId === first.operation.id),
      1,
    );
    await queue.step(deps);
    const secondWaiting = (await operationOf(deps, caller.tenantId, second.operation.id))!;
    await handleWork(deps, firstMessage);
    const afterFirst = await deps.store.getC2Key(caller.tenantId);
    await queue.drain(deps);

    // Assess: one key after the other, each sent to every device.
    expect(secondWaiting.status).toBe('pending');
    expect(afterFirst).toMatchObject({ keyVersion: 2 });
    expect(afterFirst?.pending).toBeUndefined();
    expect(await operationOf(deps, caller.tenantId, first.operation.id)).toMatchObject({
      status: 'succeeded',
      keyVersion: 2,
    });
    expect(await operationOf(deps, caller.tenantId, second.operation.id)).toMatchObject({
      status: 'succeeded',
      keyVersion: 3,
    });
    expect((await deps.store.getFence(caller.tenantId)).writer).toBeUndefined();
    for (const device of members) {
      // Each rotation's SetC2Key, the first's resync between them.
      await expect.poll(() => device.commands.filter((command) => command === 'SetC2Key').length).toBe(2);
      expect(device.commands[2]).toBe('SetC2Key');
    }
    await exchange(members[0]!, members[1]!, 'room', 'under the third C2 key');
  });
});
