/**
 * Local mode's embedded broker enforces what the IoT Core device policy enforces (local/deviceAccess.ts): local mode
 * over real TCP and HTTP, devices as raw MQTT.js connections with the credentials of their creation answer. That the
 * C2 still delivers commands and hears receipts through it: test/e2e/localMode.test.ts (devices with credentials).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../../local/startLocal.js';
import type { MqttCredentials } from '../../../shared/c2/clients/mqttCredentials.js';
import { bytesToHex, hashIdAlias } from '../../../shared/e4/index.js';
import { requestLocalApi } from '../../support/localApi.js';
import { operationFinished } from '../../support/operationFinished.js';

let server: LocalC2Server;
let stateDir: string;
const connections: MqttClient[] = [];

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'e4c2-access-'));
  server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0 });
});
afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.endAsync(true)));
  await server?.close();
  await rm(stateDir, { recursive: true, force: true });
});

interface Enrolled {
  readonly id: string;
  readonly mqtt: MqttCredentials;
}

async function enrol(name: string): Promise<Enrolled> {
  const { status, json } = await requestLocalApi<{ client: { id: string }; mqtt: MqttCredentials }>(
    server,
    'POST',
    '/v1/clients',
    { name, generateKey: true },
  );
  expect(status).toBe(201);
  return { id: json.client.id, mqtt: json.mqtt };
}

/** A connection as the device (client id ending with its hex id), or with the options given. */
async function connect(options: { username?: string; password?: string; clientId: string }): Promise<MqttClient> {
  const connection = await connectAsync(server.mqttUrl, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5_000,
    ...options,
  });
  connections.push(connection);
  return connection;
}

const asDevice = (device: Enrolled) =>
  connect({ clientId: `dev-${device.id}`, username: device.mqtt.username, password: device.mqtt.password });

/** The CONNACK return code of a refused connection (0 when it was accepted). */
async function connackCode(options: { username?: string; password?: string; clientId: string }): Promise<number> {
  try {
    await connect(options);
    return 0;
  } catch (error) {
    return (error as { code?: number }).code ?? -1;
  }
}

/** The granted QoS of one subscription (128: refused). */
async function granted(connection: MqttClient, filter: string): Promise<number> {
  try {
    const [grant] = await connection.subscribeAsync(filter, { qos: 1 });
    return grant!.qos;
  } catch (error) {
    // MQTT.js rejects a SUBACK that refuses every filter asked for.
    const refused = (error as { packet?: { granted?: number[] } }).packet?.granted;
    if (refused === undefined) throw error;
    return refused[0]!;
  }
}

/** Publishes at QoS 1: 'accepted' (PUBACK) or 'closed' (the broker closed the connection, MQTT 3.1.1's refusal). */
function publishOutcome(connection: MqttClient, topic: string): Promise<'accepted' | 'closed'> {
  return new Promise((resolve) => {
    connection.once('close', () => resolve('closed'));
    connection.publishAsync(topic, Buffer.from('payload'), { qos: 1 }).then(
      () => resolve('accepted'),
      () => resolve('closed'),
    );
  });
}

