/**
 * `e4c2 device enrol`: makes a device identity in a state file (e4go's format, 0600; or takes the one a cut-short
 * enrolment left there), creates its client through the API, and saves the enrolment (its creation time and its
 * broker credentials) beside it. The key is made here and saved before the C2 hears of it: nothing is lost if the
 * request fails, and the next `enrol` sends the same identity. A state file that is enrolled already, or that holds
 * another device, is refused (exit 1), and so is a name the C2 knows already (ALREADY_EXISTS).
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bytesToHex, E4Client, FileStateStore, fromBase64, hashIdAlias } from '../../shared/e4/node/index.js';
import type { Schemas } from '../api/Api.js';
import type { CliContext } from '../CliContext.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { enrolmentPathOf, readEnrolment, writeEnrolment } from './deviceEnrolment.js';
import { type DeviceMode, enrolmentRequest, newDeviceIdentity } from './newDeviceIdentity.js';

export interface EnrolledDevice {
  readonly client: Schemas['Client'];
  readonly state: string;
  readonly enrolment: string;
}

export async function enrolDevice(
  context: CliContext,
  name: string,
  { state, mode }: { state: string; mode?: DeviceMode },
): Promise<EnrolledDevice> {
  const enrolmentPath = enrolmentPathOf(state);
  const enrolled = await readEnrolment(enrolmentPath);
  if (enrolled) {
    throw new CliError(`${state} is enrolled already (${enrolled.createdAt}): give another --state`, ExitCode.Refused);
  }
  const store = new FileStateStore(state);
  let client: E4Client;
  if (await store.load()) {
    client = await E4Client.load({ store });
    if (bytesToHex(client.id) !== bytesToHex(hashIdAlias(name))) {
      throw new CliError(`${state} holds another device than "${name}": give another --state`, ExitCode.Refused);
    }
    if (mode && client.mode !== mode) {
      throw new CliError(`${state} holds "${name}" in ${client.mode} mode, not ${mode}`, ExitCode.Refused);
    }
  } else {
    await mkdir(dirname(state), { recursive: true, mode: 0o700 });
    client = await newDeviceIdentity(store, name, mode ?? 'symmetric', async () => {
      const { publicKey } = await context.api.call((api) => api.GET('/v1/keys/c2'));
      const key = fromBase64(publicKey);
      if (!key) throw new CliError('the C2 sent no public key', ExitCode.Server);
      return key;
    });
  }
  const answer = await context.api
    .call((api) => api.POST('/v1/clients', { body: enrolmentRequest(client, name) }))
    .catch((error: unknown) => {
      if (!(error instanceof CliError) || error.code !== 'ALREADY_EXISTS') throw error;
      throw new CliError(
        `${error.message} (the C2 knows another "${name}": delete it there, or enrol under another name with ` +
          `another --state; ${state} keeps the identity made for "${name}")`,
        error.exitCode,
        error.code,
      );
    });
  await writeEnrolment(enrolmentPath, {
    createdAt: answer.client.createdAt,
    ...(answer.mqtt ? { mqtt: answer.mqtt } : {}),
  });
  return { client: answer.client, state, enrolment: enrolmentPath };
}
