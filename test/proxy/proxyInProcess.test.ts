/**
 * The proxy in process (ProtectionProxy over an aedes upstream, identities made by the device library, MQTT.js as
 * the downstream clients), for what the subprocess tests do not cover: a gateway mapping devices by MQTT client id;
 * the `drop` policy (acknowledged, counted, never sent upstream); a persistent downstream session that gets what
 * came while it was away; the counters. Downstream authentication: a client claiming a device's client id or
 * username without its password, or with a wrong one, is refused at CONNECT; a client id a device used (persistent
 * session, messages queued) is refused to another device's credentials, which never get the first one's messages.
 * Upstream over TLS with a client certificate; downstream over TLS, and the warning of a listener beyond loopback
 * without it.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { PemConverter, X509CertificateGenerator } from '@peculiar/x509';
import { Aedes } from 'aedes';
import { connect, connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerCertificates } from '../../local/brokerCertificates.js';
import type { ProxyConfig } from '../../proxy/config/ProxyConfig.js';
import { parseProxyConfig } from '../../proxy/config/parseProxyConfig.js';
import { DownstreamCredential } from '../../proxy/DownstreamCredential.js';
import { ProtectionProxy } from '../../proxy/ProtectionProxy.js';
import type { ProxyIdentity } from '../../proxy/ProxyIdentity.js';
import { ProxyLog } from '../../proxy/ProxyLog.js';
import { hashPassword } from '../../proxy/passwordHash.js';
import { E4MqttDevice } from '../../shared/e4/mqtt/index.js';
import { FileStateStore, randomKey } from '../../shared/e4/node/index.js';
import { type RunningBroker, startAedes } from '../support/brokers.js';
import { deviceWithKey } from '../support/deviceWithKey.js';
import { issueCertificate, makeCa, OPENSSL_MISSING } from '../support/opensslCertificates.js';
import { serverMissing } from '../support/serverMissing.js';

const TOPIC = 'site/a';

/** Identities `names` with the topic's key and a downstream password `pw-<name>` (as a hash). */
async function identitiesOf(dir: string, names: string[], topicKey: Uint8Array): Promise<ProxyIdentity[]> {
  const identities = [];
  for (const name of names) {
    const state = join(dir, `${name}.json`);
    const credential = await DownstreamCredential.load({ passwordHash: await hashPassword(`pw-${name}`) });
    identities.push({
      name,
      state,
      client: await deviceWithKey(name, TOPIC, topicKey, new FileStateStore(state)),
      credential,
    });
  }
  return identities;
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('ProtectionProxy (gateway, in process)', () => {
  let dir: string;
  let upstream: RunningBroker;
  let proxy: ProtectionProxy;
  let peer: E4MqttDevice;
  let spy: MqttClient;
  let identities: ProxyIdentity[];
  let config: ProxyConfig;
  const clients: MqttClient[] = [];
  const crossed: { topic: string; payload: Buffer }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e4c2-proxy-inproc-'));
    upstream = await startAedes();
    const topicKey = randomKey();
    identities = await identitiesOf(dir, ['dev-a', 'dev-b'], topicKey);
    config = parseProxyConfig(
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
    peer = await E4MqttDevice.connect(await deviceWithKey('peer', TOPIC, topicKey), upstream.url);
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

  const downstream = async (clientId: string, clean = true, password: string | null = `pw-${clientId}`) => {
    const client = await connectAsync(`mqtt://127.0.0.1:${proxy.address.port}`, {
      clientId,
      clean,
      reconnectPeriod: 0,
      ...(password !== null ? { username: clientId, password } : {}),
    });
    clients.push(client);
    return client;
  };

  it('maps devices by client id; refuses any other client id (CONNACK 5), or a wrong or missing password (4)', async () => {
    await downstream('dev-a');
    await expect(downstream('stranger')).rejects.toMatchObject({ code: 5 });
    await expect(downstream('dev-a', true, null)).rejects.toMatchObject({ code: 4 });
    await expect(downstream('dev-a', true, 'pw-dev-b')).rejects.toMatchObject({ code: 4 });
    expect(proxy.metrics.get('refused')).toBe(3);
  });

  it('does not start a gateway with a device that has no downstream password', async () => {
    const { name, state, client } = identities[0]!;
    await expect(
      ProtectionProxy.start({
        mode: 'gateway',
        config,
        identities: [{ name, state, client }],
        log: new ProxyLog(() => {}),
      }),
    ).rejects.toThrow(`the device ${name} has no downstream password`);
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
      username: 'dev-b',
      password: 'pw-dev-b',
    });
    clients.push(back);
    const received: string[] = [];
    back.on('message', (_topic, payload) => received.push(payload.toString()));
    await until(() => received.includes('while away'), 'the queued message');
  });
});

