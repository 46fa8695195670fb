/**
 * The proxy in process (ProtectionProxy over an aedes upstream, identities made by the device library, MQTT.js as
 * the downstream clients), for what the subprocess tests do not cover: a gateway mapping devices by MQTT client id;
 * the `drop` policy (acknowledged, counted, never sent upstream); a persistent downstream session that gets what
 * came while it was away; the counters.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProxyConfig } from '../../proxy/config/parseProxyConfig.js';
import { ProtectionProxy } from '../../proxy/ProtectionProxy.js';
import { ProxyLog } from '../../proxy/ProxyLog.js';
import { E4MqttDevice } from '../../shared/e4/mqtt/index.js';
import { cmdSetTopicKey, E4Client, FileStateStore, protectCommand, randomKey } from '../../shared/e4/node/index.js';
import { type RunningBroker, startAedes } from '../support/brokers.js';

const TOPIC = 'site/a';

/** A device with the topic's key, given as the C2 gives it: a protected command on its control topic. */
async function deviceWithKey(name: string, topicKey: Uint8Array, store?: FileStateStore): Promise<E4Client> {
  const key = randomKey();
  const client = await E4Client.create({ mode: 'symmetric', name, key }, store ? { store } : {});
  const result = client.unprotect(protectCommand(cmdSetTopicKey(topicKey.slice(), TOPIC), key), client.receivingTopic);
  if (result.kind === 'command') await result.saved;
  return client;
}

describe('ProtectionProxy (gateway, in process)', () => {
  let dir: string;
  let upstream: RunningBroker;
  let proxy: ProtectionProxy;
  let peer: E4MqttDevice;
  let spy: MqttClient;
  const clients: MqttClient[] = [];
  const crossed: { topic: string; payload: Buffer }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e4c2-proxy-inproc-'));
    upstream = await startAedes();
    const topicKey = randomKey();
    const identities = [];
    for (const name of ['dev-a', 'dev-b']) {
      const state = join(dir, `${name}.json`);
      identities.push({ name, state, client: await deviceWithKey(name, topicKey, new FileStateStore(state)) });
    }
    const config = parseProxyConfig(
      JSON.stringify({
        listen: { port: 0 },
        upstream: { url: upstream.url },
        devices: { folder: '.' }, // mapBy clientId by default
        topics: { protect: ['site/#'], unconfigured: 'drop' },
      }),
      'gateway.json',
      'gateway',
      dir,
    );
    proxy = await ProtectionProxy.start({ mode: 'gateway', config, identities, log: new ProxyLog(() => {}) });
    peer = await E4MqttDevice.connect(await deviceWithKey('peer', topicKey), upstream.url);
    spy = await connectAsync(upstream.url);
    spy.on('message', (topic, payload) => crossed.push({ topic, payload }));
    await spy.subscribeAsync('#');
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync(true);
    await peer?.end(true);
    await spy?.endAsync(true);
    await proxy?.stop();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const downstream = async (clientId: string, clean = true) => {
    const client = await connectAsync(`mqtt://127.0.0.1:${proxy.address.port}`, {
      clientId,
      clean,
      reconnectPeriod: 0,
    });
    clients.push(client);
    return client;
  };
  const until = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  it('maps devices by client id; refuses any other client id (CONNACK 5)', async () => {
    await downstream('dev-a');
    await expect(downstream('stranger')).rejects.toMatchObject({ code: 5 });
    expect(proxy.metrics.get('refused')).toBe(1);
  });

  it('drops unconfigured topics (policy drop): acknowledged, counted, never upstream', async () => {
    const a = await downstream('dev-a');
    await a.publishAsync('elsewhere', 'dropped', { qos: 1 });
    expect(proxy.metrics.get('dropped')).toBe(1);
    await a.publishAsync(TOPIC, 'protected', { qos: 1 });
    await until(() => crossed.some((m) => m.topic === TOPIC), 'the protected message upstream');
    expect(crossed.some((m) => m.topic === 'elsewhere')).toBe(false);
    expect(crossed.find((m) => m.topic === TOPIC)!.payload.includes('protected')).toBe(false);
  });

  it('queues for a persistent downstream session what came while it was away', async () => {
    const b = await downstream('dev-b', false);
    await b.subscribeAsync(TOPIC, { qos: 1 });
    await b.endAsync();
    await peer.publish(TOPIC, 'while away', { qos: 1 });
    await until(() => proxy.metrics.get('unprotected') >= 1, 'unprotected by the proxy');
    // Listening before the connection: the queued message comes right after the CONNACK.
    const back = connect(`mqtt://127.0.0.1:${proxy.address.port}`, {
      clientId: 'dev-b',
      clean: false,
      reconnectPeriod: 0,
    });
    clients.push(back);
    const received: string[] = [];
    back.on('message', (_topic, payload) => received.push(payload.toString()));
    await until(() => received.includes('while away'), 'the queued message');
  });
});
