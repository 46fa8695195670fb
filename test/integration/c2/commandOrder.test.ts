/**
 * Command ordering with real devices over a real broker: E4 timestamps are whole seconds, so the C2 never sends one
 * device two different keys of the same slot (a topic's key, its identity key) within one second, nor a key at an
 * earlier second than the one before it. The C2's clock is injected (frozen, moved on only by the C2's own waits), so
 * changes fall in the same second on purpose and nothing waits for real time. A tap on each control topic reads the
 * timestamp (first 8 bytes, little endian) of every command as it went over the broker.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { newClientKey } from '../../../shared/c2/clients/newClientKey.js';
import { resyncClient } from '../../../shared/c2/clients/resyncClient.js';
import { nextSeconds, sameSecond } from '../../../shared/c2/delivery/keySeconds.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { unlinkClient } from '../../../shared/c2/links/unlinkClient.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { topicForId } from '../../../shared/e4/node/index.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { StepQueue } from '../../support/stepQueue.js';
import { enrolDevice, exchange, type TestDevice } from '../../support/testDevice.js';

const caller = callerOf('tenant-order', 'operator');
let c2: LocalC2;
let tap: mqtt.MqttClient;
/** Timestamps of the commands seen on each control topic, in arrival order. */
const seen = new Map<string, number[]>();
const devices: TestDevice[] = [];

beforeAll(async () => {
  c2 = await startLocalC2();
  tap = await mqtt.connectAsync(c2.mqttUrl, { clientId: 'order-tap' });
  tap.on('message', (topic, payload) => {
    seen.set(topic, [...(seen.get(topic) ?? []), Number(payload.readBigUInt64LE(0))]);
  });
});
afterAll(async () => {
  await Promise.all(devices.map((d) => d.end()));
  await tap?.endAsync();
  await c2?.close();
});

/**
 * A clock frozen one minute ago (within E4's window for the devices), at half a second; sleeping moves it on. Its
 * operations are carried out on the same clock when `done()` hands their messages to the worker.
 */
