/**
 * A device on the broker: its {@link E4MqttDevice} connected with the MQTT client id `e4-<hex id>` (local mode's
 * broker asks a device with credentials for a client id ending with its id), its broker credentials if any, and a CA
 * for `mqtts://`. A broker that refuses the device (CONNACK) fails at once; MQTT.js keeps trying a broker that refuses
 * TCP connections without an error: after `timeoutMs` (default 10 s) this gives up with a {@link BrokerTimeout}.
 * Either way the MQTT client is closed, so that nothing keeps the process alive.
 */
import { readFile } from 'node:fs/promises';
import { connect } from 'mqtt';
import { E4MqttDevice, type E4MqttDeviceOptions } from '../../shared/e4/mqtt/index.js';
import { bytesToHex, type E4Client } from '../../shared/e4/node/index.js';
import type { MqttLogin } from './deviceEnrolment.js';

export class BrokerTimeout extends Error {
  constructor(readonly url: string) {
    super(`no MQTT broker answers at ${url}`);
    this.name = 'BrokerTimeout';
  }
}

export interface ConnectDeviceOptions {
  login?: MqttLogin;
  /** The broker's CA certificate file (mqtts). */
  caFile?: string;
  /** A new MQTT session (true), or the device's persistent one (false: commands sent while away are queued). */
  clean: boolean;
  on?: E4MqttDeviceOptions['on'];
  timeoutMs?: number;
}

export async function connectDevice(
  client: E4Client,
  url: string,
  options: ConnectDeviceOptions,
): Promise<E4MqttDevice> {
  const ca = options.caFile ? await readFile(options.caFile, 'utf8') : undefined;
  const mqtt = connect(url, {
    clientId: `e4-${bytesToHex(client.id)}`,
    clean: options.clean,
    connectTimeout: 5_000,
    ...(options.login ?? {}),
    ...(ca ? { ca } : {}),
  });
  // Wrapped in the same tick as the connection, so that the device handles what a resumed session delivers at once.
  const wrapped = E4MqttDevice.wrap(client, mqtt, { controlQos: 1, ...(options.on ? { on: options.on } : {}) });
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new BrokerTimeout(url)), options.timeoutMs ?? 10_000);
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
