/**
 * A thin MQTT.js helper for devices: an {@link E4Client} on an MQTT connection. Everything published is protected
 * with the topic's key (never cleartext); everything received is unprotected, and commands arriving on the control
 * topic are applied and acknowledged to the broker only once the new state is durable.
 *
 * Use a persistent session (`clean: false` and a stable `clientId`, e.g. the thing name on AWS IoT Core): the broker
 * then keeps the device's subscriptions while it is offline and queues the commands the C2 publishes at QoS 1, which
 * reach the device when it reconnects. With a clean session, a command sent while the device is offline is lost
 * (unless the broker retains it).
 *
 * The control topic is subscribed at QoS 1 by default: AWS IoT Core has no QoS 2 (it answers a QoS 2 SUBSCRIBE with
 * no SUBACK), and at QoS 1 the broker redelivers any command not yet acknowledged (applying one twice is harmless).
 * `controlQos: 2` is there for brokers that have it (the e4go demos use it); MQTT.js then sends the PUBREC at once and
 * keeps the message in its `incomingStore` until the PUBCOMP, so a crash between the two loses the command unless
 * that store is persistent. Commands are acknowledged after their state is saved (the PUBACK, or the PUBCOMP).
 *
 * After a command is applied and saved, the device publishes its receipt (QoS 1, not retained) on
 * `e4/<hex id>/receipt` (docs/protocol.md, section 11), without waiting for the broker's acknowledgement: the C2 marks
 * the delivery confirmed. `receipts: false` turns them off (the device then behaves like an e4go device).
 *
 * The control topic is subscribed again on every reconnection, a resumed session included (MQTT.js re-subscribes
 * only when the session was lost): the C2 resends a device its current keys when it subscribes to its control topic
 * (local mode, and the lifecycle rule on AWS IoT Core), so a device that comes back always gets them.
 *
 * @example
 * const client = await E4Client.loadOrCreate(config, { store: new FileStateStore('device.json') });
 * const device = await E4MqttDevice.connect(client, 'mqtts://broker:8883', {
 *   mqtt: { clientId: thingName, clean: false, cert, key }, // on AWS IoT Core: e4c2-<tenant>-<hex id>
 *   on: {
 *     message: (topic, payload) => handle(topic, payload),
 *     error: (error, topic) => count(error, topic), // discarded messages and transport errors
 *   },
 * });
 * await device.ready('t/acme/sensors/temp'); // a fresh device waits for its first topic key
 * await device.subscribe('t/acme/sensors/#');
 * await device.publish('t/acme/sensors/temp', '21.5', { qos: 1 });
 */
import { Buffer } from 'node:buffer';
import {
  connect,
  type IClientOptions,
  type IClientPublishOptions,
  type IConnackPacket,
  type IPublishPacket,
  type ISubscriptionGrant,
  type ISubscriptionMap,
  type MqttClient,
} from 'mqtt';
import { utf8 } from '../bytes.js';
import type { E4Client, ReadyOptions, UnprotectResult } from '../client/E4Client.js';
import type { CommandType } from '../commands/Command.js';

type QoS = 0 | 1 | 2;

/** The events of an {@link E4MqttDevice} and their arguments. */
export interface E4MqttDeviceEvents {
  /** A message, unprotected: only authenticated plaintext is ever delivered. */
  message: [topic: string, payload: Uint8Array];
  /**
   * A command of the C2 was applied and saved (its receipt is on its way, and the broker gets its acknowledgement
   * right after).
   */
  command: [type: CommandType];
  /**
   * A message discarded because it could not be unprotected (an `E4Error`: its `code` says why, e.g.
   * AUTHENTICATION_FAILED, TOPIC_KEY_NOT_FOUND, TIMESTAMP_TOO_OLD), a command whose state could not be saved
   * (STORAGE_FAILED; left unacknowledged so that the broker redelivers it after a reconnection), a receipt that could
   * not be published (`topic` is the receipt topic), or, with `topic` undefined, an error of the MQTT connection.
   */
  error: [error: Error, topic: string | undefined];
}

export type E4MqttDeviceListener<K extends keyof E4MqttDeviceEvents> = (...args: E4MqttDeviceEvents[K]) => void;

export interface E4MqttDeviceOptions {
  /**
   * MQTT.js options. Recommended for devices: `clean: false` and a stable `clientId` (see the class notes). Do not
   * set `properties.topicAliasMaximum`: MQTT.js hands aliased messages over without their topic.
   */
  mqtt?: IClientOptions;
  /**
   * Listeners in place before the connection: only these see what a resumed session delivers at once (messages and
   * commands queued while the device was offline), which may arrive before `connect` resolves.
   */
  on?: { [K in keyof E4MqttDeviceEvents]?: E4MqttDeviceListener<K> };
  /** QoS of the control-topic subscription; default 1 (AWS IoT Core has no QoS 2; see the class notes). */
  controlQos?: 1 | 2;
  /** Publish a receipt for each command applied and saved (docs/protocol.md, section 11); default true. */
  receipts?: boolean;
}

