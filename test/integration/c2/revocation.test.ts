/**
 * Revocation with real devices over a real broker (aedes), in both crypto modes: once a device is taken off a topic
 * (unlink with re-key, client deletion, client reset), the devices that remain refuse what it protects with the key
 * it knew, not only the keys that follow; the remaining devices keep talking. A hostile copy of the removed device
 * (its state taken before the removal, deaf to RemoveTopic) protects and publishes the injected messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteClient, resetClient } from '../../../shared/c2/clients/deleteClient.js';
import { resyncClient } from '../../../shared/c2/clients/resyncClient.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { unlinkClient } from '../../../shared/c2/links/unlinkClient.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { E4Client, MemoryStateStore, toBase64, utf8 } from '../../../shared/e4/node/index.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';
import { connectDevice, enrolDevice, exchange, type TestDevice } from '../../support/testDevice.js';

type Mode = 'symmetric' | 'pubkey';

const caller = callerOf('tenant-revoke', 'operator');
let c2: LocalC2;
const devices: TestDevice[] = [];

beforeAll(async () => {
  c2 = await startLocalC2();
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.end()));
  await c2?.close();
});

/** How a remaining device may refuse the injected frame (public-key mode: also for the withdrawn public key). */
const REFUSED: Record<Mode, string[]> = {
  symmetric: ['AUTHENTICATION_FAILED', 'TOPIC_KEY_NOT_FOUND'],
  pubkey: ['AUTHENTICATION_FAILED', 'TOPIC_KEY_NOT_FOUND', 'SIGNER_UNKNOWN'],
};

