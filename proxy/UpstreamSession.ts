/**
 * One E4 identity's connection to the real broker: one persistent MQTT session (client id `e4-<hex id>` unless
 * configured, `clean: false` by default) shared by every downstream client mapped to the identity. The device
 * library (E4MqttDevice) handles the identity's control topic: commands applied, state saved, receipts sent. Every
 * other message is decided here by the {@link TopicPolicy}: unprotected (or dropped and counted as failed), passed in
 * clear, or dropped, then handed to the downstream clients whose subscriptions match it.
 *
 * Upstream subscriptions are counted by downstream client: a filter is subscribed upstream once, at the highest QoS
 * any downstream client asked, and unsubscribed when the last one leaves it.
 */
import { Buffer } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { E4MqttDevice } from '../shared/e4/mqtt/index.js';
import { bytesToHex } from '../shared/e4/node/index.js';
import type { ProxyConfig } from './config/ProxyConfig.js';
import { readSecret } from './config/readSecret.js';
import { errorCodeOf } from './errorCodeOf.js';
import type { ProxyIdentity } from './ProxyIdentity.js';
import type { ProxyLog } from './ProxyLog.js';
import type { ProxyMetrics } from './ProxyMetrics.js';
import { redactUrl } from './redactUrl.js';
import type { TopicPolicy } from './TopicPolicy.js';
import { topicMatches } from './topicFilter.js';

export type QoS = 0 | 1 | 2;

/** A message from `session` for its downstream client `clientId` (subscribed with `qos`), in clear. */
export type Deliver = (
  session: UpstreamSession,
  clientId: string,
  topic: string,
  payload: Buffer,
  qos: QoS,
  retain: boolean,
) => void;

export interface SessionContext {
  readonly policy: TopicPolicy;
  readonly metrics: ProxyMetrics;
  readonly log: ProxyLog;
  readonly deliver: Deliver;
  /** How long a publication waits for its topic's key (a fresh identity gets its keys on connecting); default 5 s. */
  readonly keyWaitMs?: number;
}

const CONNECT_TIMEOUT_MS = 15_000;

export class UpstreamSession {
  /** filter → (downstream client id → QoS) */
  readonly #subscriptions = new Map<string, Map<string, QoS>>();
  /** filter → QoS subscribed upstream */
  readonly #upstream = new Map<string, QoS>();

  private constructor(
    readonly identity: ProxyIdentity,
    readonly device: E4MqttDevice,
    readonly mqtt: MqttClient,
    readonly context: SessionContext,
  ) {}

  static async open(
    identity: ProxyIdentity,
    upstream: ProxyConfig['upstream'],
    context: SessionContext,
  ): Promise<UpstreamSession> {
    const options = await mqttOptions(identity, upstream);
    const mqtt = connect(upstream.url, options);
    const name = identity.name;
    // Wrapped in the same tick as the connection: the device handles what a resumed session delivers at once.
    const wrapped = E4MqttDevice.wrap(identity.client, mqtt, {
      on: {
        command: (type) => {
          context.metrics.count('commands');
          context.log.info('command', { device: name, command: type });
        },
        error: (error, topic) => {
          if (topic === undefined) context.log.warn('upstream error', { device: name, code: errorCodeOf(error) });
          else context.log.warn('command failed', { device: name, topic, code: errorCodeOf(error) });
        },
      },
    });
    const session = new UpstreamSession(identity, await wrappedDevice(wrapped, mqtt, upstream.url), mqtt, context);
    const handleCommand = mqtt.handleMessage;
    mqtt.handleMessage = (packet, done) => {
      if (identity.client.isReceivingTopic(packet.topic)) return handleCommand.call(mqtt, packet, done);
      session.#received(packet);
      done();
    };
    mqtt.on('connect', () => context.log.info('upstream connected', { device: name }));
    mqtt.on('offline', () => context.log.warn('upstream offline', { device: name }));
    return session;
  }

  get name(): string {
    return this.identity.name;
  }

