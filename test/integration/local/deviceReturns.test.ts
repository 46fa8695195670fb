/**
 * Local mode resyncs a device whenever it comes back: raw MQTT.js devices (no E4MqttDevice: nothing subscribes for
 * them on reconnection) against local mode over real TCP and HTTP, each an E4Client fed what arrives on its control
 * topic. The C2's and the devices' clocks are one injected clock, real time plus an offset that the tests move
 * forward instead of waiting ten minutes (the C2 waits for its clock to reach a command's second: it must run).
 * Also: a device away during two rotations.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../../local/startLocal.js';
import { withTopicLease } from '../../../shared/c2/topics/withTopicLease.js';
import { bytesToHex, E4Client, E4Error, fromBase64, utf8 } from '../../../shared/e4/node/index.js';
import { callLocalApi } from '../../support/localApi.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Milliseconds added to the real time; moved forward by the tests. */
let offset = 0;
const c2Clock = () => Date.now() + offset;
const deviceClock = () => ({ seconds: Math.floor(c2Clock() / 1000), nanos: 0 });

async function startC2(): Promise<LocalC2Server> {
  const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-resync-'));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  // Devices connect without credentials here: the broker's rules are local/deviceAccess.test.ts's.
  const server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, clock: c2Clock, allowAnonymousDevices: true });
  cleanups.push(() => server.close());
  return server;
}

