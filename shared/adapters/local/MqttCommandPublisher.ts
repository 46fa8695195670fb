/**
 * The command publisher of local mode: an MQTT.js connection to the embedded broker (or any broker URL). Commands
 * go out at QoS 1, not retained (E4's C2 retained them, so only the last survived and arrived stale); the outcome of
 * each is its PUBACK, or the error or time-out that stood in for it.
 */
import { Buffer } from 'node:buffer';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import type { CommandOutcome, CommandPublisher, ControlCommand } from '../../c2/ports.js';
import { MAX_MESSAGE_AGE_SECONDS } from '../../e4/index.js';

export interface MqttCommandPublisherOptions {
  mqtt?: IClientOptions;
  /** How long one command may wait for its acknowledgement; default 10 s. */
  ackTimeoutMs?: number;
}

export class MqttCommandPublisher implements CommandPublisher {
  readonly #client: MqttClient;
  readonly #ackTimeoutMs: number;

  private constructor(client: MqttClient, ackTimeoutMs: number) {
    this.#client = client;
    this.#ackTimeoutMs = ackTimeoutMs;
  }

  static async connect(url: string, options: MqttCommandPublisherOptions = {}): Promise<MqttCommandPublisher> {
    const client = await connectAsync(url, { clientId: `e4c2-c2-${process.pid}-${Date.now()}`, ...options.mqtt });
    return new MqttCommandPublisher(client, options.ackTimeoutMs ?? 10_000);
  }

  publish(commands: readonly ControlCommand[]): Promise<CommandOutcome[]> {
    return Promise.all(commands.map((command) => this.#publishOne(command)));
  }

  /**
   * Closes the connection at once. Call it once `publish` calls have settled: a command reported as not delivered
   * (time-out) is dropped here rather than retried (delivering a command twice is harmless, but its outcome was
   * already recorded).
   */
  async close(): Promise<void> {
    await this.#client.endAsync(true);
  }

  /**
   * QoS 1, not retained; on an MQTT 5 connection also a message expiry of E4's window, so that a broker drops a
   * command queued for an offline device once the device would refuse it as stale (MQTT 3.1.1 has no expiry: the
   * device refuses it, and the C2 resends the current keys when it comes back).
   */
  get #publishOptions() {
    const mqtt5 = this.#client.options.protocolVersion === 5;
    return {
      qos: 1,
      retain: false,
      ...(mqtt5 ? { properties: { messageExpiryInterval: MAX_MESSAGE_AGE_SECONDS } } : {}),
    } as const;
  }

  async #publishOne({ clientName, topic, payload }: ControlCommand): Promise<CommandOutcome> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no acknowledgement within ${this.#ackTimeoutMs} ms`)),
        this.#ackTimeoutMs,
      );
    });
    try {
      const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      await Promise.race([this.#client.publishAsync(topic, bytes, this.#publishOptions), timeout]);
      return { clientName, topic, delivered: true };
    } catch (error) {
      return { clientName, topic, delivered: false, error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }
}