describe('ProtectionProxy (gateway mapped by username, in process)', () => {
  let dir: string;
  let upstream: RunningBroker;
  let proxy: ProtectionProxy;
  let peer: E4MqttDevice;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e4c2-proxy-users-'));
    upstream = await startAedes();
    const topicKey = randomKey();
    const identities = await identitiesOf(dir, ['dev-a', 'dev-b'], topicKey);
    const config = parseProxyConfig(
      JSON.stringify({
        listen: { port: 0 },
        upstream: { url: upstream.url },
        devices: { mapBy: 'username', folder: '.' },
        topics: { protect: ['site/#'] },
      }),
      'gateway.json',
      'gateway',
      dir,
    );
    proxy = await ProtectionProxy.start({ mode: 'gateway', config, identities, log: new ProxyLog(() => {}) });
    peer = await E4MqttDevice.connect(await deviceWithKey('peer', TOPIC, topicKey), upstream.url);
  });

  afterAll(async () => {
    for (const client of clients) await client.endAsync(true);
    await peer?.end(true);
    await proxy?.stop();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A downstream client, listening before its CONNACK (queued messages come right after it). */
  const downstream = async (clientId: string, login: { username?: string; password?: string }, clean = true) => {
    const client = connect(`mqtt://127.0.0.1:${proxy.address.port}`, { clientId, clean, reconnectPeriod: 0, ...login });
    clients.push(client);
    const received: string[] = [];
    client.on('message', (_topic, payload) => received.push(payload.toString()));
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    return { client, received };
  };

  it("refuses a stranger claiming a device's username without its password, or with a wrong one", async () => {
    await expect(downstream('s-1', { username: 'dev-a' })).rejects.toMatchObject({ code: 4 });
    await expect(downstream('s-2', { username: 'dev-a', password: 'guess' })).rejects.toMatchObject({ code: 4 });
    await expect(downstream('s-3', { username: 'dev-a', password: 'pw-dev-b' })).rejects.toMatchObject({ code: 4 });
    await expect(downstream('s-4', { username: 'nobody', password: 'pw-dev-a' })).rejects.toMatchObject({ code: 5 });
    const { client } = await downstream('a-1', { username: 'dev-a', password: 'pw-dev-a' });
    await client.endAsync();
    expect(proxy.metrics.get('refused')).toBe(4);
  });

  it("never gives device A's messages to device B reusing A's client id (persistent session, queued messages)", async () => {
    const a = await downstream('shared-id', { username: 'dev-a', password: 'pw-dev-a' }, false);
    await a.client.subscribeAsync(TOPIC, { qos: 1 });
    await a.client.endAsync();
    await peer.publish(TOPIC, 'for a, queued', { qos: 1 });
    await until(() => proxy.metrics.get('unprotected') >= 1, 'unprotected by the proxy');

    // B holds the topic's key too: only the binding of the client id keeps A's cleartext from it.
    for (const clean of [false, true]) {
      await expect(downstream('shared-id', { username: 'dev-b', password: 'pw-dev-b' }, clean)).rejects.toMatchObject({
        code: 5,
      });
    }
    const back = await downstream('shared-id', { username: 'dev-a', password: 'pw-dev-a' }, false);
    await until(() => back.received.includes('for a, queued'), "A's queued message, to A");
    await back.client.endAsync();

    // Released once a clean session of the id ends: B may use it then, and gets nothing of A's.
    const clean = await downstream('shared-id', { username: 'dev-a', password: 'pw-dev-a' }, true);
    await clean.client.endAsync();
    const b = await downstream('shared-id', { username: 'dev-b', password: 'pw-dev-b' }, false);
    const a2 = await downstream('a-2', { username: 'dev-a', password: 'pw-dev-a' });
    await a2.client.subscribeAsync(TOPIC, { qos: 1 });
    await peer.publish(TOPIC, 'for a, later', { qos: 1 });
    await until(() => a2.received.includes('for a, later'), 'A reads it on its other client id');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(b.received).toEqual([]);
  });
});