async function call<T>(server: LocalC2Server, method: string, path: string, body?: unknown): Promise<T> {
  const response = await callLocalApi(server, method, path, body);
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** An enrolled device whose MQTT connection the test opens and closes; it counts the commands it applied. */
async function enrol(server: LocalC2Server, name: string, clean: boolean) {
  const created = await call<{ key: string }>(server, 'POST', '/v1/clients', { name, generateKey: true });
  const client = await E4Client.create(
    { mode: 'symmetric', key: fromBase64(created.key)!, name },
    { clock: deviceClock },
  );
  const id = bytesToHex(client.id);
  let applied = 0;
  let refused = 0;
  let connection: MqttClient | undefined;
  const device = {
    client,
    id,
    applied: () => applied,
    refused: () => refused,
    /** Connects; subscribes to the control topic only if asked (a resumed session keeps its subscription). */
    connect: async (subscribe: boolean) => {
      connection = await connectAsync(server.mqttUrl, { clientId: `raw-${name}`, clean, reconnectPeriod: 0 });
      connection.on('message', (topic, payload) => {
        try {
          if (client.unprotect(payload, topic).kind === 'command') applied++;
        } catch {
          refused++;
        }
      });
      if (subscribe) await connection.subscribeAsync(client.receivingTopic, { qos: 1 });
    },
    leave: async () => {
      await connection?.endAsync();
      connection = undefined;
    },
  };
  cleanups.push(() => device.leave());
  return device;
}

async function until(condition: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether `reader` opens a message `writer` protects now on the topic (they hold the same current key). */
function reads(reader: E4Client, writer: E4Client, topic: string): boolean {
  const message = writer.protectMessage(utf8('ping'), topic);
  try {
    return reader.unprotect(message, topic).kind === 'message';
  } catch (error) {
    if (error instanceof E4Error) return false;
    throw error;
  }
}

describe('local mode resyncs a device that comes back', () => {
  it('on connection with a resumed persistent session, without SUBSCRIBE, after more than ten minutes away', async () => {
    // Prepare: alice (persistent session) and bob (clean) on a topic; alice leaves, the topic is rotated.
    offset = 0;
    const server = await startC2();
    const topic = 'home/kitchen';
    const { hash } = await call<{ hash: string }>(server, 'POST', '/v1/topics', { topic });
    const alice = await enrol(server, 'alice', false);
    const bob = await enrol(server, 'bob', true);
    await alice.connect(true);
    await bob.connect(true);
    for (const device of [alice, bob]) await call(server, 'PUT', `/v1/topics/${hash}/clients/${device.id}`);
    await until(() => alice.client.hasTopicKey(topic) && bob.client.hasTopicKey(topic), 'the topic keys');
    await alice.leave();
    await call(server, 'POST', `/v1/topics/${hash}/rotate`); // queued by the broker for alice
    await until(() => bob.applied() === 2, "bob's new key");
    offset += 11 * 60_000;
    const appliedBefore = alice.applied();

    // Act: alice comes back on her session, and does not subscribe.
    await alice.connect(false);

    // Assess: the queued rotation is too old for her, but a fresh copy of the current key came after it.
    await until(() => alice.applied() > appliedBefore, 'a fresh command for alice');
    expect(alice.refused()).toBeGreaterThanOrEqual(1);
    expect(reads(alice.client, bob.client, topic)).toBe(true);
  });

  it('a clean-session device back 0.3 s after its last resync ends on the current key', async () => {
    // Prepare: alice and bob (clean sessions) on a topic, each just resynced on subscribing.
    offset = 0;
    const server = await startC2();
    const topic = 'home/hall';
    const { hash } = await call<{ hash: string }>(server, 'POST', '/v1/topics', { topic });
    const alice = await enrol(server, 'alice', true);
    const bob = await enrol(server, 'bob', true);
    for (const device of [alice, bob]) await call(server, 'PUT', `/v1/topics/${hash}/clients/${device.id}`);
    await alice.connect(true);
    await bob.connect(true);
    await until(() => alice.client.hasTopicKey(topic) && bob.client.hasTopicKey(topic), 'the topic keys');
    await alice.leave();
    await call(server, 'POST', `/v1/topics/${hash}/rotate`); // lost for alice: no session
    await until(() => reads(bob.client, bob.client, topic) && !reads(alice.client, bob.client, topic), 'the rotation');

    // Act: alice is back 0.3 s later, inside the ten minutes of her first return.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await alice.connect(true);

    // Assess: resynced again (her first return's resync had started: a new one).
    await until(() => reads(alice.client, bob.client, topic), 'alice on the current key');
  });

  it('a device whose topic is busy with another change gets its key once the change is over', async () => {
    // Prepare: alice on a topic (linked while away); another change holds the topic's lease (a real holder).
    offset = 0;
    const server = await startC2();
    const topic = 'home/busy';
    const { hash } = await call<{ hash: string }>(server, 'POST', '/v1/topics', { topic });
    const alice = await enrol(server, 'alice', true);
    await call(server, 'PUT', `/v1/topics/${hash}/clients/${alice.id}`);
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = () => {};
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    const change = withTopicLease(server.deps, server.tenantId, topic, async () => {
      held();
      await released;
    });
    await holding;

    // Act: alice is back while the topic is busy (longer than the resync's settling); the change ends later.
    await alice.connect(true);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const whileBusy = alice.client.hasTopicKey(topic);
    release();
    await change;

    // Assess: nothing was sent while the topic was busy (the resync did not wait for it); the key came after.
    expect(whileBusy).toBe(false);
    await until(() => alice.client.hasTopicKey(topic), "alice's key");
  });
});

// A device away during two rotations, more than ten minutes, ends on the current key when it comes back, without
// anyone asking for a resync: with a persistent session (the broker keeps both rotations for it, too old by then,
// and it does not subscribe again) and with a clean session (it missed both, and subscribes again).
describe.each([
  { session: 'persistent', clean: false },
  { session: 'clean', clean: true },
])('a device away during two rotations, $session session', ({ clean }) => {
  it('has the current key after more than ten minutes away, without a resync asked', async () => {
    // Prepare: alice (the session under test) and bob (always there) on a topic.
    offset = 0;
    const server = await startC2();
    const topic = 'home/garage';
    const { hash } = await call<{ hash: string }>(server, 'POST', '/v1/topics', { topic });
    const alice = await enrol(server, 'alice', clean);
    const bob = await enrol(server, 'bob', true);
    await alice.connect(true);
    await bob.connect(true);
    for (const device of [alice, bob]) await call(server, 'PUT', `/v1/topics/${hash}/clients/${device.id}`);
    await until(() => reads(alice.client, bob.client, topic) && reads(bob.client, alice.client, topic), 'the key');

    // Act: alice leaves; two rotations, a few minutes apart; she is back more than ten minutes after the first.
    await alice.leave();
    for (const minutes of [1, 6]) {
      offset += minutes * 60_000;
      const bobBefore = bob.applied();
      const { operation } = await call<{ operation: { id: string } }>(server, 'POST', `/v1/topics/${hash}/rotate`);
      await waitOperation(server, operation.id);
      await until(() => bob.applied() > bobBefore, "bob's new key");
    }
    expect(reads(alice.client, bob.client, topic)).toBe(false);
    offset += 11 * 60_000;
    const appliedBefore = alice.applied();
    await alice.connect(clean);

    // Assess: a fresh copy of the current key reached her; she and bob read each other; the topic is at version 3.
    await until(() => alice.applied() > appliedBefore && reads(alice.client, bob.client, topic), 'alice on the key');
    expect(reads(bob.client, alice.client, topic)).toBe(true);
    const topicView = await call<{ keyVersion: number }>(server, 'GET', `/v1/topics/${hash}`);
    expect(topicView.keyVersion).toBe(3);
    // With a persistent session the broker handed her both rotations: too old by then, refused.
    if (!clean) expect(alice.refused()).toBeGreaterThanOrEqual(2);
  });
});

/** Waits for an operation to finish; it must have succeeded. */
async function waitOperation(server: LocalC2Server, id: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const view = await call<{ status: string; finishedAt?: string }>(server, 'GET', `/v1/operations/${id}`);
    if (view.finishedAt !== undefined) {
      expect(view.status).toBe('succeeded');
      return;
    }
    if (Date.now() > deadline) throw new Error(`operation ${id} still ${view.status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
