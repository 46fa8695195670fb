/**
 * How the C2 of local mode hears device receipts on an external broker: its own MQTT.js connection, subscribed to
 * `e4/+/receipt` at QoS 1 in a persistent session (a stable client id, `clean: false`), so that receipts published
 * while the C2 was down wait on the broker. Each receipt is acknowledged only once its handler resolved (the queue
 * stored it); one that fails stays unacknowledged, and the broker hands it over again after a reconnection.
 */
import { Buffer } from 'node:buffer';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { RECEIPT_TOPIC_FILTER } from '../../e4/index.js';

export interface MqttReceiptSubscriberOptions {
  /** MQTT.js options; `clientId` should stay the same from one start to the next (default `e4c2-receipts`). */
  mqtt?: IClientOptions;
  /** Told of a receipt the handler failed on (it is handed over again later). */
  onError?: (error: unknown) => void;
}

export class MqttReceiptSubscriber {
  readonly #client: MqttClient;

  private constructor(client: MqttClient) {
    this.#client = client;
  }

  static async connect(
    url: string,
    handle: (topic: string, payload: Uint8Array) => Promise<void>,
    options: MqttReceiptSubscriberOptions = {},
  ): Promise<MqttReceiptSubscriber> {
    const client = connect(url, { clientId: 'e4c2-receipts', clean: false, ...options.mqtt });
    // Set in the tick of connect: a resumed session delivers what waited at once. MQTT.js acknowledges a message when
    // the callback of handleMessage is called, and not if it gets an error.
    client.handleMessage = (packet, done) => {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      handle(packet.topic, payload).then(
        () => done(),
        (error: unknown) => {
          options.onError?.(error);
          done(error instanceof Error ? error : new Error(String(error)));
        },
      );
    };
    try {
      await connected(client);
      const granted = await client.subscribeAsync(RECEIPT_TOPIC_FILTER, { qos: 1 });
      if (granted.some((grant) => grant.qos === 128)) throw new Error(`subscription refused: ${RECEIPT_TOPIC_FILTER}`);
    } catch (error) {
      await client.endAsync(true);
      throw error;
    }
    return new MqttReceiptSubscriber(client);
  }

  /** Disconnects; the persistent session keeps the subscription on the broker. */
  async close(): Promise<void> {
    await this.#client.endAsync(true);
  }
}

function connected(client: MqttClient): Promise<void> {
  return new Promise((resolve, reject) => {
    const onConnect = (): void => {
      client.off('error', onError);
      resolve();
    };
    const onError = (error: Error): void => {
      client.off('connect', onConnect);
      reject(error);
    };
    client.once('connect', onConnect);
    client.once('error', onError);
  });
}