describe('ProtectionProxy upstream over TLS with a client certificate', () => {
  let dir: string;
  let broker: Aedes;
  let server: TlsServer;
  let proxy: ProtectionProxy | undefined;
  const clients: MqttClient[] = [];

  afterAll(async () => {
    for (const client of clients) await client.endAsync(true);
    await proxy?.stop();
    await new Promise<void>((resolve) => broker?.close(() => resolve()));
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the configured CA, certificate and key; a broker that wants a certificate refuses a spy without', async () => {
    // Prepare: a broker over TLS that asks every client for a certificate (as AWS IoT Core does)
    dir = mkdtempSync(join(tmpdir(), 'e4c2-proxy-tls-'));
    const serverSide = await brokerCertificates(dir, '127.0.0.1');
    const clientSide = await selfSignedClientCertificate();
    writeFileSync(join(dir, 'client.crt'), clientSide.cert);
    writeFileSync(join(dir, 'client.key'), clientSide.key, { mode: 0o600 });
    broker = await Aedes.createBroker();
    server = createTlsServer(
      {
        cert: serverSide.cert,
        key: serverSide.key,
        ca: [clientSide.cert],
        requestCert: true,
        rejectUnauthorized: true,
      },
      broker.handle,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const url = `mqtts://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const topicKey = randomKey();
    const identities = await identitiesOf(dir, ['tls-dev'], topicKey);
    const config = parseProxyConfig(
      JSON.stringify({
        listen: { port: 0 },
        upstream: { url, ca: serverSide.caFile, cert: 'client.crt', key: { file: 'client.key' } },
        devices: { folder: '.' },
        topics: { protect: ['site/#'] },
      }),
      'gateway.json',
      'gateway',
      dir,
    );
    const tls = { ca: serverSide.ca, cert: clientSide.cert, key: clientSide.key, reconnectPeriod: 0 };
    const spy = await connectAsync(url, tls);
    clients.push(spy);
    const crossed: Buffer[] = [];
    spy.on('message', (_topic, payload) => crossed.push(payload));
    await spy.subscribeAsync(TOPIC);

    // Act
    proxy = await ProtectionProxy.start({ mode: 'gateway', config, identities, log: new ProxyLog(() => {}) });
    const device = await connectAsync(`mqtt://127.0.0.1:${proxy.address.port}`, {
      clientId: 'tls-dev',
      username: 'tls-dev',
      password: 'pw-tls-dev',
      reconnectPeriod: 0,
    });
    clients.push(device);
    await device.publishAsync(TOPIC, 'over tls', { qos: 1 });

    // Assess: the message crossed the TLS broker, protected; a client without a certificate is refused
    await until(() => crossed.length > 0, 'the protected message upstream');
    expect(crossed[0]!.toString('latin1')).not.toContain('over tls');
    const peer = await deviceWithKey('tls-peer', TOPIC, topicKey);
    const opened = peer.unprotect(crossed[0]!, TOPIC);
    expect(opened.kind === 'message' && Buffer.from(opened.payload).toString()).toBe('over tls');
    await expect(connectAsync(url, { ca: serverSide.ca, reconnectPeriod: 0, connectTimeout: 3_000 })).rejects.toThrow();
  });
});

/** A self-signed client certificate (ECDSA P-256) the test broker trusts as its own CA. */
async function selfSignedClientCertificate(): Promise<{ cert: string; key: string }> {
  const crypto = webcrypto as unknown as Crypto;
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      name: 'CN=e4c2 proxy test client',
      keys,
      notBefore: new Date(Date.now() - 3_600_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm: algorithm,
    },
    crypto,
  );
  const key = PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { cert: cert.toString('pem'), key };
}

describe.skipIf(serverMissing(OPENSSL_MISSING))('ProtectionProxy listening beyond loopback', () => {
  let dir: string;
  let upstream: RunningBroker;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'e4c2-proxy-listen-'));
    upstream = await startAedes();
  });

  afterAll(async () => {
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('warns of a listener without TLS, not of one with TLS (which an MQTT.js client trusting its CA reaches)', async () => {
    // Prepare
    const ca = makeCa(dir, 'ca');
    const server = issueCertificate(dir, ca, 'server', { cn: 'gw', altNames: ['IP:127.0.0.1'] });
    const identities = await identitiesOf(dir, ['dev-w'], randomKey());
    const run = async (tls: Record<string, unknown> | undefined) => {
      const events: Record<string, unknown>[] = [];
      const config = parseProxyConfig(
        JSON.stringify({
          listen: { host: '0.0.0.0', port: 0, ...(tls ? { tls } : {}) },
          upstream: { url: upstream.url },
          devices: { folder: '.' },
          topics: { protect: ['site/#'] },
        }),
        'gateway.json',
        'gateway',
        dir,
      );
      const log = new ProxyLog((line) => events.push(JSON.parse(line) as Record<string, unknown>));
      const proxy = await ProtectionProxy.start({ mode: 'gateway', config, identities, log });
      return { proxy, events };
    };

    // Act
    const plain = await run(undefined);
    await plain.proxy.stop();
    const secured = await run({ cert: server.cert, key: { file: server.key } });
    const device = await connectAsync(`mqtts://127.0.0.1:${secured.proxy.address.port}`, {
      ca: readFileSync(ca.cert),
      clientId: 'dev-w',
      username: 'dev-w',
      password: 'pw-dev-w',
      reconnectPeriod: 0,
    });
    await device.endAsync();
    await secured.proxy.stop();

    // Assess
    const warned = (events: Record<string, unknown>[]) => events.some((e) => e.event === 'listening without TLS');
    expect(warned(plain.events)).toBe(true);
    expect(warned(secured.events)).toBe(false);
    expect(secured.events.find((e) => e.event === 'listening')?.tls).toBe('on');
    expect(secured.events.some((e) => e.event === 'client connected' && e.device === 'dev-w')).toBe(true);
  });
});
