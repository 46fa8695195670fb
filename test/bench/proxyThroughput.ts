/**
 * Messages per second through a local protection proxy against the same messages sent directly to the broker, at
 * 64 B and 1 KiB, all in this process: an embedded aedes as the broker; a plain MQTT.js publisher (the legacy
 * application) sending QoS 1 messages, 100 in flight, to the proxy (protected on the way) or to the broker; a
 * receiver (the device library when through the proxy, a plain client when direct) counting them. A run is the time
 * from the first publication until the receiver has all of them; the median of the runs is reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { parseProxyConfig } from '../../proxy/config/parseProxyConfig.js';
import { ProtectionProxy } from '../../proxy/ProtectionProxy.js';
import { ProxyLog } from '../../proxy/ProxyLog.js';
import { E4MqttDevice } from '../../shared/e4/mqtt/index.js';
import { cmdSetTopicKey, FileStateStore, nodeEngine, randomKey } from '../../shared/e4/node/index.js';
import { startAedes } from '../support/brokers.js';
import { sendCommand, symmetricDevice } from './fixtures.js';
import { median } from './measure.js';

export interface ProxyRow {
  readonly path: 'direct' | 'proxy';
  readonly bytes: number;
  readonly msgPerSec: number;
  readonly runs: number[];
}

const TOPIC = 'bench/proxy';
const IN_FLIGHT = 100;

/** Publishes `count` messages (QoS 1, `IN_FLIGHT` at a time) and resolves once `received()` reached the count. */
async function timedRun(publisher: MqttClient, bytes: number, count: number, received: () => number): Promise<number> {
  const payload = Buffer.alloc(bytes, 7);
  const start = received();
  const t0 = performance.now();
  for (let sent = 0; sent < count; sent += IN_FLIGHT) {
    const batch = Math.min(IN_FLIGHT, count - sent);
    await Promise.all(Array.from({ length: batch }, () => publisher.publishAsync(TOPIC, payload, { qos: 1 })));
  }
  while (received() - start < count) await new Promise((resolve) => setImmediate(resolve));
  return count / ((performance.now() - t0) / 1000);
}

export async function proxyThroughput(count: number, runs: number): Promise<ProxyRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'e4c2-bench-proxy-'));
  const broker = await startAedes();
  const identity = await symmetricDevice('bench-proxy', nodeEngine, new FileStateStore(join(dir, 'proxy.json')));
  const peer = await symmetricDevice('bench-peer', nodeEngine);
  const topicKey = randomKey();
  for (const device of [identity, peer]) await sendCommand(device, cmdSetTopicKey(topicKey.slice(), TOPIC), nodeEngine);
  const config = parseProxyConfig(
    JSON.stringify({
      listen: { port: 0 },
      upstream: { url: broker.url },
      identity: { state: 'proxy.json' },
      topics: { protect: ['bench/#'] },
      metrics: { intervalSeconds: 3600 },
    }),
    'bench.json',
    'local',
    dir,
  );
  const proxy = await ProtectionProxy.start({
    mode: 'local',
    config,
    identities: [{ name: 'bench-proxy', state: join(dir, 'proxy.json'), client: identity.client }],
    log: new ProxyLog(() => {}),
  });
  let viaProxy = 0;
  const receiver = await E4MqttDevice.connect(peer.client, broker.url, { on: { message: () => viaProxy++ } });
  await receiver.subscribe(TOPIC, 1);
  let direct = 0;
  const plain = await connectAsync(broker.url);
  plain.on('message', () => direct++);
  const toProxy = await connectAsync(`mqtt://127.0.0.1:${proxy.address.port}`);
  const toBroker = await connectAsync(broker.url);
  const rows: ProxyRow[] = [];
  try {
    for (const bytes of [64, 1024]) {
      await plain.subscribeAsync(TOPIC, { qos: 1 });
      const directRuns = [];
      for (let i = 0; i < runs; i++) directRuns.push(await timedRun(toBroker, bytes, count, () => direct));
      await plain.unsubscribeAsync(TOPIC);
      const proxyRuns = [];
      for (let i = 0; i < runs; i++) proxyRuns.push(await timedRun(toProxy, bytes, count, () => viaProxy));
      for (const [path, values] of [
        ['direct', directRuns],
        ['proxy', proxyRuns],
      ] as const) {
        rows.push({ path, bytes, msgPerSec: median(values), runs: values.map(Math.round).sort((a, b) => a - b) });
      }
    }
  } finally {
    await Promise.all([toProxy.endAsync(true), toBroker.endAsync(true), plain.endAsync(true), receiver.end(true)]);
    await proxy.stop();
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