function frozenClock() {
  let now = Math.floor((Date.now() - 60_000) / 1000) * 1000 + 500;
  const queue = new StepQueue();
  const clock = {
    deps: undefined as unknown as C2Deps,
    second: () => Math.floor(now / 1000),
    advance: (ms: number) => {
      now += ms;
    },
    done: () => queue.drain(clock.deps),
  };
  clock.deps = {
    ...c2.deps,
    queue,
    clock: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
  return clock;
}

async function device(name: string, mode: 'symmetric' | 'pubkey' = 'symmetric'): Promise<TestDevice> {
  const made = await enrolDevice(c2.deps, caller, c2.mqttUrl, name, mode);
  devices.push(made);
  await tap.subscribeAsync(topicForId(made.client.id), { qos: 1 });
  return made;
}

/** The timestamps of the first `count` commands the device got, once it has applied them. */
async function stamps(member: TestDevice, count: number): Promise<number[]> {
  await member.commandsApplied(count);
  const topic = topicForId(member.client.id);
  await expect.poll(() => seen.get(topic)?.length ?? 0).toBeGreaterThanOrEqual(count);
  return seen.get(topic)!.slice(0, count);
}

const increasing = (values: number[]) => values.every((v, i) => i === 0 || v > values[i - 1]!);

describe('command ordering', () => {
  it('two rotations in the same second: the second one is stamped a later second', async () => {
    // Prepare
    const clock = frozenClock();
    const member = await device('order-rotations');
    await createTopic(clock.deps, caller, { topic: 'order/rotations' });
    await linkClient(clock.deps, caller, { topic: 'order/rotations', client: member.name });
    const start = clock.second();

    // Act
    await rotateTopicKey(clock.deps, caller, 'order/rotations');
    await clock.done();
    await rotateTopicKey(clock.deps, caller, 'order/rotations');
    await clock.done();

    // Assess: link, rotation, rotation; one second apart (the C2 waited for each), none in the future.
    expect(await stamps(member, 3)).toEqual([start, start + 1, start + 2]);
    expect(clock.second()).toBe(start + 2);
  });

  it('a resync sends the key again at its own second, without the lease; a rotation right after is a later second', async () => {
    // Prepare
    const clock = frozenClock();
    const member = await device('order-resync');
    await createTopic(clock.deps, caller, { topic: 'order/resync' });
    await linkClient(clock.deps, caller, { topic: 'order/resync', client: member.name });
    clock.advance(5000);

    // Act: a resync, then a rotation in the same second.
    await resyncClient(clock.deps, caller, member.name);
    await clock.done();
    await rotateTopicKey(clock.deps, caller, 'order/resync');
    await clock.done();

    // Assess: the same key at the same second (it cannot roll anything back), then the new key at a later one.
    const [linked, resent, rotated] = await stamps(member, 3);
    expect(resent).toBe(linked);
    expect(rotated).toBeGreaterThan(resent!);
  });

  it('a revocation: the throw-away key and the new key in two seconds, after the keys before; the leaver is removed after its key', async () => {
    // Prepare
    const clock = frozenClock();
    const [stays, leaves] = await Promise.all([device('order-stays'), device('order-leaves')]);
    await createTopic(clock.deps, caller, { topic: 'order/revoke' });
    for (const member of [stays!, leaves!]) {
      await linkClient(clock.deps, caller, { topic: 'order/revoke', client: member.name });
      await member.mqtt.subscribe('order/revoke');
    }
    clock.advance(10_000);
    const now = clock.second();

    // Act: a revocation long after the last key (no wait), then one in the same second as a rotation.
    await unlinkClient(clock.deps, caller, { topic: 'order/revoke', client: leaves!.name });
    await clock.done();
    await rotateTopicKey(clock.deps, caller, 'order/revoke');
    await clock.done();
    await linkClient(clock.deps, caller, { topic: 'order/revoke', client: leaves!.name });
    await unlinkClient(clock.deps, caller, { topic: 'order/revoke', client: leaves!.name });
    await clock.done();

    // Assess
    const remaining = await stamps(stays!, 6); // link, throw-away + new, rotation, throw-away + new
    expect(remaining.slice(1)).toEqual([now - 1, now, now + 1, now + 2, now + 3]);
    expect(increasing(remaining)).toBe(true);
    const leaver = await stamps(leaves!, 4); // link, RemoveTopic, link, RemoveTopic
    expect(leaver.slice(1)).toEqual([now - 1, now + 1, now + 2]);
    expect(increasing(leaver)).toBe(true);
    expect(clock.second()).toBe(now + 3);
    await exchange(stays!, stays!, 'order/revoke', 'on the last key');
  });

  it.each(['symmetric', 'pubkey'] as const)(
    'two new identity keys in the same second (%s): the second SetIDKey is stamped a later second',
    async (mode) => {
      // Prepare
      const clock = frozenClock();
      const member = await device(`order-identity-${mode}`, mode);
      const start = clock.second();

      // Act
      await newClientKey(clock.deps, caller, member.name);
      await clock.done();
      await newClientKey(clock.deps, caller, member.name);
      await clock.done();

      // Assess: both applied (the second under the first), a second apart.
      expect(await stamps(member, 2)).toEqual([start, start + 1]);
      expect(member.commands).toEqual(['SetIDKey', 'SetIDKey']);
      expect((await c2.deps.store.getClient(caller.tenantId, member.name))?.keySecond).toBe(start + 1);
    },
  );
});

describe('public keys', () => {
  it('a new identity key in the same second as a link: the peer gets the new public key at a later second than the old one', async () => {
    // Prepare: two public-key devices linked to a topic (the peer gets the member's public key), in one frozen second.
    const clock = frozenClock();
    const [peer, member] = await Promise.all([device('order-pk-peer', 'pubkey'), device('order-pk-member', 'pubkey')]);
    await createTopic(clock.deps, caller, { topic: 'order/pubkeys' });
    for (const one of [peer!, member!]) {
      await linkClient(clock.deps, caller, { topic: 'order/pubkeys', client: one.name });
    }
    const start = clock.second();

    // Act
    await newClientKey(clock.deps, caller, member!.name);
    await clock.done(); // the new key, then its resync (a client.resync operation: sends the new public key)

    // Assess: the peer's commands: its SetTopicKey, the old public key, the new one (a later second, so that a
    // replay of the old one is refused as stale).
    const [, oldKey, newKey] = await stamps(peer!, 3);
    expect(peer!.commands).toEqual(['SetTopicKey', 'SetPubKey', 'SetPubKey']);
    expect(oldKey).toBe(start);
    expect(newKey).toBeGreaterThan(oldKey!);
  });
});

describe('key seconds', () => {
  it('never stamps the future: a slot last used ahead of this clock (another C2 instance) is waited for', async () => {
    const clock = frozenClock();
    const now = clock.second();
    expect(await nextSeconds(clock.deps, now + 3, 2)).toEqual([now + 4, now + 5]);
    expect(clock.second()).toBe(now + 5);
    expect(await sameSecond(clock.deps, now + 7)).toBe(now + 7);
    expect(clock.second()).toBe(now + 7);
  });

  it('uses the seconds up to now when the slot was not used since, without waiting', async () => {
    const clock = frozenClock();
    const now = clock.second();
    expect(await nextSeconds(clock.deps, now - 10, 2)).toEqual([now - 1, now]);
    expect(await nextSeconds(clock.deps, undefined, 1)).toEqual([now]);
    expect(await sameSecond(clock.deps, now - 10)).toBe(now);
    expect(clock.second()).toBe(now);
  });
});
