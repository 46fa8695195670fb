/** The embedded MQTT broker of local mode, on a real TCP port. */
import { createServer } from 'node:net';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalModeErrorCode } from '../../../local/LocalModeError.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../../local/startEmbeddedBroker.js';
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
