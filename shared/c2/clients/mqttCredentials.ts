/**
 * A device's credentials for local mode's embedded broker (which enforces what the IoT Core device policy enforces
 * on AWS, local/deviceAccess.ts): username `e4c2-<tenant>-<hex E4 id>`, password 32 random bytes (hex). Only the
 * password's SHA-256 is stored, on the E4 id's claim (clientIdClaim.ts), so it goes with the claim when the client is
 * deleted; a random 256-bit secret needs no slow hash. Issued at creation (returned once) and again on request (the
 * previous password stops working).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, equalBytes, hexToBytes, ID_LEN } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import type { Caller, KeyStore } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { requireClient } from './requireClient.js';
import { validateClientName } from './validateClientName.js';

export interface MqttCredentials {
  readonly username: string;
  /** Shown once; only its SHA-256 is stored. */
  readonly password: string;
}

/** The device a broker connection authenticated as. */
export interface DeviceIdentity {
  readonly tenantId: string;
  /** Lowercase hex of its E4 id: its control topic is `e4/<idHex>`. */
  readonly idHex: string;
}

const USERNAME = /^e4c2-([a-z0-9][a-z0-9-]{0,62})-([0-9a-f]{32})$/;
const SECRET_LEN = 32;

export const mqttUsername = (tenantId: string, id: Uint8Array): string => `e4c2-${tenantId}-${bytesToHex(id)}`;

/** Whether this C2 issues broker credentials (local mode with its embedded broker). */
export const issuesMqttCredentials = (deps: C2Deps): boolean => deps.options?.mqttCredentials === true;

/**
 * New credentials for the client of that E4 id, stored (hashed) on its claim. Undefined when the tenant does not
 * hold the id (a claim released meanwhile): the device then has none.
 */
export async function newMqttCredentials(
  deps: Pick<C2Deps, 'store' | 'random'>,
  tenantId: string,
  id: Uint8Array,
): Promise<MqttCredentials | undefined> {
  const secret = randomBytesOf(deps)(SECRET_LEN);
  const password = bytesToHex(secret);
  secret.fill(0);
  const stored = await deps.store.setMqttSecretHash(tenantId, id, sha256(new TextEncoder().encode(password)));
  return stored ? { username: mqttUsername(tenantId, id), password } : undefined;
}

/** `POST /v1/clients/{id}/mqtt-credentials`: a new password for the client's device (the previous one stops working). */
export async function reissueMqttCredentials(
  deps: C2Deps,
  caller: Caller,
  nameInput: string,
): Promise<MqttCredentials> {
  const name = validateClientName(nameInput);
  if (!issuesMqttCredentials(deps)) {
    throw new C2Error(
      C2ErrorCode.InvalidInput,
      "broker credentials are issued by local mode's embedded broker only (on AWS a device connects with its certificate)",
    );
  }
  return audited(deps, caller, 'client.mqttCredentials', { type: 'client', name }, async () => {
    const client = await requireClient(deps, caller.tenantId, name);
    // A client enrolled before the registry has no claim yet: its tenant takes it now (another tenant's: refused).
    const claim = await deps.store.claimClientId(caller.tenantId, client.id, new Date(deps.clock()).toISOString());
    const credentials = claim === 'taken' ? undefined : await newMqttCredentials(deps, caller.tenantId, client.id);
    if (!credentials) throw new C2Error(C2ErrorCode.ConcurrentUpdate, 'the client is being deleted');
    return { value: credentials };
  });
}

/** The device a username and password stand for; undefined when they do not match (never says why). */
export async function authenticateDevice(
  store: Pick<KeyStore, 'getClientIdClaim'>,
  username: string,
  password: string,
): Promise<DeviceIdentity | undefined> {
  const match = USERNAME.exec(username);
  if (!match || password.length !== SECRET_LEN * 2) return undefined;
  const [, tenantId, idHex] = match as unknown as [string, string, string];
  const id = hexToBytes(idHex);
  if (id.length !== ID_LEN) return undefined;
  const claim = await store.getClientIdClaim(id);
  const hash = sha256(new TextEncoder().encode(password));
  if (!claim?.mqttSecretHash || claim.tenantId !== tenantId || !equalBytes(hash, claim.mqttSecretHash)) {
    return undefined;
  }
  return { tenantId, idHex };
}
