/** The embedded MQTT broker of local mode, on a real TCP port, and the receipt forwarder it hands publishes to. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerCertificates } from '../../../local/brokerCertificates.js';
import type { BrokerAccess } from '../../../local/deviceAccess.js';
import { receiptForwarder } from '../../../local/forwardReceipts.js';
import { LocalModeErrorCode } from '../../../local/LocalModeError.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../../local/startEmbeddedBroker.js';
import type { WorkMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { codeOfAsync } from '../../support/codeOf.js';

const started: EmbeddedBroker[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((broker) => broker.close()));
});

async function start(port = 0): Promise<EmbeddedBroker> {
  const broker = await startEmbeddedBroker({ host: '127.0.0.1', port });
  started.push(broker);
  return broker;
}

describe('startEmbeddedBroker', () => {
  it('listens on the free port it was given 0 for, and relays QoS 1 messages', async () => {
    // Prepare
    const broker = await start();
    const device = await connectAsync(broker.url, { clientId: 'device-1', protocolVersion: 4 });
    const publisher = await connectAsync(broker.url, { clientId: 'c2', protocolVersion: 4 });
    await device.subscribeAsync('e4/abc', { qos: 1 });
    const received = new Promise<Buffer>((resolve) => device.once('message', (_topic, payload) => resolve(payload)));

    // Act
    await publisher.publishAsync('e4/abc', Buffer.from([1, 2, 3]), { qos: 1 });

    // Assess
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    expect([...(await received)]).toEqual([1, 2, 3]);
    await device.endAsync(true);
    await publisher.endAsync(true);
  });

  it('checks connections, subscriptions and publishes with `access`; a refused subscription is not reported', async () => {
    // Prepare: a device may only subscribe to e4/mine and publish on e4/mine/receipt.
    const subscribed: string[] = [];
    const access: BrokerAccess = {
      authenticate: async (_clientId, username) => (username === 'device' ? { kind: 'anonymous' } : undefined),
      maySubscribe: async (_identity, filter) => filter === 'e4/mine',
      mayPublish: async (_identity, topic) => topic === 'e4/mine/receipt',
    };
    const broker = await startEmbeddedBroker({ port: 0, access, onSubscribed: (topic) => subscribed.push(topic) });
    started.push(broker);
    const refused = await codeOfAsync(() => connectAsync(broker.url, { reconnectPeriod: 0, username: 'nobody' }));
    const device = await connectAsync(broker.url, { reconnectPeriod: 0, username: 'device', password: 'x' });

    // Act
    // (MQTT.js rejects a SUBACK that refuses a filter: the refusal is read off the error.)
    const others = await device.subscribeAsync('e4/yours', { qos: 1 }).then(
      ([grant]) => grant!.qos,
      (error: { packet?: { granted?: number[] } }) => error.packet?.granted?.[0],
    );
    const [mine] = await device.subscribeAsync('e4/mine', { qos: 1 });
    await device.publishAsync('e4/mine/receipt', 'ok', { qos: 1 });
    const closed = new Promise<void>((resolve) => device.once('close', () => resolve()));
    device.publish('e4/yours', 'forged', { qos: 1 });
    await closed;

    // Assess
    expect(refused).not.toBe('ok');
    expect(others).toBe(128);
    expect(mine!.qos).toBe(1);
    expect(subscribed).toEqual(['e4/mine']);
    await device.endAsync(true);
  });

  it('drops connected clients on close', async () => {
    // Prepare
    const broker = await startEmbeddedBroker({ port: 0 });
    const device = await connectAsync(broker.url, { clientId: 'device-2', reconnectPeriod: 0 });
    const dropped = new Promise<void>((resolve) => device.once('close', () => resolve()));

    // Act
    await broker.close();

    // Assess
    await dropped;
    expect(device.connected).toBe(false);
    await device.endAsync(true);
  });

  it('fails with PORT_IN_USE when the port is taken', async () => {
    // Prepare
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const { port } = taken.address() as { port: number };

    // Act
    const code = await codeOfAsync(() => start(port));

    // Assess
    expect(code).toBe(LocalModeErrorCode.PortInUse);
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  });
});

describe('startEmbeddedBroker over TLS', () => {
  it('serves mqtts only, and reports each failed handshake (a client without the CA, plain MQTT)', async () => {
    // Prepare
    const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-broker-tls-'));
    try {
      const certificates = await brokerCertificates(stateDir, '127.0.0.1');
      const failures: { address?: string; reason: string }[] = [];
      const broker = await startEmbeddedBroker({
        port: 0,
        tls: { cert: certificates.cert, key: certificates.key },
        onTlsError: (failure) => failures.push(failure),
      });
      started.push(broker);
      const attempt = (url: string, ca?: string) =>
        connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...(ca ? { ca } : {}) }, false).then(
          (client) => client.endAsync(true).then(() => 'connected'),
          () => 'refused',
        );

      // Act
      const trusted = await attempt(broker.url, certificates.ca);
      const untrusted = await attempt(broker.url);
      const plain = await attempt(`mqtt://127.0.0.1:${broker.port}`);

      // Assess
      expect(broker.url).toBe(`mqtts://127.0.0.1:${broker.port}`);
      expect([trusted, untrusted, plain]).toEqual(['connected', 'refused', 'refused']);
      await expect.poll(() => failures.length).toBe(2);
      // The client without the CA gave up on its side (the reason is how the server saw it end); plain MQTT is no TLS.
      expect(failures).toContainEqual({ address: '127.0.0.1', reason: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});

describe('startEmbeddedBroker: onPublish (how receipts reach the work queue)', () => {
  it('hands over each publish before acknowledging it; a refusal drops the client, which sends it again', async () => {
    // Prepare: the first hand-over fails (a queue that is down), the next ones succeed
    const seen: string[] = [];
    let failures = 1;
    const broker = await startEmbeddedBroker({
      port: 0,
      onPublish: async (topic, payload) => {
        seen.push(`${topic} ${Buffer.from(payload).toString('hex')}`);
        if (failures-- > 0) throw new Error('queue down');
      },
    });
    started.push(broker);
    const device = await connectAsync(broker.url, { clientId: 'device-r', clean: false, reconnectPeriod: 50 });
    const dropped = new Promise<void>((resolve) => device.once('close', () => resolve()));

    // Act: acknowledged only once handed over, after the reconnection
    await device.publishAsync('e4/00/receipt', Buffer.from([7]), { qos: 1 });

    // Assess
    await dropped;
    expect(seen).toEqual(['e4/00/receipt 07', 'e4/00/receipt 07']);
    await device.endAsync(true);
  });

  it('still refuses a publish on $SYS', async () => {
    // Prepare
    const seen: string[] = [];
    const broker = await startEmbeddedBroker({ port: 0, onPublish: async (topic) => void seen.push(topic) });
    started.push(broker);
    const device = await connectAsync(broker.url, { clientId: 'device-s', reconnectPeriod: 0 });
    const dropped = new Promise<void>((resolve) => device.once('close', () => resolve()));

    // Act
    device.publish('$SYS/x', 'x', { qos: 1 });

    // Assess
    await dropped;
    expect(seen).toEqual([]);
  });
});

describe('receiptForwarder', () => {
  it('enqueues receipts of e4/<32 hex>/receipt for the tenant, base64, and ignores every other topic', async () => {
    // Prepare
    const stored: WorkMessage[] = [];
    const forward = receiptForwarder({ enqueue: async (messages) => void stored.push(...messages) }, 'local');
    const id = 'ab'.repeat(16);

    // Act
    for (const topic of [`e4/${id}/receipt`, `e4/${id}`, `e4/${id.toUpperCase()}/receipt`, 'e4/ab/receipt', 't/x']) {
      await forward(topic, Uint8Array.of(1, 2, 3));
    }

    // Assess
    expect(stored).toEqual([{ type: 'receipt', tenantId: 'local', clientIdHex: id, payload: 'AQID' }]);
  });

  it('refuses to be made without a work queue (NO_WORK_QUEUE)', () => {
    expect(() => receiptForwarder(undefined, 'local')).toThrow(
      expect.objectContaining({ code: LocalModeErrorCode.NoWorkQueue }),
    );
  });
});
