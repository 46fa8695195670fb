/**
 * `e4c2 device enrol`: makes a device identity in a state file (e4go's format, 0600; or takes the one a cut-short
 * enrolment left there), creates its client through the API, and saves the enrolment (its creation time and its
 * broker credentials) beside it. The key is made here and saved before the C2 hears of it: nothing is lost if the
 * request fails, and the next `enrol` sends the same identity. A state file that is enrolled already, or that holds
 * another device, is refused (exit 1), and so is a name the C2 knows already (ALREADY_EXISTS).
 *
 * Two ways in: an operator's (`POST /v1/clients` with the profile's key), or trust on first use (`POST /v1/enrol`
 * with an enrolment window's token, to the profile's or `--api-url`'s C2, the token used for that one request and
 * never stored). The device's key (or Ed25519 public key) goes to that one request only. Enrolled by a window, the
 * device is sent a new identity key as soon as it comes back (`device listen`), then the window's topics' keys. The
 * token cannot read the C2's public key: a public-key device enrolled with one is given it (`c2PublicKey`). A 401
 * for the token is ENROLMENT_CLOSED (exit 1): closing a window revokes its token, and it expires with the window.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bytesToHex, E4Client, FileStateStore, fromBase64, hashIdAlias } from '../../shared/e4/node/index.js';
import { Api, type Schemas } from '../api/Api.js';
import type { CliContext } from '../CliContext.js';
import { CliError, usageError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { enrolmentPathOf, readEnrolment, writeEnrolment } from './deviceEnrolment.js';
import { type DeviceMode, type EnrolmentRequest, enrolmentRequest, newDeviceIdentity } from './newDeviceIdentity.js';

export interface EnrolledDevice {
  readonly client: Schemas['Client'];
  readonly state: string;
  readonly enrolment: string;
}

export interface EnrolOptions {
  readonly state: string;
  readonly mode?: DeviceMode;
  /** An enrolment window's token: enrol by trust on first use (`POST /v1/enrol`). */
  readonly token?: string;
  /** The C2's public key, for a public-key device enrolled with a token. */
  readonly c2PublicKey?: Uint8Array;
}

type Registration = { client: Schemas['Client']; mqtt?: Schemas['MqttCredentials'] };

/** The request that makes the client: the operator's, or the device's own with a window's token. */
function registrar(context: CliContext, token: string | undefined) {
  if (token === undefined) {
    return (body: EnrolmentRequest): Promise<Registration> =>
      context.api.call((api) => api.POST('/v1/clients', { body }));
  }
  const { apiUrl } = context.anonymousApi.connection;
  const window = new Api({ apiUrl, apiKey: token });
  return (body: EnrolmentRequest): Promise<Registration> =>
    window
      .call((api) => api.POST('/v1/enrol', { body }))
      .catch((error: unknown) => {
        if (!(error instanceof CliError) || error.exitCode !== ExitCode.Auth) throw error;
        throw new CliError(
          "the enrolment token was refused: its window is closed or expired (or it is no window's token)",
          ExitCode.Refused,
          'ENROLMENT_CLOSED',
        );
      });
}

export async function enrolDevice(context: CliContext, name: string, options: EnrolOptions): Promise<EnrolledDevice> {
  const { state, mode, token } = options;
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
      if (token !== undefined) {
        if (options.c2PublicKey) return options.c2PublicKey;
        throw usageError(
          "a public-key device enrolled with a token needs the C2's public key: --c2-pubkey KEY (`e4c2 c2key show`)",
        );
      }
      const { publicKey } = await context.api.call((api) => api.GET('/v1/keys/c2'));
      const key = fromBase64(publicKey);
      if (!key) throw new CliError('the C2 sent no public key', ExitCode.Server);
      return key;
    });
  }
  const answer = await registrar(
    context,
    token,
  )(enrolmentRequest(client, name)).catch((error: unknown) => {
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
