/**
 * `e4c2 proxy local` as operators run it, against local mode (its embedded broker upstream, anonymous connections
 * allowed so that a raw MQTT client can watch what crosses it): the proxy's identity and a peer device enrolled with
 * `e4c2 device enrol`, mosquitto_pub / mosquitto_sub as the legacy application talking to the proxy in clear, the
 * peer on the TypeScript library. Messages pass both ways as ciphertext upstream; a message that fails to unprotect
 * and a topic outside the configuration are refused and counted; a topic key rotated while traffic flows loses
 * nothing once the rotation is confirmed; a restarted proxy keeps its identity and keys.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../local/startLocal.js';
import { E4MqttDevice } from '../../shared/e4/mqtt/index.js';
import { bytesToHex, decodeState, E4Client, FileStateStore, hashTopic } from '../../shared/e4/node/index.js';
import { e4c2 } from '../support/cliRun.js';
import { freePort } from '../support/freePort.js';
import { operationFinishedOverHttp } from '../support/operationFinishedOverHttp.js';
import { runProcess, stopProcesses } from '../support/processes.js';
import { MOSQUITTO_CLIENTS_MISSING, type ProxyRun, startProxyProcess, writeProxyConfig } from '../support/proxyRun.js';
import { recordSecret } from '../support/recordedSecrets.js';
import { serverMissing } from '../support/serverMissing.js';

const TEMP = 'plant/temp'; // out: the legacy application publishes, the peer reads
const CMD = 'plant/cmd'; // in: the peer publishes, the legacy application reads

describe.skipIf(serverMissing(MOSQUITTO_CLIENTS_MISSING))('e4c2 proxy local', () => {
  let server: LocalC2Server;
  let stateDir: string;
  let dir: string;
  let env: Record<string, string>;
  let config: string;
  let port: number;
  let proxy: ProxyRun;
  let peer: E4MqttDevice;
  let spy: MqttClient;
  const peerReceived: string[] = [];
  const upstream: { topic: string; payload: Buffer }[] = [];

  // biome-ignore lint/suspicious/noExplicitAny: the API's answers, read by the assertions
  async function http(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${server.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${env.E4C2_API_KEY}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: await response.json().catch(() => undefined) };
  }

  const pub = (topic: string, message: string) =>
    runProcess('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-m', message, '-q', '1']);

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'e4c2-proxy-state-'));
    dir = await mkdtemp(join(tmpdir(), 'e4c2-proxy-'));
    server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, allowAnonymousDevices: true });
    recordSecret(server.adminKey!);
    env = { E4C2_API_URL: server.apiUrl, E4C2_API_KEY: server.adminKey!, E4C2_CONFIG: join(dir, 'config.json') };
    for (const name of ['legacy', 'peer']) {
      expect((await e4c2(['device', 'enrol', name, '--state', join(dir, `${name}.json`)], env)).code).toBe(0);
      const enrolment = JSON.parse(await readFile(join(dir, `${name}.enrolment.json`), 'utf8'));
      recordSecret(enrolment.mqtt.password);
    }
    const ids = await Promise.all(
      ['legacy', 'peer'].map(async (name) => E4Client.load({ store: new FileStateStore(join(dir, `${name}.json`)) })),
    );
    for (const topic of [TEMP, CMD]) {
      expect((await http('POST', '/v1/topics', { topic })).status).toBe(201);
      for (const client of ids) {
        const path = `/v1/topics/${bytesToHex(hashTopic(topic))}/clients/${bytesToHex(client.id)}`;
        expect((await http('PUT', path)).status).toBe(200);
      }
    }

    port = await freePort();
    config = await writeProxyConfig(join(dir, 'proxy.yaml'), {
      listen: { port },
      upstream: { url: server.mqttUrl },
      identity: { state: 'legacy.json' }, // relative to the configuration's folder; its enrolment gives the login
      topics: { protect: ['plant/+'], unconfigured: 'refuse' },
      metrics: { intervalSeconds: 1 },
    });
    proxy = await startProxyProcess('local', config);
    // The C2 sends the identity its keys when it subscribes to its control topic.
    await proxy.line((line) => line.event === 'command' && line.command === 'SetTopicKey');

    const peerClient = ids[1]!;
    const login = JSON.parse(await readFile(join(dir, 'peer.enrolment.json'), 'utf8')).mqtt;
    peer = await E4MqttDevice.connect(peerClient, server.mqttUrl, {
      mqtt: { clientId: `e4-${bytesToHex(peerClient.id)}`, ...login },
      on: { message: (_topic, payload) => peerReceived.push(Buffer.from(payload).toString()) },
    });
    await peer.ready(TEMP, { timeoutMs: 10_000 });
    await peer.ready(CMD, { timeoutMs: 10_000 });
    await peer.subscribe(TEMP);
    spy = await connectAsync(server.mqttUrl, { clientId: 'spy' }); // anonymous: it may watch any topic
    spy.on('message', (topic, payload) => upstream.push({ topic, payload }));
    await spy.subscribeAsync('plant/#', { qos: 1 });
  }, 90_000);

  afterAll(async () => {
    stopProcesses();
    await peer?.end(true);
    await spy?.endAsync(true);
    await server?.close();
    for (const folder of [stateDir, dir]) if (folder) await rm(folder, { recursive: true, force: true });
  });

  const until = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  it('protects what mosquitto_pub sends, unprotects what the peer sends to mosquitto_sub: ciphertext upstream', {
    timeout: 60_000,
  }, async () => {
    // Out: mosquitto_pub → proxy → broker (protected) → peer.
    expect(await pub(TEMP, 'temp=21.5').exited).toBe(0);
    await until(() => peerReceived.includes('temp=21.5'), 'the peer reads the message');
    const out = upstream.find((message) => message.topic === TEMP);
    expect(out).toBeDefined();
    expect(out!.payload.includes('temp=21.5')).toBe(false);
    expect(out!.payload.length).toBeGreaterThan('temp=21.5'.length + 16); // timestamp and SIV tag

    // In: the peer publishes; a forged message on the same topic (not protected) is dropped and counted.
    const sub = runProcess('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', CMD, '-q', '1', '-C', '1']);
    await proxy.line((line) => line.event === 'subscribed' && line.topic === CMD);
    await spy.publishAsync(CMD, 'open valve (forged, in clear)', { qos: 1 });
    await proxy.line((line) => line.event === 'unprotect failed' && line.topic === CMD);
    await peer.publish(CMD, 'open valve', { qos: 1 });
    expect(await sub.exited).toBe(0);
    expect(sub.stdout()).toBe('open valve\n');
    const inbound = upstream.filter((message) => message.topic === CMD);
    expect(inbound.some((message) => message.payload.includes('open valve'))).toBe(true); // the forged one only
    expect(inbound.filter((message) => !message.payload.includes('open valve')).length).toBe(1);

    const counts = await proxy.counts((c) => c.failed! >= 1 && c.unprotected! >= 1 && c.protected! >= 1);
    expect(counts).toMatchObject({ failed: 1, clear: 0 });
  });

  it('refuses topics outside its configuration (policy refuse): SUBACK failure, PUBLISH closes the connection', {
    timeout: 60_000,
  }, async () => {
    const refusedBefore = (await proxy.counts(() => true)).refused ?? 0;
    const sub = runProcess('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', 'elsewhere', '-W', '5']);
    expect(await sub.exited).toBe(0); // mosquitto_sub ends when every subscription is refused
    expect(sub.stderr()).toContain('All subscription requests were denied.');
    const published = pub('elsewhere', 'secret in clear');
    expect(await published.exited).not.toBe(0);
    await proxy.counts((c) => c.refused! >= refusedBefore + 2);
    expect(upstream.some((message) => message.payload.includes('secret in clear'))).toBe(false);
    expect(proxy.process.stderr()).not.toContain('secret in clear'); // no payload in the logs
  });

  it('loses nothing once a rotation of both topic keys is confirmed while traffic flows both ways', {
    timeout: 90_000,
  }, async () => {
    const legacyIn: string[] = [];
    const sub = runProcess('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-t', CMD, '-q', '1']);
    sub.child.stdout.on('data', (chunk: Buffer) => legacyIn.push(...chunk.toString().split('\n').filter(Boolean)));
    // The first test's mosquitto_sub subscribed once already.
    await until(() => proxy.lines().filter((l) => l.event === 'subscribed' && l.topic === CMD).length >= 2, 'sub');
    const pubLines = runProcess('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', TEMP, '-q', '1', '-l']);
    const sentOut: string[] = [];
    const sentIn: string[] = [];
    let n = 0;
    let flowing = true;
    const traffic = (async () => {
      while (flowing) {
        n++;
        sentOut.push(`out-${n}`);
        pubLines.child.stdin.write(`out-${n}\n`);
        sentIn.push(`in-${n}`);
        await peer.publish(CMD, `in-${n}`, { qos: 1 }).catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 40));
      }
    })();

    await until(() => peerReceived.includes('out-3') && legacyIn.includes('in-3'), 'traffic flows before');
    for (const topic of [TEMP, CMD]) {
      const rotated = await http('POST', `/v1/topics/${bytesToHex(hashTopic(topic))}/rotate`);
      expect(rotated.status).toBe(202);
      const id = rotated.json.operation.id;
      const operation = await operationFinishedOverHttp(async (path) => http('GET', path), id, 30_000);
      expect(operation.status).toBe('succeeded');
      // Confirmed: both devices' receipts reached the C2.
      await until(async () => (await http('GET', `/v1/operations/${id}`)).json.counts.confirmed === 2, 'confirmed');
    }
    const confirmedAt = n; // both rotations confirmed: from here on, nothing may be lost
    await until(() => n >= confirmedAt + 10, 'traffic flows after');
    flowing = false;
    await traffic;
    const last = n;
    await until(
      () => peerReceived.includes(`out-${last}`) && legacyIn.includes(`in-${last}`),
      'the last messages arrive',
    );
    for (let i = confirmedAt + 1; i <= last; i++) {
      expect(peerReceived).toContain(`out-${i}`);
      expect(legacyIn).toContain(`in-${i}`);
    }
    // Nothing garbled: every message read is one that was sent.
    expect(peerReceived.filter((text) => text.startsWith('out-')).every((text) => sentOut.includes(text))).toBe(true);
    expect(legacyIn.every((text) => sentIn.includes(text))).toBe(true);
    pubLines.child.stdin.end();
    expect(await pubLines.exited).toBe(0);
    sub.child.kill('SIGTERM');
    await sub.exited;
  });

  it('stops cleanly on SIGTERM (state saved, counters logged) and restarts with its identity and keys', {
    timeout: 60_000,
  }, async () => {
    expect(await proxy.stop()).toBe(0);
    expect(proxy.lines().some((line) => line.event === 'stopped')).toBe(true);
    const state = decodeState(new Uint8Array(await readFile(join(dir, 'legacy.json'))));
    expect(state.topicKeys.filter(([, key]) => key.length === 32)).toHaveLength(2);

    proxy = await startProxyProcess('local', config);
    const ready = await proxy.line((line) => line.event === 'identity ready');
    expect(ready.topics).toBeGreaterThanOrEqual(2); // current keys (and the previous ones, for an hour)
    expect(await pub(TEMP, 'after restart').exited).toBe(0);
    await until(() => peerReceived.includes('after restart'), 'the peer reads the message after the restart');
  });
});
