/**
 * A device of `e4c2 device listen|publish|read` on the broker: its E4 client loaded from its state file, its broker
 * credentials from its enrolment (new ones asked of the C2 when the enrolment has none), connected to the broker of
 * `--mqtt-url` / E4C2_MQTT_URL. Each run is a new MQTT session: the C2 sends a device its current keys when it
 * subscribes to its control topic, so a run starts with them. Failures as exit codes: no state (1), a broker that
 * refuses the device's credentials (3), a broker that cannot be reached (5).
 */

import type { E4MqttDevice, E4MqttDeviceOptions } from '../../shared/e4/mqtt/index.js';
import { bytesToHex, E4Client, FileStateStore } from '../../shared/e4/node/index.js';
import type { CliContext } from '../CliContext.js';
import { CliError, usageError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { BrokerTimeout, connectDevice } from './connectDevice.js';
import { brokerLogin, enrolmentPathOf } from './deviceEnrolment.js';

export interface DeviceOptions {
  state: string;
  mqttUrl?: string;
  mqttCa?: string;
}

/** MQTT CONNACK codes of a refused login: 4 and 5 (MQTT 3.1.1), 134 and 135 (MQTT 5). */
const REFUSED_LOGIN = new Set([4, 5, 134, 135]);

export async function loadDevice(state: string): Promise<E4Client> {
  const store = new FileStateStore(state);
  if (!(await store.load())) {
    throw new CliError(
      `no device in ${state}: enrol one with \`e4c2 device enrol <name> --state ${state}\``,
      ExitCode.Refused,
    );
  }
  return E4Client.load({ store });
}

export async function openDevice(
  context: CliContext,
  options: DeviceOptions,
  on: E4MqttDeviceOptions['on'],
): Promise<E4MqttDevice> {
  if (!options.mqttUrl) throw usageError('no MQTT broker: give --mqtt-url or set E4C2_MQTT_URL');
  const url = options.mqttUrl;
  const client = await loadDevice(options.state);
  const clientId = bytesToHex(client.id);
  const login = await brokerLogin(enrolmentPathOf(options.state), () =>
    context.api
      .call((api) => api.POST('/v1/clients/{clientId}/mqtt-credentials', { params: { path: { clientId } } }))
      .catch((error: unknown) => {
        // 400: the C2 issues no credentials (its broker is an external one).
        if (error instanceof CliError && error.exitCode === ExitCode.Refused) return undefined;
        throw error;
      }),
  );
  try {
    return await connectDevice(client, url, {
      clean: true,
      ...(login ? { login } : {}),
      ...(options.mqttCa ? { caFile: options.mqttCa } : {}),
      on,
    });
  } catch (error) {
    if (error instanceof BrokerTimeout) throw new CliError(`${error.message} within 10 s`, ExitCode.Server);
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number' && REFUSED_LOGIN.has(code)) {
      throw new CliError(`the broker at ${url} refused the device: ${(error as Error).message}`, ExitCode.Auth);
    }
    throw new CliError(`cannot connect to the broker at ${url}: ${(error as Error).message}`, ExitCode.Server);
  }
}
