/**
 * What a device run from a terminal (`e4c2 device`, examples/device.ts) knows of its enrolment, beside its E4 state
 * file (`alice.json` → `alice.enrolment.json`): the creation time of the C2's record of it (to tell its own record
 * from another enrolment under the same name) and its broker credentials (the `mqtt` of the creation answer, which
 * local mode's embedded broker asks for). Written atomically, mode 0600: it holds the broker password.
 */
import { FileStateStore } from '../../shared/e4/node/index.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';

export interface MqttLogin {
  readonly username: string;
  readonly password: string;
}

export interface DeviceEnrolment {
  readonly createdAt: string;
  readonly mqtt?: MqttLogin;
}

/** The enrolment file of a state file: `.json` replaced by `.enrolment.json`, or `.enrolment.json` appended. */
export function enrolmentPathOf(statePath: string): string {
  return `${statePath.replace(/\.json$/, '')}.enrolment.json`;
}

export async function readEnrolment(path: string): Promise<DeviceEnrolment | undefined> {
  const bytes = await new FileStateStore(path).load();
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as DeviceEnrolment;
  } catch {
    throw new CliError(`${path} is not an enrolment file (not JSON): fix or delete it`, ExitCode.Refused);
  }
}

export async function writeEnrolment(path: string, enrolment: DeviceEnrolment): Promise<void> {
  await new FileStateStore(path).save(new TextEncoder().encode(JSON.stringify(enrolment)));
}

/**
 * The broker credentials of a device: those of its enrolment, or new ones from `issue` (saved with it) when its
 * enrolment was saved without them; none without an enrolment (a state made elsewhere: the broker is an external one)
 * or when `issue` gets none (the C2 issues none for an external broker).
 */
export async function brokerLogin(
  path: string,
  issue: () => Promise<MqttLogin | undefined>,
): Promise<MqttLogin | undefined> {
  const enrolment = await readEnrolment(path);
  if (!enrolment || enrolment.mqtt) return enrolment?.mqtt;
  const mqtt = await issue();
  if (mqtt) await writeEnrolment(path, { ...enrolment, mqtt });
  return mqtt;
}
