/**
 * E4MqttDevice through real brokers (aedes in process, mosquitto as a child process): devices talk through topic
 * keys installed by a "C2" (a plain MQTT.js client publishing protected commands, as the C2 does), and what travels
 * on the wire is the E4 format.
 */
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { connect, connectAsync, type IConnackPacket, type MqttClient, type Packet } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { E4MqttDevice, type E4MqttDeviceEvents, type E4MqttDeviceOptions } from '../../../shared/e4/mqtt/index.js';
import {
  bytesToHex,
  type CommandType,
  c2CommandKey,
  cmdSetPubKey,
  cmdSetTopicKey,
  commandHash,
  decodeUtf8,
  E4Client,
  E4ErrorCode,
  encodeCommand,
  FileStateStore,
  isE4Error,
  MemoryStateStore,
  nodeEngine,
  protectCommand,
  protectSymKey,
  randomEd25519KeyPair,
  randomKey,
  type StateStore,
  topicForId,
  unprotectReceipt,
  unprotectSymKey,
  utf8,
  x25519PublicKey,
} from '../../../shared/e4/node/index.js';
import { BROKERS, type RunningBroker } from '../../support/brokers.js';
import { serverMissing } from '../../support/serverMissing.js';

/** A guard against hangs, not a timing assertion. */
const EVENT_TIMEOUT_MS = 10_000;

