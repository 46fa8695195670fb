/**
 * A thin MQTT.js helper for devices: an {@link E4Client} on an MQTT connection. Everything published is protected
 * with the topic's key (never cleartext); everything received is unprotected, and commands arriving on the control
 * topic are applied and acknowledged to the broker only once the new state is durable.
 *
 * Use a persistent session (`clean: false` and a stable `clientId`, e.g. the E4 id in hex): the broker then keeps the
 * device's subscriptions while it is offline and queues the commands the C2 publishes at QoS 1 or 2, which reach the
 * device when it reconnects. With a clean session, a command sent while the device is offline is lost (unless the
 * broker retains it).
 *
 * Commands are acknowledged after their state is saved: at QoS 1 the PUBACK, at QoS 2 the PUBCOMP. At QoS 2 (the
 * default for the control topic, as the e4go demos) MQTT.js sends the PUBREC at once and keeps the message in its
 * `incomingStore` until the PUBCOMP; with the default in-memory store, a crash between the two loses the command.
 * For crash safety, give MQTT.js a persistent `incomingStore`, or subscribe the control topic at QoS 1
 * (`controlQos: 1`: the broker redelivers any command not yet acknowledged; applying one twice is harmless).
 *
 * @example
 * const client = await E4Client.loadOrCreate(config, { store: new FileStateStore('device.json') });
 * const device = await E4MqttDevice.connect(client, 'mqtts://broker:8883', {
 *   mqtt: { clientId: `e4-${bytesToHex(client.id)}`, clean: false },
 *   on: {
 *     message: (topic, payload) => handle(topic, payload),
 *     error: (error, topic) => count(error, topic), // discarded messages and transport errors
 *   },
 * });
 * await device.subscribe('sensors/#');
 * await device.publish('sensors/temp', '21.5', { qos: 1 });
 */
import { Buffer } from 'node:buffer';
import {
  connect,
  type IClientOptions,
  type IClientPublishOptions,
  type IPublishPacket,
  type ISubscriptionGrant,
  type MqttClient,
} from 'mqtt';
import { utf8 } from '../bytes.js';
import type { E4Client, UnprotectResult } from '../client/E4Client.js';
import type { CommandType } from '../commands/Command.js';

type QoS = 0 | 1 | 2;

/** The events of an {@link E4MqttDevice} and their arguments. */
export interface E4MqttDeviceEvents {
  /** A message, unprotected: only authenticated plaintext is ever delivered. */
  message: [topic: string, payload: Uint8Array];
  /** A command of the C2 was applied and saved (the broker gets its acknowledgement right after). */
  command: [type: CommandType];
  /**
   * A message discarded because it could not be unprotected (an `E4Error`: its `code` says why, e.g.
   * AUTHENTICATION_FAILED, TOPIC_KEY_NOT_FOUND, TIMESTAMP_TOO_OLD), a command whose state could not be saved
   * (STORAGE_FAILED; left unacknowledged so that the broker redelivers it after a reconnection), or, with `topic`
   * undefined, an error of the MQTT connection.
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
  /** QoS of the control-topic subscription; default 2, as the e4go demos (see the class notes). */
  controlQos?: 1 | 2;
}

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

  private constructor(client: E4Client, mqtt: MqttClient, listeners: E4MqttDeviceOptions['on'] = {}) {
    this.client = client;
    this.mqtt = mqtt;
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
  }

  /**
   * Connects to the broker at `url`, subscribes to the client's control topic (QoS 2) and resolves once
   * subscribed. Messages the broker delivers as soon as the session resumes are handled too. Rejects (and closes the
   * connection) if the first connection attempt or the subscription fails.
   */
  static async connect(client: E4Client, url: string, options: E4MqttDeviceOptions = {}): Promise<E4MqttDevice> {
    const mqtt = connect(url, options.mqtt ?? {});
    const device = new E4MqttDevice(client, mqtt, options.on);
    try {
      await connected(mqtt);
      await device.subscribe(client.receivingTopic, options.controlQos ?? 2);
    } catch (error) {
      await device.end(true);
      throw error;
    }
    return device;
  }

  /**
   * Wraps an MQTT.js client (connected or connecting) and subscribes to the control topic (QoS 2). It replaces
   * the client's `handleMessage`; wrap it in the same tick as `mqtt.connect(...)` so that no message of a resumed
   * session is acknowledged before this device handles it.
   */
  static async wrap(
    client: E4Client,
    mqtt: MqttClient,
    options: Pick<E4MqttDeviceOptions, 'on' | 'controlQos'> = {},
  ): Promise<E4MqttDevice> {
    const device = new E4MqttDevice(client, mqtt, options.on);
    await device.subscribe(client.receivingTopic, options.controlQos ?? 2);
    return device;
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

  async #handle(packet: IPublishPacket): Promise<void> {
    const { topic, payload } = packet;
    let result: UnprotectResult;
    try {
      result = this.client.unprotect(typeof payload === 'string' ? utf8(payload) : payload, topic);
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
    this.#emit('command', result.command);
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

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
