/**
 * `e4c2 proxy gateway` against mosquitto as the upstream broker, with local mode as the C2 (on that broker): two
 * downstream devices, each its own E4 identity (a folder of state files made by `e4c2 device enrol`), mapped by MQTT
 * username, each with its downstream password hashed by `e4c2 proxy hash-password` into `<name>.passwd`;
 * mosquitto_pub / mosquitto_sub as the devices, a library device as their peer. Each device reads only what its own
 * identity can unprotect; a device without an identity, or claiming one without its password or with a wrong one, is
 * refused at CONNECT; an unconfigured topic passes in clear (policy clear).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../local/startLocal.js';
import { E4MqttDevice } from '../../shared/e4/mqtt/index.js';
import { bytesToHex, E4Client, FileStateStore, hashIdAlias, hashTopic } from '../../shared/e4/node/index.js';
import { MOSQUITTO_MISSING, mosquittoBinary, type RunningBroker, startMosquitto } from '../support/brokers.js';
import { e4c2 } from '../support/cliRun.js';
import { freePort } from '../support/freePort.js';
import { runProcess, stopProcesses } from '../support/processes.js';
import { MOSQUITTO_CLIENTS_MISSING, type ProxyRun, startProxyProcess, writeProxyConfig } from '../support/proxyRun.js';
import { recordSecret } from '../support/recordedSecrets.js';
import { serverMissing } from '../support/serverMissing.js';

const SHARED = 'site/shared'; // dev-a, dev-b and the peer hold its key
const B_ONLY = 'site/b-only'; // dev-b and the peer only

describe.skipIf(serverMissing(MOSQUITTO_CLIENTS_MISSING ?? (mosquittoBinary() ? undefined : MOSQUITTO_MISSING)))(
  'e4c2 proxy gateway',
  () => {
    let mosquitto: RunningBroker;
    let server: LocalC2Server;
    let stateDir: string;
    let dir: string;
    let port: number;
    let proxy: ProxyRun;
    let peer: E4MqttDevice;
    let spy: MqttClient;
    const peerReceived: string[] = [];
    const upstream: { topic: string; payload: Buffer }[] = [];

    // biome-ignore lint/suspicious/noExplicitAny: the API's answers, read by the assertions
    async function http(method: string, path: string): Promise<{ status: number; json: any }> {
      const response = await fetch(`${server.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${server.adminKey}` },
      });
      return { status: response.status, json: await response.json().catch(() => undefined) };
    }
    async function createTopic(topic: string): Promise<void> {
      const response = await fetch(`${server.apiUrl}/v1/topics`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ topic }),
      });
      expect(response.status).toBe(201);
    }
    const link = async (topic: string, name: string) => {
      const path = `/v1/topics/${bytesToHex(hashTopic(topic))}/clients/${bytesToHex(hashIdAlias(name))}`;
      expect((await http('PUT', path)).status).toBe(200);
    };
    const until = async (check: () => boolean, what: string, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    const mosquitto_ = (command: string, args: string[]) =>
      runProcess(command, ['-h', '127.0.0.1', '-p', String(port), ...args]);

    beforeAll(async () => {
      mosquitto = await startMosquitto();
      stateDir = await mkdtemp(join(tmpdir(), 'e4c2-gateway-state-'));
      dir = await mkdtemp(join(tmpdir(), 'e4c2-gateway-'));
      server = await startLocal({ stateDir, httpPort: 0, mqttUrl: mosquitto.url });
      recordSecret(server.adminKey!);
      const env = { E4C2_API_URL: server.apiUrl, E4C2_API_KEY: server.adminKey!, E4C2_CONFIG: join(dir, 'c.json') };
      await mkdir(join(dir, 'devices'));
      for (const [name, state] of [
        ['dev-a', join(dir, 'devices', 'dev-a.json')],
        ['dev-b', join(dir, 'devices', 'dev-b.json')],
        ['peer', join(dir, 'peer.json')],
      ] as const) {
        expect((await e4c2(['device', 'enrol', name, '--state', state], env)).code).toBe(0);
      }
      for (const name of ['dev-a', 'dev-b']) {
        const hashed = await e4c2(['proxy', 'hash-password'], {}, { input: `pw-${name}\n` });
        expect(hashed.code).toBe(0);
        expect(hashed.stdout).toMatch(/^scrypt\$/);
        expect(hashed.stdout).not.toContain(`pw-${name}`);
        await writeFile(join(dir, 'devices', `${name}.passwd`), hashed.stdout);
      }
      port = await freePort();
      const config = await writeProxyConfig(join(dir, 'gateway.json'), {
        listen: { host: '127.0.0.1', port },
        upstream: { url: mosquitto.url },
        devices: { mapBy: 'username', folder: 'devices' },
        topics: { protect: ['site/#'], unconfigured: 'clear' },
        metrics: { intervalSeconds: 1 },
      });
      // The gateway first: its identities' persistent sessions then hold the C2's commands sent to them.
      proxy = await startProxyProcess('gateway', config);
      const peerClient = await E4Client.load({ store: new FileStateStore(join(dir, 'peer.json')) });
      peer = await E4MqttDevice.connect(peerClient, mosquitto.url, {
        mqtt: { clientId: `e4-${bytesToHex(peerClient.id)}`, clean: false },
        on: { message: (topic, payload) => peerReceived.push(`${topic} ${Buffer.from(payload).toString()}`) },
      });
      spy = await connectAsync(mosquitto.url, { clientId: 'spy' });
      spy.on('message', (topic, payload) => upstream.push({ topic, payload }));
      await spy.subscribeAsync(['site/#', 'open/#'], { qos: 1 });

      for (const topic of [SHARED, B_ONLY]) await createTopic(topic);
      for (const name of ['dev-a', 'dev-b', 'peer']) await link(SHARED, name);
      for (const name of ['dev-b', 'peer']) await link(B_ONLY, name);
      await until(() => proxy.lines().filter((line) => line.event === 'command').length >= 3, 'gateway keys');
      await peer.ready(SHARED, { timeoutMs: 10_000 });
      await peer.ready(B_ONLY, { timeoutMs: 10_000 });
      await peer.subscribe('site/#');
    }, 90_000);

    afterAll(async () => {
      stopProcesses();
      await peer?.end(true);
      await spy?.endAsync(true);
      await server?.close();
      await mosquitto?.close();
      for (const folder of [stateDir, dir]) if (folder) await rm(folder, { recursive: true, force: true });
    });

    it('gives each device only what its own identity unprotects; protects what each publishes', {
      timeout: 60_000,
    }, async () => {
      const subA = mosquitto_('mosquitto_sub', [
        '-u',
        'dev-a',
        '-P',
        'pw-dev-a',
        '-i',
        'sub-a',
        '-t',
        'site/#',
        '-v',
        '-q',
        '1',
      ]);
      const subB = mosquitto_('mosquitto_sub', [
        '-u',
        'dev-b',
        '-P',
        'pw-dev-b',
        '-i',
        'sub-b',
        '-t',
        'site/#',
        '-v',
        '-q',
        '1',
      ]);
      await until(() => proxy.lines().filter((line) => line.event === 'subscribed').length >= 2, 'subscribed');

      await peer.publish(B_ONLY, 'for b alone', { qos: 1 });
      await peer.publish(SHARED, 'for everyone', { qos: 1 });
      await until(() => subA.stdout().includes('for everyone') && subB.stdout().includes('for everyone'), 'shared');
      expect(subB.stdout()).toContain(`${B_ONLY} for b alone`);
      expect(subA.stdout()).not.toContain('for b alone'); // dev-a holds no key for it: dropped, counted as failed
      await proxy.counts((c) => (c.failed ?? 0) >= 1);

      expect(
        await mosquitto_('mosquitto_pub', [
          '-u',
          'dev-a',
          '-P',
          'pw-dev-a',
          '-i',
          'pub-a',
          '-t',
          SHARED,
          '-m',
          'from a',
          '-q',
          '1',
        ]).exited,
      ).toBe(0);
      await until(() => peerReceived.includes(`${SHARED} from a`), 'the peer reads dev-a');
      await until(() => subB.stdout().includes('from a'), 'dev-b reads dev-a through its own identity');
      const crossed = upstream.filter((message) => message.topic.startsWith('site/'));
      expect(crossed.length).toBeGreaterThanOrEqual(3);
      for (const text of ['for b alone', 'for everyone', 'from a']) {
        expect(crossed.some((message) => message.payload.includes(text))).toBe(false);
      }
      subA.child.kill('SIGTERM');
      subB.child.kill('SIGTERM');
      await Promise.all([subA.exited, subB.exited]);
    });

    it('refuses at CONNECT a device without an identity, or without its password; passes unconfigured topics in clear', {
      timeout: 30_000,
    }, async () => {
      const stranger = mosquitto_('mosquitto_sub', ['-u', 'stranger', '-t', SHARED, '-W', '5']);
      expect(await stranger.exited).not.toBe(0);
      expect(stranger.stderr()).toMatch(/not authori[sz]ed/i);
      const anonymous = mosquitto_('mosquitto_pub', ['-t', SHARED, '-m', 'x']);
      expect(await anonymous.exited).not.toBe(0);
      // A stranger claiming dev-a's username: without its password, then with dev-b's.
      for (const login of [
        ['-u', 'dev-a'],
        ['-u', 'dev-a', '-P', 'pw-dev-b'],
      ]) {
        const claimed = mosquitto_('mosquitto_sub', [...login, '-i', 'stranger', '-t', SHARED, '-W', '5']);
        expect(await claimed.exited).not.toBe(0);
        expect(claimed.stderr()).toMatch(/bad user ?name or password|not authori[sz]ed/i);
      }
      await proxy.counts((c) => (c.refused ?? 0) >= 4);
      expect(proxy.lines().filter((line) => line.reason === 'bad password')).toHaveLength(2);

      expect(
        await mosquitto_('mosquitto_pub', [
          '-u',
          'dev-b',
          '-P',
          'pw-dev-b',
          '-t',
          'open/notice',
          '-m',
          'in clear',
          '-q',
          '1',
        ]).exited,
      ).toBe(0);
      await until(
        () => upstream.some((m) => m.topic === 'open/notice' && m.payload.toString() === 'in clear'),
        'clear',
      );
      await proxy.counts((c) => (c.clear ?? 0) >= 1);
    });
  },
);