describe.each<Mode>(['symmetric', 'pubkey'])('revocation (%s mode)', (mode) => {
  let n = 0;
  /** Three devices on a fresh topic (and, in public-key mode, a second topic that keeps their public keys shared). */
  async function setUp(label: string) {
    const topic = `${mode}/${label}/${n++}`;
    const [stays, watcher, leaves] = await Promise.all(
      ['stays', 'watcher', 'leaves'].map((role) => device(`${mode}-${label}-${role}`, mode)),
    );
    await joinAll(topic, [stays!, watcher!, leaves!]);
    const oldKey = await topicKeyOf(topic);
    // The hostile copy: the removed device's state as it was, which ignores every later command.
    const hostile = await E4Client.load({ store: new MemoryStateStore(leaves!.client.exportState()) });
    return { topic, stays: stays!, watcher: watcher!, leaves: leaves!, oldKey, hostile };
  }

  /** The hostile copy publishes a message protected with the key it knew; what `target` made of it. */
  async function inject(hostile: E4Client, from: TestDevice, target: TestDevice, topic: string): Promise<string> {
    const text = `injected ${n++}`;
    const errorsBefore = target.errors.length;
    await from.mqtt.mqtt.publishAsync(topic, Buffer.from(hostile.protectMessage(utf8(text), topic)), { qos: 1 });
    return target.outcome(topic, text, errorsBefore);
  }

  it('after an unlink, the remaining devices refuse a message under the key the removed device knew', async () => {
    // Prepare: in public-key mode the devices also share another topic, so they keep each other's public keys and
    // only the topic key can make the difference.
    const { topic, stays, watcher, leaves, oldKey, hostile } = await setUp('unlink');
    if (mode === 'pubkey') {
      await joinAll(`${topic}/other`, [stays, watcher, leaves]);
    }
    const before = stays.commands.length;

    // Act
    const result = await unlinkClient(c2.deps, caller, { topic, client: leaves.name });
    const done = await operationFinished(c2.deps, result.operation!);
    await Promise.all([stays, watcher].map((d) => d.commandsApplied(before + 2)));

    // Assess
    expect(result.rekeyed).toBe(true);
    expect(done).toMatchObject({ status: 'succeeded', counts: { total: 2, pending: 0, failed: 0 } });
    expect(await inject(hostile, leaves, stays, topic)).toBe('AUTHENTICATION_FAILED');
    expect(holdsKey(stays, oldKey)).toBe(false);
    await exchange(stays, watcher, topic, 'still talking');
    await exchange(watcher, stays, topic, 'still talking back');
  });

  it.each([
    ['deleting', deleteClient],
    ['resetting', resetClient],
  ])('after %s the client, the remaining devices refuse a message under the key it knew', async (label, remove) => {
    // Prepare
    const { topic, stays, watcher, leaves, oldKey, hostile } = await setUp(label);
    const before = stays.commands.length;

    // Act
    const { operation } = await remove(c2.deps, caller, { name: leaves.name });
    expect(await operationFinished(c2.deps, operation)).toMatchObject({ status: 'succeeded' });
    // The removed device was told to forget its topic keys (and, public-key mode, the public keys it held).
    const resets = mode === 'pubkey' ? ['ResetTopics', 'ResetPubKeys'] : ['ResetTopics'];
    await expect.poll(() => leaves.commands.slice(-resets.length), { timeout: 10_000 }).toEqual(resets);
    // Two SetTopicKey each (and in public-key mode, RemovePubKey for the removed device).
    await Promise.all([stays, watcher].map((d) => d.commandsApplied(before + (mode === 'pubkey' ? 3 : 2))));

    // Assess
    expect(REFUSED[mode]).toContain(await inject(hostile, leaves, stays, topic));
    expect(holdsKey(stays, oldKey)).toBe(false);
    expect(holdsKey(watcher, oldKey)).toBe(false);
    await exchange(stays, watcher, topic, 'still talking');
  });

  it('a remaining device that missed the revocation (offline) and is resynced refuses the old key too', async () => {
    // Prepare: "watcher" goes offline before the unlink and comes back with its old state, on a fresh session.
    const { topic, stays, watcher, leaves, oldKey, hostile } = await setUp('offline');
    const stale = watcher.client.exportState();
    await watcher.end();
    await unlinkClient(c2.deps, caller, { topic, client: leaves.name });
    const back = await connectDevice(await E4Client.load({ store: new MemoryStateStore(stale) }), c2.mqttUrl, 'back');
    devices.push(back);
    await back.mqtt.subscribe(topic);

    // Act
    await operationFinished(c2.deps, (await resyncClient(c2.deps, caller, watcher.name)).operation);
    await back.commandsApplied(mode === 'pubkey' ? 3 : 2); // (and SetPubKey of "stays" in public-key mode)

    // Assess
    expect(holdsKey(back, oldKey)).toBe(false);
    expect(REFUSED[mode]).toContain(await inject(hostile, leaves, back, topic));
    await exchange(stays, back, topic, 'caught up');
  });

  it('a plain rotation keeps the previous key for the transition: a message in flight still opens', async () => {
    // Prepare: a message protected before the rotation, delivered after it.
    const { topic, stays, watcher } = await setUp('rotation');
    const inFlight = stays.client.protectMessage(utf8('in flight'), topic);
    const before = watcher.commands.length;

    // Act
    await rotateTopicKey(c2.deps, caller, topic);
    await watcher.commandsApplied(before + 1);
    await stays.mqtt.mqtt.publishAsync(topic, Buffer.from(inFlight), { qos: 1 });

    // Assess
    await watcher.received(topic, 'in flight');
  });
});

async function device(name: string, mode: Mode): Promise<TestDevice> {
  const made = await enrolDevice(c2.deps, caller, c2.mqttUrl, name, mode);
  devices.push(made);
  return made;
}

/** Creates the topic and links the devices; each has applied its key (and, public-key mode, its peers' keys). */
async function joinAll(topic: string, members: TestDevice[]): Promise<void> {
  await createTopic(c2.deps, caller, { topic });
  const before = members.map((m) => m.commands.length);
  for (const member of members) {
    await linkClient(c2.deps, caller, { topic, client: member.name });
    await member.mqtt.subscribe(topic);
  }
  const each = members[0]!.client.mode === 'pubkey' ? members.length : 1;
  await Promise.all(members.map((m, i) => m.commandsApplied(before[i]! + each)));
}

/** Whether the device's saved state holds the key, as its current or its previous key (e4go's state document). */
function holdsKey(member: TestDevice, key: Uint8Array): boolean {
  const { TopicKeys } = JSON.parse(new TextDecoder().decode(member.client.exportState())) as {
    TopicKeys: Record<string, string>;
  };
  const current = toBase64(key);
  const previousPrefix = toBase64(key).slice(0, 40); // 30 key bytes: the slot is key ‖ LE64(time), base64
  return Object.values(TopicKeys).some((value) => value === current || value.startsWith(previousPrefix));
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
