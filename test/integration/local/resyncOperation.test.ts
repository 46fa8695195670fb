/**
 * Resync as an operation, over local mode (embedded broker whose hooks report devices back and hand receipts to the
 * work queue, the worker in process) with devices on the library (E4MqttDevice: they send receipts), over real TCP and
 * HTTP: a resync sends what the device lacks and its receipts confirm it; a device that confirmed its current keys is
 * sent nothing when it comes back (counted on its control topic by a plain MQTT subscriber); the events of one return
 * make one operation; in public-key mode, devices coming back are not sent their peers' public keys again (no N x N),
 * only one that joined while they were away. The C2's and the devices' clocks are one injected clock, real time plus
 * an offset that a test moves forward instead of waiting.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../../local/startLocal.js';
import { getC2PublicKey } from '../../../shared/c2/c2key/getC2PublicKey.js';
import { RETURN_WINDOW_MS } from '../../../shared/c2/clients/acceptReturn.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { resyncClient } from '../../../shared/c2/clients/resyncClient.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import type { OperationRecord } from '../../../shared/c2/ports/OperationStore.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { bytesToHex, E4Client, randomEd25519KeyPair } from '../../../shared/e4/node/index.js';
import { linkConfirmed } from '../../support/linkConfirmed.js';
import { operationFinished } from '../../support/operationFinished.js';
import { connectDevice, type TestDevice } from '../../support/testDevice.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Milliseconds added to the real time; moved forward by the tests. */
let offset = 0;
const clock = () => Date.now() + offset;
const deviceClock = () => ({ seconds: Math.floor(clock() / 1000), nanos: 0 });

async function startC2(): Promise<LocalC2Server> {
  offset = 0;
  const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-resync-op-'));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  // Devices connect without credentials here: the broker's rules are local/deviceAccess.test.ts's.
  const server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, clock, allowAnonymousDevices: true });
  cleanups.push(() => server.close());
  return server;
}

const callerOf = (server: LocalC2Server) => ({ tenantId: server.tenantId, actor: 'operator' });

/** A device on the library with the test's clock, enrolled, connected (persistent session); its E4 client kept. */
async function enrol(server: LocalC2Server, name: string, mode: 'symmetric' | 'pubkey' = 'symmetric') {
  const caller = callerOf(server);
  let client: E4Client;
  if (mode === 'symmetric') {
    const { key } = await createClient(server.deps, caller, { name, mode, generateKey: true });
    client = await E4Client.create({ mode, key: key!, name }, { clock: deviceClock });
  } else {
    const pair = randomEd25519KeyPair();
    await createClient(server.deps, caller, { name, mode, publicKey: pair.publicKey });
    const { publicKey: c2PublicKey } = await getC2PublicKey(server.deps, caller);
    client = await E4Client.create({ mode, privateKey: pair.privateKey, c2PublicKey, name }, { clock: deviceClock });
  }
  return connect(server, client, name);
}

async function connect(server: LocalC2Server, client: E4Client, name: string): Promise<TestDevice> {
  const device = await connectDevice(client, server.mqttUrl, name);
  cleanups.push(() => device.end());
  return device;
}

/** The resync operations of the client, oldest first. */
async function resyncsOf(server: LocalC2Server, name: string): Promise<OperationRecord[]> {
  const target = { type: 'client', name } as const;
  const page = await server.deps.operations.listOperations(
    server.tenantId,
    { kind: 'client.resync', target },
    { limit: 100 },
  );
  return page.items.reverse();
}

