/**
 * Local mode resyncs a device whenever it comes back: raw MQTT.js devices (no E4MqttDevice: nothing subscribes for
 * them on reconnection) against local mode over real TCP and HTTP, each an E4Client fed what arrives on its control
 * topic. The C2's and the devices' clocks are one injected clock: real time plus an offset that a test moves forward
 * instead of waiting ten minutes. Time still passes on it, as the C2 waits for the next second before it sends a slot a
 * new key in the second of its previous one (shared/c2/delivery/keySeconds.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../../local/startLocal.js';
import { bytesToHex, E4Client, E4Error, fromBase64, utf8 } from '../../../shared/e4/node/index.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Milliseconds added to real time; moved forward by the tests, set back to 0 by each. */
let ahead = 0;
const c2Clock = () => Date.now() + ahead;
const deviceClock = () => ({ seconds: Math.floor(c2Clock() / 1000), nanos: 0 });

async function startC2(): Promise<LocalC2Server> {
  const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-resync-'));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, clock: c2Clock });
  cleanups.push(() => server.close());
  return server;
}

async function call<T>(server: LocalC2Server, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${server.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.adminKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
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
    ahead = 0;
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
    ahead += 11 * 60_000;
    const appliedBefore = alice.applied();

    // Act: alice comes back on her session, and does not subscribe.
    await alice.connect(false);

    // Assess: the queued rotation is too old for her, but a fresh copy of the current key came after it.
    await until(() => alice.applied() > appliedBefore, 'a fresh command for alice');
    expect(alice.refused()).toBeGreaterThanOrEqual(1);
    expect(reads(alice.client, bob.client, topic)).toBe(true);
  });

  it('a clean-session device back 0.3 s after leaving, inside the quiet period, ends on the current key', async () => {
    // Prepare: alice and bob (clean sessions) on a topic, each just resynced on subscribing.
    ahead = 0;
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

    // Act: alice is back 0.3 s later, well inside the quiet period of her last resync.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await alice.connect(true);

    // Assess: resynced once the quiet period is over.
    await until(() => reads(alice.client, bob.client, topic), 'alice on the current key');
  });
});