describe.each(BROKERS)('E4MqttDevice over $name', ({ name, start, missing }) => {
  if (serverMissing(missing)) {
    it.skipIf(true)(`runs against ${name}`, () => {}); // reported as skipped (a row of describe.each cannot skipIf)
    return;
  }

  let broker: RunningBroker;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    broker = await start();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });
  afterAll(async () => {
    await broker?.close();
  });

  async function connectDevice(client: E4Client, options?: E4MqttDeviceOptions): Promise<E4MqttDevice> {
    const device = await E4MqttDevice.connect(client, broker.url, options);
    cleanups.push(() => device.end(true));
    return device;
  }

  /** A plain MQTT.js client: the C2, an eavesdropper or an attacker. */
  async function connectRaw(): Promise<MqttClient> {
    const mqtt = await connectAsync(broker.url);
    cleanups.push(() => mqtt.endAsync(true));
    return mqtt;
  }

  async function symmetricDevice(options?: E4MqttDeviceOptions): Promise<{ device: E4MqttDevice; key: Uint8Array }> {
    const key = randomKey();
    const device = await connectDevice(await E4Client.create({ mode: 'symmetric', key }), options);
    return { device, key };
  }

  describe('symmetric-key mode', () => {
    it('carries a message from device A to device B, E4-protected on the wire', async () => {
      // Prepare
      const a = await symmetricDevice();
      const b = await symmetricDevice();
      const c2 = await connectRaw();
      const eavesdropper = await connectRaw();
      const topic = uniqueTopic();
      const topicKey = randomKey();
      expect(await install(c2, a.device, cmdSetTopicKey(topicKey, topic), a.key)).toBe('SetTopicKey');
      expect(await install(c2, b.device, cmdSetTopicKey(topicKey, topic), b.key)).toBe('SetTopicKey');
      await b.device.subscribe(topic);
      await eavesdropper.subscribeAsync(topic, { qos: 1 });
      const received = nextEvent(b.device, 'message');
      const onTheWire = nextRawMessage(eavesdropper, topic);

      // Act
      await a.device.publish(topic, 'hello', { qos: 1 });

      // Assess
      const [receivedTopic, payload] = await received;
      expect(receivedTopic).toBe(topic);
      expect(decodeUtf8(payload)).toBe('hello');
      const wire = await onTheWire;
      expect(wire.length).toBe(utf8('hello').length + 24);
      expect(Buffer.from(wire).includes('hello')).toBe(false);
      expect(decodeUtf8(unprotectSymKey(wire, topicKey))).toBe('hello');
    });

    it('works on an MQTT.js client it wraps', async () => {
      // Prepare
      const key = randomKey();
      const client = await E4Client.create({ mode: 'symmetric', key });
      const mqtt = connect(broker.url);
      cleanups.push(() => mqtt.endAsync(true));
      const device = await E4MqttDevice.wrap(client, mqtt);
      const c2 = await connectRaw();
      const topic = uniqueTopic();

      // Act
      const type = await install(c2, device, cmdSetTopicKey(randomKey(), topic), key);

      // Assess
      expect(type).toBe('SetTopicKey');
      expect(client.hasTopicKey(topic)).toBe(true);
    });

    it('rejects a publication on a topic without a key, sending nothing', async () => {
      // Prepare
      const { device } = await symmetricDevice();
      const eavesdropper = await connectRaw();
      const topic = uniqueTopic();
      await eavesdropper.subscribeAsync(topic, { qos: 1 });
      const sent: string[] = [];
      device.mqtt.on('packetsend', (packet: Packet) => sent.push(packet.cmd));

      // Act
      const publishing = device.publish(topic, 'secret', { qos: 1 });

      // Assess
      await expect(publishing).rejects.toSatisfy((error) => isE4Error(error, E4ErrorCode.TopicKeyNotFound));
      expect(sent).not.toContain('publish');
    });
  });

  describe('ready(topic)', () => {
    it('resolves when the C2 sends the topic key after the call (a fresh device), then publishes', async () => {
      // Prepare: a freshly enrolled device, holding no topic key yet
      const { device, key } = await symmetricDevice();
      const c2 = await connectRaw();
      const eavesdropper = await connectRaw();
      const topic = uniqueTopic();
      await eavesdropper.subscribeAsync(topic, { qos: 1 });
      const onTheWire = nextRawMessage(eavesdropper, topic);
      const ready = device.ready(topic, { timeoutMs: EVENT_TIMEOUT_MS });
      const heldBefore = device.client.hasTopicKey(topic);

      // Act: the key arrives after the call
      await sendCommand(c2, device.client, cmdSetTopicKey(randomKey(), topic), key);
      await ready;
      await device.publish(topic, 'first reading', { qos: 1 });

      // Assess
      expect(heldBefore).toBe(false);
      expect((await onTheWire).length).toBe(utf8('first reading').length + 24);
    });

    it('rejects with READY_TIMEOUT when no key arrives', async () => {
      // Prepare
      const { device } = await symmetricDevice();

      // Act
      const waiting = device.ready(uniqueTopic(), { timeoutMs: 50 });

      // Assess
      await expect(waiting).rejects.toSatisfy((error) => isE4Error(error, E4ErrorCode.ReadyTimeout));
    });
  });

  describe('public-key mode', () => {
    it('carries signed messages both ways between devices that know each other', async () => {
      // Prepare: a C2 key pair, two devices, each told the topic key and the other's signing key.
      const c2Private = randomKey();
      const c2Public = x25519PublicKey(c2Private);
      const c2 = await connectRaw();
      const eavesdropper = await connectRaw();
      const topic = uniqueTopic();
      const topicKey = randomKey();
      const pubkeyDevice = async (name: string) => {
        const { privateKey, publicKey } = randomEd25519KeyPair();
        const client = await E4Client.create({ mode: 'pubkey', privateKey, c2PublicKey: c2Public, name });
        return {
          device: await connectDevice(client),
          name,
          publicKey,
          key: c2CommandKey(nodeEngine, c2Private, publicKey),
        };
      };
      const a = await pubkeyDevice(`device-a-${randomUUID()}`);
      const b = await pubkeyDevice(`device-b-${randomUUID()}`);
      for (const [device, peer] of [
        [a, b],
        [b, a],
      ] as const) {
        expect(await install(c2, device.device, cmdSetTopicKey(topicKey, topic), device.key)).toBe('SetTopicKey');
        expect(await install(c2, device.device, cmdSetPubKey(peer.publicKey, peer.name), device.key)).toBe('SetPubKey');
        await device.device.subscribe(topic);
      }
      // An observer outside MQTT, holding the topic key and A's signing key, checks the bytes on the wire.
      const observer = await E4Client.create({
        mode: 'pubkey',
        privateKey: randomEd25519KeyPair().privateKey,
        c2PublicKey: c2Public,
      });
      const observerKey = c2CommandKey(nodeEngine, c2Private, observer.publicKey!);
      for (const command of [cmdSetTopicKey(topicKey, topic), cmdSetPubKey(a.publicKey, a.name)]) {
        const applied = observer.unprotect(protectCommand(command, observerKey), observer.receivingTopic);
        if (applied.kind === 'command') await applied.saved;
      }
      await eavesdropper.subscribeAsync(topic, { qos: 1 });
      const bReceived = nextEvent(b.device, 'message', (_, payload) => decodeUtf8(payload) === 'hello from A');
      const aReceived = nextEvent(a.device, 'message', (_, payload) => decodeUtf8(payload) === 'hello from B');
      const onTheWire = nextRawMessage(eavesdropper, topic);

      // Act
      await a.device.publish(topic, 'hello from A', { qos: 1 });
      await b.device.publish(topic, 'hello from B', { qos: 1 });

      // Assess
      expect((await bReceived)[0]).toBe(topic);
      expect((await aReceived)[0]).toBe(topic);
      const wire = await onTheWire;
      expect(wire.length).toBe(utf8('hello from A').length + 104);
      expect(bytesToHex(wire.subarray(8, 24))).toBe(bytesToHex(a.device.client.id));
      expect(Buffer.from(wire).includes('hello')).toBe(false);
      const opened = observer.unprotect(wire, topic);
      expect(opened.kind === 'message' && decodeUtf8(opened.payload)).toBe('hello from A');
    });
  });

  describe('bad input', () => {
    it('reports a tampered message as an error event and never delivers it', async () => {
      // Prepare
      const { device, key } = await symmetricDevice();
      const attacker = await connectRaw();
      const topic = uniqueTopic();
      const topicKey = randomKey();
      await install(attacker, device, cmdSetTopicKey(topicKey, topic), key);
      await device.subscribe(topic);
      const delivered: string[] = [];
      device.on('message', (_, payload) => delivered.push(decodeUtf8(payload) ?? '?'));
      const tampered = protectSymKey(utf8('pay 10 EUR'), topicKey);
      tampered[tampered.length - 1]! ^= 0x01;
      const reported = nextEvent(device, 'error');
      const genuine = nextEvent(device, 'message');

      // Act: the tampered message, then a genuine one after it on the same topic.
      await attacker.publishAsync(topic, Buffer.from(tampered), { qos: 1 });
      await attacker.publishAsync(topic, Buffer.from(protectSymKey(utf8('pay 1 EUR'), topicKey)), { qos: 1 });

      // Assess
      const [error, errorTopic] = await reported;
      expect(isE4Error(error, E4ErrorCode.AuthenticationFailed)).toBe(true);
      expect(errorTopic).toBe(topic);
      await genuine;
      expect(delivered).toEqual(['pay 1 EUR']);
    });

    it('reports garbage on the control topic as error events and keeps working', async () => {
      // Prepare
      const { device, key } = await symmetricDevice();
      const attacker = await connectRaw();
      const controlTopic = device.client.receivingTopic;
      const garbage = [
        new Uint8Array(0),
        utf8('xyz'),
        new Uint8Array(100).fill(0xa5),
        protectCommand(cmdSetTopicKey(randomKey(), uniqueTopic()), randomKey()),
        protectCommand(Uint8Array.of(0x42), key),
        protectCommand(encodeCommand({ type: 'ResetPubKeys' }), key),
      ];
      const reports: Array<[topic: string | undefined, code: string]> = [];
      const allReported = new Promise<void>((resolve) => {
        device.on('error', (error, topic) => {
          reports.push([topic, isE4Error(error) ? error.code : error.message]);
          if (reports.length === garbage.length) resolve();
        });
      });

      // Act
      for (const bytes of garbage) await attacker.publishAsync(controlTopic, Buffer.from(bytes), { qos: 1 });

      // Assess
      await within(allReported, 'error events for every garbage message');
      expect(reports).toEqual(
        [
          E4ErrorCode.CiphertextTooShort,
          E4ErrorCode.CiphertextTooShort,
          E4ErrorCode.TimestampTooOld,
          E4ErrorCode.AuthenticationFailed,
          E4ErrorCode.InvalidCommand,
          E4ErrorCode.UnsupportedOperation,
        ].map((code) => [controlTopic, code]),
      );
      expect(await install(attacker, device, cmdSetTopicKey(randomKey(), uniqueTopic()), key)).toBe('SetTopicKey');
    });
  });

  describe('receipts', () => {
    it('publishes, once a command is applied and saved, a receipt naming it (QoS 1, not retained)', async () => {
      // Prepare
      const { device, key } = await symmetricDevice();
      const c2 = await connectRaw();
      await c2.subscribeAsync(device.client.receiptTopic, { qos: 1 });
      const frame = protectCommand(cmdSetTopicKey(randomKey(), uniqueTopic()), key);
      const published = new Promise<Packet>((resolve) =>
        c2.once('message', (_topic, _payload, packet) => resolve(packet)),
      );

      // Act
      await c2.publishAsync(topicForId(device.client.id), Buffer.from(frame), { qos: 1 });

      // Assess
      const packet = (await within(published, 'the receipt')) as Packet & {
        qos: number;
        retain: boolean;
        payload: Buffer;
      };
      expect(device.client.receiptTopic).toBe(`${topicForId(device.client.id)}/receipt`);
      expect({ qos: packet.qos, retain: packet.retain }).toEqual({ qos: 1, retain: false });
      expect(unprotectReceipt(new Uint8Array(packet.payload), key)).toEqual(commandHash(frame));
    });

    it('sends none with receipts: false (as an e4go device), nor for a command it refuses', async () => {
      // Prepare
      const quiet = await symmetricDevice({ receipts: false });
      const talkative = await symmetricDevice();
      const c2 = await connectRaw();
      const receipts: string[] = [];
      c2.on('message', (topic) => receipts.push(topic));
      await c2.subscribeAsync('e4/+/receipt', { qos: 1 });
      const refused = nextEvent(talkative.device, 'error');

      // Act: a command each, then a refused one (wrong key) and a good one to the device that sends receipts
      await install(c2, quiet.device, cmdSetTopicKey(randomKey(), uniqueTopic()), quiet.key);
      await sendCommand(c2, talkative.device.client, cmdSetTopicKey(randomKey(), uniqueTopic()), randomKey());
      await refused;
      const receipt = nextRawMessage(c2, talkative.device.client.receiptTopic);
      await install(c2, talkative.device, cmdSetTopicKey(randomKey(), uniqueTopic()), talkative.key);
      await within(receipt, 'the receipt');
      // The quiet device's own publish comes after anything it sent before (one connection keeps its order).
      await quiet.device.mqtt.publishAsync('sensors/probe', 'x', { qos: 1 });
      await talkative.device.mqtt.publishAsync('sensors/probe', 'x', { qos: 1 });

      // Assess
      expect(receipts).toEqual([talkative.device.client.receiptTopic]);
    });
  });

  describe('durability of commands', () => {
    it('has saved the state to its file when it reports a command', async () => {
      // Prepare
      const folder = await mkdtemp(join(tmpdir(), 'e4c2-device-'));
      cleanups.push(() => rm(folder, { recursive: true, force: true }));
      const path = join(folder, 'device.json');
      const key = randomKey();
      const device = await connectDevice(
        await E4Client.create({ mode: 'symmetric', key }, { store: new FileStateStore(path) }),
      );
      const c2 = await connectRaw();
      const topic = uniqueTopic();

      // Act
      await install(c2, device, cmdSetTopicKey(randomKey(), topic), key);

      // Assess
      const reloaded = await E4Client.load({ store: new FileStateStore(path) });
      expect(reloaded.hasTopicKey(topic)).toBe(true);
    });

    it.each([
      { controlQos: 2, ack: 'pubcomp' },
      { controlQos: 1, ack: 'puback' },
    ] as const)(
      'acknowledges a command (control QoS $controlQos) only once its state is saved',
      async ({ controlQos, ack }) => {
        // Prepare: a store that holds the next save until released.
        const store = new GatedStore();
        const key = randomKey();
        const client = await E4Client.create({ mode: 'symmetric', key }, { store });
        const device = await connectDevice(client, { controlQos });
        const c2 = await connectRaw();
        const sent: string[] = [];
        device.mqtt.on('packetsend', (packet: Packet) => sent.push(packet.cmd));
        const gate = store.hold();
        const applied = nextEvent(device, 'command');
        const acknowledged = nextPacketSent(device.mqtt, ack);

        // Act
        await sendCommand(c2, device.client, cmdSetTopicKey(randomKey(), uniqueTopic()), key);
        await within(gate.started, 'the device saving its state');
        const sentWhileSaving = [...sent];
        gate.release();

        // Assess
        expect(sentWhileSaving).not.toContain(ack);
        expect(await applied).toEqual(['SetTopicKey']);
        await acknowledged;
      },
    );

    it('leaves a command unacknowledged when its state cannot be saved', async () => {
      // Prepare: the next save fails; the one after works.
      const store = new GatedStore();
      const key = randomKey();
      const device = await connectDevice(await E4Client.create({ mode: 'symmetric', key }, { store }), {
        controlQos: 1,
      });
      const c2 = await connectRaw();
      const received: number[] = [];
      const acknowledged: number[] = [];
      device.mqtt.on('packetreceive', (packet: Packet) => {
        if (packet.cmd === 'publish' && packet.messageId !== undefined) received.push(packet.messageId);
      });
      device.mqtt.on('packetsend', (packet: Packet) => {
        if (packet.cmd === 'puback' && packet.messageId !== undefined) acknowledged.push(packet.messageId);
      });
      store.failNext();
      const reported = nextEvent(device, 'error');

      // Act: a command whose save fails, then one whose save works.
      await sendCommand(c2, device.client, cmdSetTopicKey(randomKey(), uniqueTopic()), key);
      const [error, topic] = await reported;
      const applied = nextEvent(device, 'command');
      const secondAcknowledged = nextPacketSent(device.mqtt, 'puback');
      await sendCommand(c2, device.client, cmdSetTopicKey(randomKey(), uniqueTopic()), key);
      await applied;
      await secondAcknowledged;

      // Assess
      expect(isE4Error(error, E4ErrorCode.StorageFailed)).toBe(true);
      expect(topic).toBe(device.client.receivingTopic);
      expect(received).toHaveLength(2);
      expect(acknowledged).toEqual([received[1]]);
    });

    it('receives a command sent while it was offline, with a persistent session', async () => {
      // Prepare: device B has a session on the broker, then goes offline.
      const key = randomKey();
      const client = await E4Client.create({ mode: 'symmetric', key });
      const mqtt = { clientId: `e4-${bytesToHex(client.id)}`, clean: false };
      const first = await connectDevice(client, { mqtt });
      await first.end();
      const c2 = await connectRaw();
      const topic = uniqueTopic();
      await sendCommand(c2, client, cmdSetTopicKey(randomKey(), topic), key);
      expect(client.hasTopicKey(topic)).toBe(false);

      // Act
      let resolveCommand: (type: CommandType) => void = () => {};
      const applied = new Promise<CommandType>((resolve) => {
        resolveCommand = resolve;
      });
      await connectDevice(client, { mqtt, on: { command: (type) => resolveCommand(type) } });

      // Assess
      expect(await within(applied, 'the queued command')).toBe('SetTopicKey');
      expect(client.hasTopicKey(topic)).toBe(true);
    });
  });
});