describe("local mode's embedded broker", () => {
  it('refuses anonymous connections, a wrong password, and a client id that is not the device', async () => {
    // Prepare
    const alice = await enrol('access-alice');
    const bob = await enrol('access-bob');

    // Act
    const anonymous = await connackCode({ clientId: 'anonymous' });
    const wrongPassword = await connackCode({
      clientId: `dev-${alice.id}`,
      username: alice.mqtt.username,
      password: bob.mqtt.password,
    });
    const othersClientId = await connackCode({
      clientId: `dev-${bob.id}`,
      username: alice.mqtt.username,
      password: alice.mqtt.password,
    });
    const otherTenant = await connackCode({
      clientId: `dev-${alice.id}`,
      username: alice.mqtt.username.replace('e4c2-local-', 'e4c2-other-'),
      password: alice.mqtt.password,
    });
    const asAlice = await connackCode({
      clientId: `dev-${alice.id}`,
      username: alice.mqtt.username,
      password: alice.mqtt.password,
    });

    // Assess
    expect(alice.mqtt.username).toBe(`e4c2-local-${bytesToHex(hashIdAlias('access-alice'))}`);
    expect(alice.mqtt.password).toMatch(/^[0-9a-f]{64}$/);
    expect([anonymous, wrongPassword, othersClientId, otherTenant]).toEqual([5, 4, 4, 4]);
    expect(asAlice).toBe(0);
  });

  it("a device subscribes to its own control topic, not to another device's nor to e4/# or #", async () => {
    // Prepare
    const alice = await enrol('sub-alice');
    const bob = await enrol('sub-bob');
    const connection = await asDevice(alice);

    // Act
    const own = await granted(connection, `e4/${alice.id}`);
    const others = await granted(connection, `e4/${bob.id}`);
    const all = await granted(connection, 'e4/#');
    const everything = await granted(connection, '#');
    const anyControl = await granted(connection, '+/+');

    // Assess
    expect(own).toBe(1);
    expect([others, all, everything, anyControl]).toEqual([128, 128, 128, 128]);
    expect(connection.connected).toBe(true);
  });

  it('a device publishing on a control topic is refused (its own or another device’s); nothing reaches the device', async () => {
    // Prepare
    const alice = await enrol('pub-alice');
    const bob = await enrol('pub-bob');
    const bobConnection = await asDevice(bob);
    await granted(bobConnection, `e4/${bob.id}`);
    const received: string[] = [];
    bobConnection.on('message', (topic) => received.push(topic));

    // Act
    const onBobs = await publishOutcome(await asDevice(alice), `e4/${bob.id}`);
    const onOwn = await publishOutcome(await asDevice(alice), `e4/${alice.id}`);

    // Assess
    expect([onBobs, onOwn]).toEqual(['closed', 'closed']);
    expect(received).toEqual([]);
  });

  it("publishes a device's receipt on its own receipt topic, not on another device's", async () => {
    // Prepare
    const alice = await enrol('receipt-alice');
    const bob = await enrol('receipt-bob');
    const connection = await asDevice(alice);

    // Act
    const own = await publishOutcome(connection, `e4/${alice.id}/receipt`);
    const stillConnected = connection.connected;
    const others = await publishOutcome(await asDevice(alice), `e4/${bob.id}/receipt`);

    // Assess
    expect(own).toBe('accepted');
    expect(stillConnected).toBe(true);
    expect(others).toBe('closed');
  });

  it("elsewhere, only its tenant's topic space: t/<tenant>/..., and the topics its tenant created", async () => {
    // Prepare
    const alice = await enrol('space-alice');
    const created = await requestLocalApi(server, 'POST', '/v1/topics', { topic: 'space/kitchen' });
    expect(created.status).toBe(201);
    const connection = await asDevice(alice);

    // Act
    const tenantTopic = await granted(connection, 'space/kitchen');
    const tenantPrefix = await granted(connection, 't/local/#');
    const unknownTopic = await granted(connection, 'space/garage');
    const otherPrefix = await granted(connection, 't/other/#');
    const wildcard = await granted(connection, 'space/+');
    const published = await publishOutcome(connection, 'space/kitchen');
    const publishedUnknown = await publishOutcome(await asDevice(alice), 'space/garage');

    // Assess
    expect([tenantTopic, tenantPrefix]).toEqual([1, 1]);
    expect([unknownTopic, otherPrefix, wildcard]).toEqual([128, 128, 128]);
    expect([published, publishedUnknown]).toEqual(['accepted', 'closed']);
  });

  it('re-issued credentials replace the old password; a deleted client has none', async () => {
    // Prepare
    const alice = await enrol('reissue-alice');

    // Act
    const reissued = await requestLocalApi<MqttCredentials>(server, 'POST', `/v1/clients/${alice.id}/mqtt-credentials`);
    const withOld = await connackCode({ clientId: `dev-${alice.id}`, ...alice.mqtt });
    const withNew = await connackCode({ clientId: `dev-${alice.id}`, ...reissued.json });
    const removal = await requestLocalApi<{ operation: { id: string } }>(server, 'DELETE', `/v1/clients/${alice.id}`);
    await operationFinished(server.deps, { tenantId: 'local', id: removal.json.operation.id });
    const afterDeletion = await connackCode({ clientId: `dev-${alice.id}`, ...reissued.json });
    const reissueDeleted = await requestLocalApi(server, 'POST', `/v1/clients/${alice.id}/mqtt-credentials`);

    // Assess
    expect(reissued.status).toBe(200);
    expect(reissued.json.username).toBe(alice.mqtt.username);
    expect(reissued.json.password).not.toBe(alice.mqtt.password);
    expect([withOld, withNew, afterDeletion]).toEqual([4, 0, 4]);
    expect(reissueDeleted.status).toBe(404);
  });
});

describe('--allow-anonymous-devices', () => {
  it('lets anonymous devices connect and subscribe, but not publish on a control topic', async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), 'e4c2-anonymous-'));
    const open = await startLocal({ stateDir: dir, httpPort: 0, mqttPort: 0, allowAnonymousDevices: true });
    try {
      const id = bytesToHex(hashIdAlias('anyone'));
      const device = await connectAsync(open.mqttUrl, { clientId: 'anonymous', reconnectPeriod: 0 });
      connections.push(device);

      // Act
      const subscribed = await granted(device, `e4/${id}`);
      const receipt = await publishOutcome(device, `e4/${id}/receipt`);
      const control = await publishOutcome(device, `e4/${id}`);

      // Assess
      expect(subscribed).toBe(1);
      expect(receipt).toBe('accepted');
      expect(control).toBe('closed');
    } finally {
      await open.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
