/**
 * A new device identity, saved in its state store before the C2 hears of it (a crash in between loses nothing: the
 * saved identity is enrolled on the next try): a random symmetric key, or in public-key mode a random Ed25519 key
 * pair and the C2's public key. And the body of its enrolment request (`POST /v1/clients`).
 */
import {
  decodeState,
  E4Client,
  randomEd25519KeyPair,
  randomKey,
  type StateStore,
  toBase64,
} from '../../shared/e4/node/index.js';

export type DeviceMode = 'symmetric' | 'pubkey';
export const DEVICE_MODES: readonly DeviceMode[] = ['symmetric', 'pubkey'];

export async function newDeviceIdentity(
  store: StateStore,
  name: string,
  mode: DeviceMode,
  /** The C2's Curve25519 public key (`GET /v1/keys/c2`), for public-key mode. */
  c2PublicKey?: () => Promise<Uint8Array>,
): Promise<E4Client> {
  const client =
    mode === 'symmetric'
      ? await E4Client.create({ mode, name, key: randomKey() }, { store })
      : await E4Client.create(
          { mode, name, privateKey: randomEd25519KeyPair().privateKey, c2PublicKey: await c2PublicKeyOf(c2PublicKey) },
          { store },
        );
  await client.flush();
  return client;
}

async function c2PublicKeyOf(source: (() => Promise<Uint8Array>) | undefined): Promise<Uint8Array> {
  if (!source) throw new TypeError("a device in public-key mode needs the C2's public key");
  return source();
}

export type EnrolmentRequest = { name: string; key: string } | { name: string; mode: 'pubkey'; publicKey: string };

/** What `POST /v1/clients` is sent to enrol `client` under `name`: its key, or its public key. */
export function enrolmentRequest(client: E4Client, name: string): EnrolmentRequest {
  const { identity } = decodeState(client.exportState());
  return identity.mode === 'symmetric'
    ? { name, key: toBase64(identity.key) }
    : { name, mode: 'pubkey', publicKey: toBase64(client.publicKey as Uint8Array) };
}