/** An aedes broker on a port of 127.0.0.1 that records every SUBSCRIBE and can drop its connections. */
async function observedAedes(port = 0) {
  const broker = await Aedes.createBroker();
  const subscriptions: { clientId: string; topic: string; qos: number }[] = [];
  broker.on('subscribe', (subs, client) => {
    for (const sub of subs) subscriptions.push({ clientId: client.id, topic: sub.topic, qos: sub.qos });
  });
  const server = createServer(broker.handle);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    port: bound,
    /** SUBSCRIBEs of `topic` by `clientId`, with their QoS. */
    subscribed: (clientId: string, topic: string) =>
      subscriptions.filter((s) => s.clientId === clientId && s.topic === topic).map((s) => s.qos),
    /** Closes every connection from the broker side (the broker and its sessions stay). */
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

describe('E4MqttDevice: the control topic, on AWS IoT Core terms and across reconnections (aedes)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });

  async function start(port?: number) {
    const broker = await observedAedes(port);
    cleanups.push(broker.close);
    return broker;
  }

  async function device(url: string, mqtt: E4MqttDeviceOptions['mqtt'] = {}) {
    const key = randomKey();
    const client = await E4Client.create({ mode: 'symmetric', key });
    const clientId = `e4c2-local-${bytesToHex(client.id)}`;
    const connected = await E4MqttDevice.connect(client, url, { mqtt: { clientId, reconnectPeriod: 20, ...mqtt } });
    cleanups.push(() => connected.end(true));
    return { device: connected, key, clientId, control: client.receivingTopic };
  }

  /** Resolves with the CONNACK of the device's next connection. */
  function nextConnack(mqtt: MqttClient): Promise<IConnackPacket> {
    return within(new Promise<IConnackPacket>((resolve) => mqtt.once('connect', resolve)), 'a reconnection');
  }

  /** Resolves once `count()` reaches `n` (checked on each SUBSCRIBE), then lets later packets of the device land. */
  async function untilSubscribed(count: () => number, n: number, device: E4MqttDevice): Promise<void> {
    await within(
      (async () => {
        while (count() < n) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      `${n} subscriptions of the control topic`,
    );
    // A SUBSCRIBE the device sends after those (its SUBACK comes after theirs): any duplicate has landed by then.
    await device.subscribe(uniqueTopic());
  }

  it('subscribes the control topic at QoS 1 by default (AWS IoT Core answers no QoS 2 SUBSCRIBE)', async () => {
    // Prepare
    const broker = await start();

    // Act
    const { clientId, control } = await device(broker.url);

    // Assess
    expect(broker.subscribed(clientId, control)).toEqual([1]);
  });

  it.each([
    { session: 'a resumed persistent session', clean: false, sessionPresent: true },
    { session: 'a clean session', clean: true, sessionPresent: false },
  ])(
    'subscribes the control topic again once after a reconnection with $session',
    async ({ clean, sessionPresent }) => {
      // Prepare
      const broker = await start();
      const { device: connected, key, clientId, control } = await device(broker.url, { clean });
      const reconnected = nextConnack(connected.mqtt);

      // Act: the broker side closes the connection; MQTT.js reconnects by itself
      broker.dropConnections();
      const connack = await reconnected;
      await untilSubscribed(() => broker.subscribed(clientId, control).length, 2, connected);

      // Assess: exactly one new SUBSCRIBE (QoS 1), and commands still arrive
      expect(connack.sessionPresent).toBe(sessionPresent);
      expect(broker.subscribed(clientId, control)).toEqual([1, 1]);
      const c2 = await connectAsync(broker.url);
      cleanups.push(() => c2.endAsync(true));
      expect(await install(c2, connected, cmdSetTopicKey(randomKey(), uniqueTopic()), key)).toBe('SetTopicKey');
    },
  );

  it('subscribes the control topic on a broker restarted on the same port (session lost)', async () => {
    // Prepare
    const first = await start();
    const { device: connected, clientId, control } = await device(first.url, { clean: false });
    const reconnected = nextConnack(connected.mqtt);

    // Act
    await first.close();
    const second = await start(first.port);
    const connack = await reconnected;
    await untilSubscribed(() => second.subscribed(clientId, control).length, 1, connected);

    // Assess
    expect(connack.sessionPresent).toBe(false);
    expect(second.subscribed(clientId, control)).toEqual([1]);
  });
});

describe('E4MqttDevice.connect', () => {
  it('rejects when no broker listens, leaving nothing running', async () => {
    // Prepare: a port that was free a moment ago.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const client = await E4Client.create({ mode: 'symmetric', key: randomKey() });

    // Act
    const connecting = E4MqttDevice.connect(client, `mqtt://127.0.0.1:${port}`, { mqtt: { reconnectPeriod: 0 } });

    // Assess
    await expect(connecting).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

function uniqueTopic(): string {
  return `sensors/${randomUUID()}`;
}

/**
 * What the C2 does: protect a command under the client's command key, publish it on `e4/<hex id>`. Published at QoS 2
 * (e4c2's C2 uses QoS 1) so that the device's subscription decides the QoS of delivery (the lower of the two).
 */
async function sendCommand(c2: MqttClient, client: E4Client, command: Uint8Array, commandKey: Uint8Array) {
  await c2.publishAsync(topicForId(client.id), Buffer.from(protectCommand(command, commandKey)), { qos: 2 });
}

/** Sends a command and resolves with its type once the device reports it applied. */
async function install(
  c2: MqttClient,
  device: E4MqttDevice,
  command: Uint8Array,
  commandKey: Uint8Array,
): Promise<CommandType> {
  const applied = nextEvent(device, 'command');
  await sendCommand(c2, device.client, command, commandKey);
  const [type] = await applied;
  return type;
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), EVENT_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The arguments of the next `event` of the device that `accept` accepts. */
function nextEvent<K extends keyof E4MqttDeviceEvents>(
  device: E4MqttDevice,
  event: K,
  accept: (...args: E4MqttDeviceEvents[K]) => boolean = () => true,
): Promise<E4MqttDeviceEvents[K]> {
  let listener: (...args: E4MqttDeviceEvents[K]) => void = () => {};
  const next = new Promise<E4MqttDeviceEvents[K]>((resolve) => {
    listener = (...args) => {
      if (accept(...args)) resolve(args);
    };
    device.on(event, listener);
  });
  return within(next, `a "${event}" event`).finally(() => device.off(event, listener));
}

function nextRawMessage(mqtt: MqttClient, topic: string): Promise<Uint8Array> {
  let listener: (received: string, payload: Buffer) => void = () => {};
  const next = new Promise<Uint8Array>((resolve) => {
    listener = (received, payload) => {
      if (received === topic) resolve(new Uint8Array(payload));
    };
    mqtt.on('message', listener);
  });
  return within(next, `a message on ${topic}`).finally(() => mqtt.off('message', listener));
}

function nextPacketSent(mqtt: MqttClient, cmd: Packet['cmd']): Promise<void> {
  let listener: (packet: Packet) => void = () => {};
  const next = new Promise<void>((resolve) => {
    listener = (packet) => {
      if (packet.cmd === cmd) resolve();
    };
    mqtt.on('packetsend', listener);
  });
  return within(next, `a ${cmd} packet`).finally(() => mqtt.off('packetsend', listener));
}

/** A memory store whose next save can be held until released, or made to fail. */
class GatedStore implements StateStore {
  readonly #inner = new MemoryStateStore();
  #gate: { started: () => void; released: Promise<void> } | undefined;
  #failNext = false;

  failNext(): void {
    this.#failNext = true;
  }

  hold(): { started: Promise<void>; release: () => void } {
    let started: () => void = () => {};
    let release: () => void = () => {};
    const startedPromise = new Promise<void>((resolve) => {
      started = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#gate = { started, released };
    return { started: startedPromise, release };
  }

  load(): Promise<Uint8Array | undefined> {
    return this.#inner.load();
  }

  async save(document: Uint8Array): Promise<void> {
    if (this.#failNext) {
      this.#failNext = false;
      throw new Error('disk full');
    }
    const gate = this.#gate;
    this.#gate = undefined;
    if (gate) {
      gate.started();
      await gate.released;
    }
    await this.#inner.save(document);
  }
}