/** Waits until every resync of the client has finished; returns them. */
async function resyncsSettled(server: LocalC2Server, name: string, atLeast = 0): Promise<OperationRecord[]> {
  for (const deadline = Date.now() + 20_000; ; ) {
    const operations = await resyncsOf(server, name);
    if (operations.length >= atLeast && operations.every((operation) => operation.finishedAt !== undefined)) {
      return operations;
    }
    if (Date.now() > deadline) throw new Error(`resyncs of ${name} still running: ${JSON.stringify(operations)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  for (const deadline = Date.now() + ms; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A plain MQTT subscriber counting what is published on the device's control topic. */
async function tap(server: LocalC2Server, device: TestDevice) {
  const topic = device.client.receivingTopic;
  const connection = await connectAsync(server.mqttUrl, { clientId: `tap-${bytesToHex(device.client.id)}` });
  cleanups.push(() => connection.endAsync());
  let count = 0;
  connection.on('message', (received) => {
    if (received === topic) count++;
  });
  await connection.subscribeAsync(topic, { qos: 1 });
  return { count: () => count };
}

describe('client.resync as an operation', () => {
  it('over the API: 202, no key; the device is sent the keys it lacks and its receipts confirm them', async () => {
    // Prepare: a device, back and settled (nothing to send: no topic yet), then on two topics (linked: its link
    // records no confirmation, the link's command has no reference).
    const server = await startC2();
    const caller = callerOf(server);
    const device = await enrol(server, 'meter');
    await resyncsSettled(server, 'meter', 1);
    for (const topic of ['plant/a', 'plant/b']) {
      await createTopic(server.deps, caller, { topic });
      await linkClient(server.deps, caller, { topic, client: 'meter' });
    }
    await device.commandsApplied(2);
    const before = device.commands.length;

    // Act
    const response = await fetch(`${server.apiUrl}/v1/clients/${bytesToHex(device.client.id)}/resync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    const answer = (await response.json()) as { client: string; operation: { id: string; kind: string } };

    // Assess: the answer names the operation (and no key); the device applied both keys and confirmed them.
    expect(response.status).toBe(202);
    expect(answer).toMatchObject({ client: 'meter', operation: { kind: 'client.resync' } });
    expect(JSON.stringify(answer)).not.toMatch(/key"/i);
    const done = await operationFinished(server.deps, { tenantId: server.tenantId, id: answer.operation.id });
    expect(done).toMatchObject({ status: 'succeeded', counts: { total: 1 } });
    expect(JSON.stringify(done)).not.toContain('wrappedKey');
    await device.commandsApplied(before + 2);
    expect(device.commands.slice(before)).toEqual(['SetTopicKey', 'SetTopicKey']);
    await until(
      async () => (await server.deps.operations.getDelivery(server.tenantId, done.id, 'meter'))?.state === 'confirmed',
      'the receipt',
    );
    // Each receipt records the key it confirms on its link (the resync's references name the topic key).
    await until(async () => {
      const links = await server.deps.store.listLinksOfClient(server.tenantId, 'meter', { limit: 10 });
      return links.items.length === 2 && links.items.every((link) => link.confirmed?.keyVersion === 1);
    }, 'both links confirmed');
  });

  it('a device back that confirmed its current keys is sent nothing; one that missed a rotation gets that key only', async () => {
    // Prepare: a device on two topics, its keys confirmed by a resync; a subscriber counting its commands.
    const server = await startC2();
    const caller = callerOf(server);
    const device = await enrol(server, 'valve');
    await resyncsSettled(server, 'valve', 1);
    for (const topic of ['line/a', 'line/b']) {
      await createTopic(server.deps, caller, { topic });
      await linkClient(server.deps, caller, { topic, client: 'valve' });
    }
    const { operation } = await resyncClient(server.deps, caller, 'valve');
    await operationFinished(server.deps, operation);
    await until(async () => {
      const links = await server.deps.store.listLinksOfClient(server.tenantId, 'valve', { limit: 10 });
      return links.items.every((link) => link.confirmed?.keyVersion === 1);
    }, 'both keys confirmed');
    const counter = await tap(server, device);
    const returnsBefore = (await resyncsOf(server, 'valve')).length;

    // Act 1: it goes away and comes back (on its persistent session).
    await device.end();
    const back = await connect(server, device.client, 'valve');
    const first = await resyncsSettled(server, 'valve', returnsBefore + 1);

    // Assess 1: one resync, which sent nothing: the device lacked nothing.
    expect(first.at(-1)).toMatchObject({ status: 'succeeded', counts: { total: 1, confirmed: 1 } });
    expect(counter.count()).toBe(0);
    expect(back.commands).toEqual([]);

    // Act 2: it goes away, one of its topics is rotated, it is back more than ten minutes later.
    await back.end();
    await operationFinished(server.deps, (await rotateTopicKey(server.deps, caller, 'line/b')).operation);
    const published = counter.count(); // the rotation's SetTopicKey (lost to the device: a new session)
    offset += 11 * 60_000;
    const again = await connect(server, device.client, 'valve');
    await resyncsSettled(server, 'valve', returnsBefore + 2);

    // Assess 2: the resync sent the rotated topic's key at a fresh second, and only that.
    await until(() => again.commands.length >= 1, 'the fresh key');
    expect(again.commands).toEqual(['SetTopicKey']);
    expect(counter.count() - published).toBe(1);
    expect(again.errors).toEqual([]);
  });

  it('the events of one return (connection, subscription) and a burst of returns of one device make one operation', async () => {
    // Prepare: the clock in the middle of a window of returns (the first key of a return names its window).
    const server = await startC2();
    offset += (RETURN_WINDOW_MS * 1.5 - (clock() % RETURN_WINDOW_MS)) % RETURN_WINDOW_MS;
    const device = await enrol(server, 'pump');
    const settled = await resyncsSettled(server, 'pump', 1);
    await device.end();

    // Act: it connects and subscribes (two events), and twenty more returns come at once, within its settling.
    const back = await connect(server, device.client, 'pump');
    const clientIdHex = bytesToHex(device.client.id);
    await server.deps.queue.enqueue(
      Array.from({ length: 20 }, () => ({
        type: 'return' as const,
        tenantId: server.tenantId,
        clientIdHex,
        at: clock(),
      })),
    );

    // Assess: one more resync, whatever the number of messages (and nothing more a moment later).
    const after = await resyncsSettled(server, 'pump', settled.length + 1);
    expect(after).toHaveLength(settled.length + 1);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await resyncsOf(server, 'pump')).toHaveLength(settled.length + 1);
    expect(back.errors).toEqual([]);
  });

  it('public-key mode: devices coming back are not sent their peers again; one away when a peer joined gets that key', async () => {
    // Prepare: four devices on one topic, their keys and peers' public keys in place and confirmed.
    const server = await startC2();
    const caller = callerOf(server);
    const names = ['pk-1', 'pk-2', 'pk-3', 'pk-4'];
    const devices = [] as TestDevice[];
    for (const name of names) devices.push(await enrol(server, name, 'pubkey'));
    await createTopic(server.deps, caller, { topic: 'mesh' });
    for (const name of names) await linkClient(server.deps, caller, { topic: 'mesh', client: name });
    for (const name of names) await resyncsSettled(server, name, 1);
    for (const name of names)
      await operationFinished(server.deps, (await resyncClient(server.deps, caller, name)).operation);
    await until(async () => {
      for (const name of names) {
        if ((await linkConfirmed(server.deps.store, server.tenantId, 'mesh', name))?.keyVersion !== 1) return false;
      }
      return true;
    }, 'every key confirmed');
    const counts = new Map<string, number>();
    for (const name of names) counts.set(name, (await resyncsOf(server, name)).length);

    // Act: every device goes away; a fifth joins the topic meanwhile; more than ten minutes later they all come back.
    for (const device of devices) await device.end();
    offset += 11 * 60_000;
    await enrol(server, 'pk-5', 'pubkey');
    await linkClient(server.deps, caller, { topic: 'mesh', client: 'pk-5' });
    offset += 11 * 60_000;
    const back: TestDevice[] = [];
    for (const [i, name] of names.entries()) back.push(await connect(server, devices[i]!.client, name));
    for (const name of names) await resyncsSettled(server, name, counts.get(name)! + 1);

    // Assess: each device got the newcomer's public key, once, and no other peer's: 4 SetPubKey, not 4 x 3 more.
    await until(() => back.every((device) => device.commands.includes('SetPubKey')), "the newcomer's key");
    const setPubKeys = back.map((device) => device.commands.filter((command) => command === 'SetPubKey').length);
    expect(setPubKeys).toEqual([1, 1, 1, 1]);
    // Their topic key they held (confirmed): not sent again.
    for (const device of back) expect(device.commands).not.toContain('SetTopicKey');
  });
});