type DeviceOptions = Pick<E4MqttDeviceOptions, 'on' | 'controlQos' | 'receipts'>;

type Listeners = { [K in keyof E4MqttDeviceEvents]: Set<E4MqttDeviceListener<K>> };

export class E4MqttDevice {
  readonly client: E4Client;
  /**
   * The MQTT.js client, for connection events. Its own `message` event carries the protected bytes: listen to this
   * device's `message` event instead.
   */
  readonly mqtt: MqttClient;
  readonly #listeners: Listeners = { message: new Set(), command: new Set(), error: new Set() };
  readonly #onMqttError = (error: Error): void => this.#emit('error', error, undefined);
  readonly #controlQos: 1 | 2;
  readonly #receipts: boolean;
  /** Set once the first subscription to the control topic is done: later connections re-subscribe it. */
  #controlSubscribed = false;
  readonly #onConnect = (connack: IConnackPacket): void => {
    if (!this.#controlSubscribed || mqttResubscribes(this.mqtt, connack)) return;
    const topic = this.client.receivingTopic;
    // `resubscribe: true`: MQTT.js skips a topic it already holds at the same QoS unless told it is a resubscription.
    const subscription = { resubscribe: true } as ISubscriptionMap;
    subscription[topic] = { qos: this.#controlQos };
    this.mqtt.subscribeAsync(subscription).then(
      (granted) => {
        if (granted.some((grant) => grant.qos === 128)) {
          this.#emit('error', new Error(`subscription refused by the broker: ${topic}`), topic);
        }
      },
      (error: unknown) => this.#emit('error', asError(error), topic),
    );
  };

  private constructor(client: E4Client, mqtt: MqttClient, options: DeviceOptions) {
    this.client = client;
    this.mqtt = mqtt;
    this.#controlQos = options.controlQos ?? 1;
    if (this.#controlQos !== 1 && this.#controlQos !== 2) throw new RangeError('controlQos must be 1 or 2');
    this.#receipts = options.receipts ?? true;
    if (typeof this.#receipts !== 'boolean') throw new TypeError('receipts must be a boolean');
    const listeners = options.on ?? {};
    if (listeners.message) this.on('message', listeners.message);
    if (listeners.command) this.on('command', listeners.command);
    if (listeners.error) this.on('error', listeners.error);
    // MQTT.js calls handleMessage one message at a time and sends the PUBACK (QoS 1) or PUBCOMP (QoS 2) when its
    // callback is called; an error passed to the callback leaves the message unacknowledged.
    mqtt.handleMessage = (packet, done) => {
      this.#handle(packet).then(
        () => done(),
        (error: Error) => done(error),
      );
    };
    mqtt.on('error', this.#onMqttError);
    mqtt.on('connect', this.#onConnect);
  }

  /**
   * Connects to the broker at `url`, subscribes to the client's control topic (QoS 1 by default) and resolves once
   * subscribed (and subscribes it again on every reconnection). Messages the broker delivers as soon as the session
   * resumes are handled too. Rejects (and closes the connection) if the first connection attempt or the subscription
   * fails.
   */
  static async connect(client: E4Client, url: string, options: E4MqttDeviceOptions = {}): Promise<E4MqttDevice> {
    const mqtt = connect(url, options.mqtt ?? {});
    const device = new E4MqttDevice(client, mqtt, options);
    try {
      await connected(mqtt);
      await device.#subscribeControl();
    } catch (error) {
      await device.end(true);
      throw error;
    }
    return device;
  }

  /**
   * Wraps an MQTT.js client (connected or connecting) and subscribes to the control topic (QoS 1 by default, and
   * again on every reconnection). It replaces the client's `handleMessage`; wrap it in the same tick as
   * `mqtt.connect(...)` so that no message of a resumed session is acknowledged before this device handles it.
   */
  static async wrap(client: E4Client, mqtt: MqttClient, options: DeviceOptions = {}): Promise<E4MqttDevice> {
    const device = new E4MqttDevice(client, mqtt, options);
    await device.#subscribeControl();
    return device;
  }

  /**
   * Resolves once the client holds a key for `topic` (at once if it already does): a freshly enrolled device waits
   * for the C2's first SetTopicKey before it publishes. Rejects with the E4Error READY_TIMEOUT after `timeoutMs`
   * (default 60 s), or with the signal's reason. See {@link E4Client.ready}.
   */
  ready(topic: string, options?: ReadyOptions): Promise<void> {
    return this.client.ready(topic, options);
  }

  /** Subscribes to message topics (default QoS 1); rejects if the broker refuses any of them. */
  async subscribe(topics: string | string[], qos: QoS = 1): Promise<ISubscriptionGrant[]> {
    const granted = await this.mqtt.subscribeAsync(topics, { qos });
    const refused = granted.filter((grant) => grant.qos === 128).map((grant) => grant.topic);
    if (refused.length > 0) throw new Error(`subscription refused by the broker: ${refused.join(', ')}`);
    return granted;
  }

  async unsubscribe(topics: string | string[]): Promise<void> {
    await this.mqtt.unsubscribeAsync(topics);
  }

  /**
   * Protects `payload` (a string is sent as UTF-8) with the topic's key and publishes it; resolves when MQTT.js is
   * done with it (acknowledged by the broker for QoS 1 and 2). Rejects with the E4Error TOPIC_KEY_NOT_FOUND, before
   * sending anything, when the client has no key for the topic.
   */
  async publish(topic: string, payload: Uint8Array | string, options: IClientPublishOptions = {}): Promise<void> {
    const protectedMessage = this.client.protectMessage(typeof payload === 'string' ? utf8(payload) : payload, topic);
    const bytes = Buffer.from(protectedMessage.buffer, protectedMessage.byteOffset, protectedMessage.byteLength);
    await this.mqtt.publishAsync(topic, bytes, options);
  }

  /** Disconnects (a persistent session stays on the broker) and detaches from the MQTT.js client. */
  async end(force = false): Promise<void> {
    this.mqtt.off('connect', this.#onConnect);
    await this.mqtt.endAsync(force);
    this.mqtt.off('error', this.#onMqttError);
  }

  /**
   * Adds a listener. Listeners run synchronously, in the order added; one that throws does not stop the others nor
   * the acknowledgement of the message, and its error is rethrown asynchronously (as an uncaught exception).
   * Without an `error` listener, discarded messages are dropped silently.
   */
  on<K extends keyof E4MqttDeviceEvents>(event: K, listener: E4MqttDeviceListener<K>): this {
    this.#listeners[event].add(listener);
    return this;
  }

  off<K extends keyof E4MqttDeviceEvents>(event: K, listener: E4MqttDeviceListener<K>): this {
    this.#listeners[event].delete(listener);
    return this;
  }

  /** What logs show of a device: its E4 client (keys redacted) and its MQTT client id, never the MQTT options. */
  toJSON(): Record<string, unknown> {
    return { client: this.client.toJSON(), clientId: this.mqtt.options.clientId, connected: this.mqtt.connected };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `E4MqttDevice ${JSON.stringify(this.toJSON())}`;
  }

  async #subscribeControl(): Promise<void> {
    await this.subscribe(this.client.receivingTopic, this.#controlQos);
    this.#controlSubscribed = true;
  }

  async #handle(packet: IPublishPacket): Promise<void> {
    const { topic } = packet;
    const payload = typeof packet.payload === 'string' ? utf8(packet.payload) : packet.payload;
    let result: UnprotectResult;
    try {
      result = this.client.unprotect(payload, topic);
    } catch (error) {
      // Discarded: acknowledged, since receiving it again would not make it valid.
      this.#emit('error', asError(error), topic);
      return;
    }
    if (result.kind === 'message') {
      this.#emit('message', topic, result.payload);
      return;
    }
    try {
      await result.saved;
    } catch (error) {
      this.#emit('error', asError(error), topic);
      throw error;
    }
    if (this.#receipts) this.#sendReceipt(payload);
    this.#emit('command', result.command);
  }

  /**
   * Publishes the receipt of the command `frame` (QoS 1, not retained) without waiting for the broker: MQTT.js
   * handles incoming packets one at a time and would not read the PUBACK before this command's handling is done.
   * Built now, before the next command can change the command key.
   */
  #sendReceipt(frame: Uint8Array): void {
    const topic = this.client.receiptTopic;
    const receipt = this.client.commandReceipt(frame);
    const bytes = Buffer.from(receipt.buffer, receipt.byteOffset, receipt.byteLength);
    this.mqtt.publishAsync(topic, bytes, { qos: 1, retain: false }).catch((error: unknown) => {
      this.#emit('error', asError(error), topic);
    });
  }

  #emit<K extends keyof E4MqttDeviceEvents>(event: K, ...args: E4MqttDeviceEvents[K]): void {
    for (const listener of [...this.#listeners[event]]) {
      try {
        listener(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

function connected(mqtt: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const onConnect = (): void => {
      mqtt.off('error', onError);
      resolve();
    };
    const onError = (error: Error): void => {
      mqtt.off('connect', onConnect);
      reject(error);
    };
    mqtt.once('connect', onConnect);
    mqtt.once('error', onError);
  });
}

/**
 * Whether MQTT.js re-subscribes its subscriptions itself after this CONNACK (MqttClient `_resubscribe`): only when
 * the session was not resumed, with `resubscribe` on and automatic reconnection (it records subscriptions for that
 * only when `reconnectPeriod` > 0). The control topic is subscribed again by the device in every other case, so that
 * each connection carries exactly one SUBSCRIBE of it (the integration test checks this against the MQTT.js in use).
 */
function mqttResubscribes(mqtt: MqttClient, connack: IConnackPacket): boolean {
  const { resubscribe, reconnectPeriod, clean, protocolVersion } = mqtt.options;
  const sessionLost = clean !== false || ((protocolVersion ?? 4) >= 4 && connack.sessionPresent !== true);
  return resubscribe !== false && (reconnectPeriod ?? 1000) > 0 && sessionLost;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