  /** Subscribes `filter` upstream for a downstream client (at once if already subscribed at this QoS or more). */
  async subscribe(clientId: string, filter: string, qos: QoS): Promise<void> {
    const holders = this.#subscriptions.get(filter) ?? new Map<string, QoS>();
    holders.set(clientId, qos);
    this.#subscriptions.set(filter, holders);
    const wanted = Math.max(...holders.values()) as QoS;
    const current = this.#upstream.get(filter);
    if (current !== undefined && current >= wanted) return;
    this.#upstream.set(filter, wanted);
    try {
      const granted = await this.mqtt.subscribeAsync(filter, { qos: wanted });
      if (granted.some((grant) => grant.qos === 128)) throw new Error('refused by the upstream broker');
    } catch (error) {
      holders.delete(clientId);
      if (holders.size === 0) this.#subscriptions.delete(filter);
      if (this.#upstream.get(filter) === wanted) this.#upstream.delete(filter);
      throw error;
    }
  }

  async unsubscribe(clientId: string, filter: string): Promise<void> {
    const holders = this.#subscriptions.get(filter);
    if (!holders?.delete(clientId) || holders.size > 0) return;
    this.#subscriptions.delete(filter);
    this.#upstream.delete(filter);
    await this.mqtt.unsubscribeAsync(filter).catch(() => {});
  }

  /** Forgets every subscription of a downstream client (a clean session that ended). */
  async forget(clientId: string): Promise<void> {
    for (const [filter, holders] of [...this.#subscriptions]) {
      if (holders.has(clientId)) await this.unsubscribe(clientId, filter);
    }
  }

  /**
   * Publishes a downstream client's message: protected with the topic's key (waiting a little for a key a fresh
   * identity is about to receive) or in clear; resolves when the upstream broker acknowledged it (QoS 1 and 2).
   */
  async publish(topic: string, payload: Buffer, qos: QoS, retain: boolean, protect: boolean): Promise<void> {
    if (!protect) {
      await this.mqtt.publishAsync(topic, payload, { qos, retain });
      return;
    }
    const client = this.identity.client;
    if (!client.hasTopicKey(topic)) await client.ready(topic, { timeoutMs: this.context.keyWaitMs ?? 5_000 });
    await this.device.publish(topic, new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), {
      qos,
      retain,
    });
  }

  /** Disconnects (the persistent session stays on the broker) once the state is saved. */
  async close(): Promise<void> {
    await this.identity.client.flush();
    await this.device.end();
  }

  #received(packet: IPublishPacket): void {
    const { topic } = packet;
    const { policy, metrics, log } = this.context;
    const bytes = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const action = policy.forTopic(topic);
    let payload: Buffer;
    if (action === 'protect') {
      try {
        const result = this.identity.client.unprotect(new Uint8Array(bytes), topic);
        if (result.kind !== 'message') return;
        payload = Buffer.from(result.payload);
      } catch (error) {
        metrics.count('failed');
        log.warn('unprotect failed', { device: this.name, topic, code: errorCodeOf(error) });
        return;
      }
      metrics.count('unprotected');
    } else if (action === 'clear') {
      payload = bytes;
      metrics.count('clear');
    } else {
      if (action !== 'e4') metrics.count('dropped');
      return;
    }
    const qos = packet.qos as QoS;
    for (const [filter, holders] of this.#subscriptions) {
      if (!topicMatches(filter, topic)) continue;
      for (const [clientId, granted] of holders) {
        this.context.deliver(this, clientId, topic, payload, Math.min(qos, granted) as QoS, packet.retain);
      }
    }
  }
}

async function mqttOptions(identity: ProxyIdentity, upstream: ProxyConfig['upstream']): Promise<IClientOptions> {
  const login = identity.login ?? {
    ...(upstream.username !== undefined ? { username: upstream.username } : {}),
    ...(upstream.password ? { password: await readSecret(upstream.password) } : {}),
  };
  return {
    clientId: upstream.clientId ?? `e4-${bytesToHex(identity.client.id)}`,
    clean: upstream.clean,
    keepalive: upstream.keepalive,
    reconnectPeriod: 1_000,
    connectTimeout: 10_000,
    ...login,
    ...(upstream.ca ? { ca: await readFile(upstream.ca) } : {}),
    ...(upstream.cert ? { cert: await readFile(upstream.cert) } : {}),
    ...(upstream.key ? { key: await readSecret(upstream.key) } : {}),
  };
}

/** The device once connected and subscribed to its control topic; the connection closed if that fails. */
async function wrappedDevice(wrapped: Promise<E4MqttDevice>, mqtt: MqttClient, url: string): Promise<E4MqttDevice> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no MQTT broker answers at ${redactUrl(url)}`)), CONNECT_TIMEOUT_MS);
      if (mqtt.connected) resolve();
      mqtt.once('connect', () => resolve());
      mqtt.once('error', reject);
    });
    return await wrapped;
  } catch (error) {
    wrapped.catch(() => {});
    await mqtt.endAsync(true);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
