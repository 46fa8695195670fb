/**
 * `e4c2 proxy gateway` with TLS on its downstream listener (`listen.tls`), certificates made by openssl, mosquitto_pub
 * as the devices, an aedes upstream broker and a library device as their peer. Server TLS: a device that trusts the
 * proxy's CA publishes, and the peer reads it (protected on the broker); a client that trusts another CA, or speaks
 * plain MQTT, is refused; no `listening without TLS` warning on a non-loopback address. mTLS mapped by certificate CN:
 * a device with its certificate (and its password) publishes whatever its client id and username; one without a
 * certificate, with one from another CA, with a CN that names no identity, or without its password is refused. A bad
 * `listen.tls` (a missing file, a key that is not the certificate's, mTLS without a CA) exits non-zero, naming it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../proxy/passwordHash.js';
import { E4MqttDevice } from '../../shared/e4/mqtt/index.js';
import { FileStateStore, randomKey } from '../../shared/e4/node/index.js';
import { type RunningBroker, startAedes } from '../support/brokers.js';
import { e4c2 } from '../support/cliRun.js';
import { deviceWithKey } from '../support/deviceWithKey.js';
import { freePort } from '../support/freePort.js';
import { type CertificateFiles, issueCertificate, makeCa, OPENSSL_MISSING } from '../support/opensslCertificates.js';
import { runProcess, stopProcesses } from '../support/processes.js';
import { MOSQUITTO_CLIENTS_MISSING, type ProxyRun, startProxyProcess, writeProxyConfig } from '../support/proxyRun.js';
import { serverMissing } from '../support/serverMissing.js';

const TOPIC = 'site/a';

describe.skipIf(serverMissing(MOSQUITTO_CLIENTS_MISSING ?? OPENSSL_MISSING))('e4c2 proxy gateway over TLS', () => {
  let dir: string;
  let upstream: RunningBroker;
  let peer: E4MqttDevice;
  let spy: MqttClient;
  let ca: CertificateFiles;
  let server: CertificateFiles;
  let devA: CertificateFiles;
  let stranger: CertificateFiles;
  let rogueCa: CertificateFiles;
  let rogueDevA: CertificateFiles;
  const peerReceived: string[] = [];
  const crossed: Buffer[] = [];

  const until = async (check: () => boolean, what: string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  /** mosquitto_pub to the proxy on `port`, QoS 1: its exit code and stderr. */
  const publish = async (port: number, message: string, args: string[]) => {
    const run = runProcess('mosquitto_pub', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-t',
      TOPIC,
      '-m',
      message,
      ...args,
    ]);
    return { code: await run.exited, stderr: run.stderr() };
  };
  const gatewayConfig = (name: string, listen: Record<string, unknown>, mapBy: string) =>
    writeProxyConfig(join(dir, name), {
      listen,
      upstream: { url: upstream.url },
      devices: { mapBy, folder: 'devices' },
      topics: { protect: ['site/#'], unconfigured: 'refuse' },
      metrics: { intervalSeconds: 1 },
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'e4c2-gateway-tls-'));
    ca = makeCa(dir, 'site-ca', 'e4c2 test site CA');
    server = issueCertificate(dir, ca, 'gateway', { cn: 'gateway', altNames: ['IP:127.0.0.1', 'DNS:localhost'] });
    devA = issueCertificate(dir, ca, 'dev-a-client', { cn: 'dev-a' });
    stranger = issueCertificate(dir, ca, 'stranger-client', { cn: 'stranger' });
    rogueCa = makeCa(dir, 'rogue-ca', 'e4c2 test rogue CA');
    rogueDevA = issueCertificate(dir, rogueCa, 'rogue-dev-a', { cn: 'dev-a' });

    upstream = await startAedes();
    const topicKey = randomKey();
    await mkdir(join(dir, 'devices'));
    await deviceWithKey('dev-a', TOPIC, topicKey, new FileStateStore(join(dir, 'devices', 'dev-a.json')));
    await writeFile(join(dir, 'devices', 'dev-a.passwd'), `${await hashPassword('pw-dev-a')}\n`);
    peer = await E4MqttDevice.connect(await deviceWithKey('peer', TOPIC, topicKey), upstream.url, {
      on: { message: (topic, payload) => peerReceived.push(`${topic} ${Buffer.from(payload).toString()}`) },
    });
    await peer.subscribe(TOPIC);
    spy = await connectAsync(upstream.url, { clientId: 'spy' });
    spy.on('message', (_topic, payload) => crossed.push(payload));
    await spy.subscribeAsync('site/#', { qos: 1 });
  }, 60_000);

  afterAll(async () => {
    stopProcesses();
    await peer?.end(true);
    await spy?.endAsync(true);
    await upstream?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('server TLS, devices mapped by username', () => {
    let proxy: ProxyRun;
    let port: number;

    beforeAll(async () => {
      port = await freePort();
      const tls = { cert: server.cert, key: { file: server.key } };
      // Every interface: the address the warning was about.
      proxy = await startProxyProcess(
        'gateway',
        await gatewayConfig('tls.yaml', { host: '0.0.0.0', port, tls }, 'username'),
      );
    }, 30_000);

    afterAll(async () => {
      expect(await proxy?.stop()).toBe(0);
    });

    it('passes a device that trusts the CA, protected up to the peer; logs no warning', {
      timeout: 30_000,
    }, async () => {
      // Act
      const sent = await publish(port, 'over tls', ['--cafile', ca.cert, '-u', 'dev-a', '-P', 'pw-dev-a', '-q', '1']);

      // Assess
      expect(sent).toEqual({ code: 0, stderr: '' });
      await until(() => peerReceived.includes(`${TOPIC} over tls`), 'the peer reads the message');
      expect(crossed.length).toBeGreaterThan(0);
      expect(crossed.some((payload) => payload.includes('over tls'))).toBe(false);
      expect(proxy.lines().find((line) => line.event === 'listening')?.tls).toBe('on');
      expect(proxy.lines().some((line) => line.event === 'listening without TLS')).toBe(false);
    });

    it('refuses a client that trusts another CA, and one that speaks plain MQTT', { timeout: 30_000 }, async () => {
      const untrusting = await publish(port, 'x', ['--cafile', rogueCa.cert, '-u', 'dev-a', '-P', 'pw-dev-a']);
      expect(untrusting.code).not.toBe(0);
      expect(untrusting.stderr).toMatch(/tls|certificate|ssl/i);
      const plain = await publish(port, 'x', ['-u', 'dev-a', '-P', 'pw-dev-a']);
      expect(plain.code).not.toBe(0);
      await proxy.counts((counts) => (counts.refused ?? 0) >= 2);
      expect(proxy.lines().filter((line) => line.reason === 'TLS handshake failed').length).toBeGreaterThanOrEqual(2);
      // The first test's device only: neither refused client got as far as MQTT.
      expect(proxy.lines().filter((line) => line.event === 'client connected')).toHaveLength(1);
    });
  });

  describe('mTLS, devices mapped by certificate CN', () => {
    let proxy: ProxyRun;
    let port: number;
    const trusting = () => ['--cafile', ca.cert];

    beforeAll(async () => {
      port = await freePort();
      const tls = { cert: server.cert, key: { file: server.key }, ca: ca.cert, requireClientCertificate: true };
      proxy = await startProxyProcess(
        'gateway',
        await gatewayConfig('mtls.yaml', { host: '127.0.0.1', port, tls }, 'certificateCn'),
      );
    }, 30_000);

    afterAll(async () => {
      expect(await proxy?.stop()).toBe(0);
    });

    it('passes a device with its certificate and password, whatever its client id and username', {
      timeout: 30_000,
    }, async () => {
      const sent = await publish(port, 'over mtls', [
        ...trusting(),
        '--cert',
        devA.cert,
        '--key',
        devA.key,
        '-i',
        'any-client-id',
        '-u',
        'any-name',
        '-P',
        'pw-dev-a',
        '-q',
        '1',
      ]);
      expect(sent).toEqual({ code: 0, stderr: '' });
      await until(() => peerReceived.includes(`${TOPIC} over mtls`), 'the peer reads the message');
      expect(crossed.some((payload) => payload.includes('over mtls'))).toBe(false);
      expect(proxy.lines().find((line) => line.event === 'listening')?.tls).toBe('mutual');
    });

    it('refuses a client without a certificate, with one of another CA, naming no identity, or without the password', {
      timeout: 60_000,
    }, async () => {
      const password = ['-u', 'dev-a', '-P', 'pw-dev-a'];
      const none = await publish(port, 'x', [...trusting(), ...password, '-q', '1']);
      expect(none.code).not.toBe(0);
      const rogue = await publish(port, 'x', [
        ...trusting(),
        '--cert',
        rogueDevA.cert,
        '--key',
        rogueDevA.key,
        ...password,
        '-q',
        '1',
      ]);
      expect(rogue.code).not.toBe(0);
      await until(
        () => proxy.lines().filter((line) => line.reason === 'TLS handshake failed').length >= 2,
        'two handshakes refused',
      );

      const unknown = await publish(port, 'x', [
        ...trusting(),
        '--cert',
        stranger.cert,
        '--key',
        stranger.key,
        ...password,
      ]);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/not authori[sz]ed/i);
      const noPassword = await publish(port, 'x', [
        ...trusting(),
        '--cert',
        devA.cert,
        '--key',
        devA.key,
        '-u',
        'dev-a',
      ]);
      expect(noPassword.code).not.toBe(0);
      expect(noPassword.stderr).toMatch(/bad user ?name or password|not authori[sz]ed/i);
      await proxy.counts((counts) => (counts.refused ?? 0) >= 4);
      expect(proxy.lines().some((line) => line.reason === 'no E4 identity')).toBe(true);
      expect(proxy.lines().some((line) => line.reason === 'bad password')).toBe(true);
      expect(peerReceived.filter((text) => text === `${TOPIC} x`)).toEqual([]);
    });
  });

  it('exits non-zero, naming the field and file, on a missing file, a mismatched key, or mTLS without a CA', {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    const run = async (name: string, tls: Record<string, unknown>, mapBy = 'username') =>
      e4c2(['proxy', 'gateway', '--config', await gatewayConfig(name, { port, tls }, mapBy)]);

    const missing = await run('missing.yaml', { cert: join(dir, 'nowhere.crt'), key: { file: server.key } });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('listen.tls.cert');
    expect(missing.stderr).toContain(join(dir, 'nowhere.crt'));

    const mismatched = await run('mismatched.yaml', { cert: server.cert, key: { file: devA.key } });
    expect(mismatched.code).not.toBe(0);
    expect(mismatched.stderr).toContain('does not match the certificate');
    expect(mismatched.stderr).toContain(devA.key);

    const noCa = await run('no-ca.yaml', {
      cert: server.cert,
      key: { file: server.key },
      requireClientCertificate: true,
    });
    expect(noCa.code).toBe(2);
    expect(noCa.stderr).toContain('listen.tls.ca');

    const cnWithoutMtls = await run('cn.yaml', { cert: server.cert, key: { file: server.key } }, 'certificateCn');
    expect(cnWithoutMtls.code).toBe(2);
    expect(cnWithoutMtls.stderr).toContain('devices.mapBy');

    for (const result of [missing, mismatched, noCa, cnWithoutMtls]) {
      expect(result.stderr).not.toMatch(/\n\s+at /); // a message, not a stack
      expect(result.stderr).not.toContain('PRIVATE KEY');
    }
  });
});
