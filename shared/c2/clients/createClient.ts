/**
 * Enrols a client (device): from a name and its key, from a name and a password (Argon2i as e4go, through the
 * password key deriver of the deps: off the event loop in local mode), or with a key
 * generated here and returned once (the only time a key leaves the C2). Public-key clients are enrolled with their
 * Ed25519 public key (the device keeps its private key). The key is stored wrapped, bound to (tenant, 'client',
 * name, version 1). Unlike E4's C2 (an upsert that silently replaced keys), an existing name is ALREADY_EXISTS, and a
 * name whose E4 id another tenant holds is ALREADY_EXISTS too, without saying whose (clientIdClaim.ts). Within the
 * tenant's quota of clients (limits/createCounted.ts): the client's record carries the count, one transaction with
 * the tenant's counter, both in the tenant's partition. The E4-id claim cannot join it: it is a platform item
 * (`N#`), written on AWS with the function's own credentials, not the tenant's. It is taken first and released when
 * the creation fails; a crash in between leaves a claim of the tenant's own without a record, which a creation of
 * the same name takes up again and a deletion of the tenant releases.
 */
import { bytesToHex, E4Error, hashIdAlias, KEY_LEN, validateEd25519PublicKey, validateSymKey } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { asFenceReader } from '../c2key/tenantFence.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import { createCounted } from '../limits/createCounted.js';
import type { Caller, ClientRecord, DeviceCredentials } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { type ClientView, clientView } from './ClientView.js';
import { claimClientId, releaseDeletedClaim, releaseFailedClaim } from './clientIdClaim.js';
import { inlinePasswordKeyDeriver } from './inlinePasswordKeyDeriver.js';
import { issuesMqttCredentials, type MqttCredentials, newMqttCredentials } from './mqttCredentials.js';
import { validateClientName } from './validateClientName.js';

export type CreateClientInput = (
  | { name: string; mode: 'symmetric'; key: Uint8Array }
  | { name: string; mode: 'symmetric'; password: string }
  | { name: string; mode: 'symmetric'; generateKey: true }
  | { name: string; mode: 'pubkey'; publicKey: Uint8Array }
) & {
  /** Also register the device with the broker (AWS IoT thing + certificate, returned once). */
  provisionDevice?: boolean;
};

export interface CreatedClient {
  readonly client: ClientView;
  /** Only when the key was generated: returned once, never again. */
  readonly key?: Uint8Array;
  /** Only with `provisionDevice`: the device's thing and certificate, its private key returned once. */
  readonly device?: DeviceCredentials;
  /** Local mode's embedded broker: the device's username and password, the password returned once. */
  readonly mqtt?: MqttCredentials;
}

function invalidKey(error: unknown, field: string): never {
  if (error instanceof E4Error || error instanceof TypeError) {
    throw new C2Error(C2ErrorCode.InvalidInput, `"${field}": ${error.message}`);
  }
  throw error;
}

async function keyOf(input: CreateClientInput, deps: C2Deps): Promise<{ key: Uint8Array; generated: boolean }> {
  const random = randomBytesOf(deps);
  if (input.mode === 'pubkey') {
    try {
      validateEd25519PublicKey(input.publicKey);
    } catch (error) {
      invalidKey(error, 'publicKey');
    }
    return { key: input.publicKey.slice(), generated: false };
  }
  if (input.mode !== 'symmetric') throw new C2Error(C2ErrorCode.InvalidInput, '"mode" must be symmetric or pubkey');
  if ('generateKey' in input && input.generateKey === true) return { key: random(KEY_LEN), generated: true };
  if ('password' in input) {
    try {
      const passwordKeys = deps.passwordKeys ?? inlinePasswordKeyDeriver;
      return { key: await passwordKeys.deriveSymKey(input.password), generated: false };
    } catch (error) {
      invalidKey(error, 'password');
    }
  }
  if ('key' in input) {
    try {
      validateSymKey(input.key);
    } catch (error) {
      invalidKey(error, 'key');
    }
    return { key: input.key.slice(), generated: false };
  }
  throw new C2Error(C2ErrorCode.InvalidInput, 'give one of "key", "password" or "generateKey"');
}

/** How another use case enrols a client (enrolment/enrolClient.ts). */
export interface CreateClientOptions {
  /** Flag it to get a new identity key when it comes back (see ClientRecord.rekeyOnReturn). */
  readonly rekeyOnReturn?: true;
  /** More facts for its `client.create` event (no secrets). */
  readonly details?: Readonly<Record<string, unknown>>;
}

export async function createClient(
  deps: C2Deps,
  caller: Caller,
  input: CreateClientInput,
  options: CreateClientOptions = {},
): Promise<CreatedClient> {
  if (input === null || typeof input !== 'object') throw new C2Error(C2ErrorCode.InvalidInput, 'expected an object');
  const name = validateClientName(input.name);
  const provision = input.provisionDevice ?? false;
  if (typeof provision !== 'boolean')
    throw new C2Error(C2ErrorCode.InvalidInput, '"provisionDevice" must be a boolean');
  if (provision && !deps.provisioner) {
    throw new C2Error(
      C2ErrorCode.InvalidInput,
      'device provisioning is not available here (local mode has no IoT Core)',
    );
  }
  const { key, generated } = await keyOf(input, deps);
  const now = new Date(deps.clock()).toISOString();
  let record: ClientRecord;
  try {
    record = {
      tenantId: caller.tenantId,
      name,
      id: hashIdAlias(name),
      mode: input.mode,
      wrappedKey: await deps.vault.wrap(key, { tenantId: caller.tenantId, kind: 'client', name, version: 1 }),
      keyVersion: 1,
      ...(options.rekeyOnReturn ? { rekeyOnReturn: true as const } : {}),
      createdAt: now,
      updatedAt: now,
    };
    const { mode } = record;
    const enrol = () =>
      audited(deps, caller, 'client.create', { type: 'client', name }, async () => {
        // The E4 id (another tenant's is refused), then the record with its count in the tenant's quota.
        const claim = await claimClientId(deps, caller.tenantId, record.id, now);
        try {
          await createCounted(deps, caller.tenantId, 'clients', (quota) => deps.store.createClient(record, quota));
        } catch (error) {
          if (claim === 'claimed') await releaseFailedClaim(deps, caller.tenantId, record.id, now);
          throw error;
        }
        return { value: undefined, details: { mode, keyVersion: 1, keyGenerated: generated, ...options.details } };
      });
    // A public-key client is enrolled as a reader of the tenant's fence: never while a new C2 key is being sent.
    await (mode === 'pubkey' ? asFenceReader(deps, caller.tenantId, enrol) : enrol());
  } catch (error) {
    key.fill(0);
    throw error;
  }
  if (!generated) key.fill(0);
  let device: DeviceCredentials | undefined;
  if (provision) {
    try {
      device = await deps.provisioner!.provision(caller.tenantId, { name, idHex: bytesToHex(record.id) });
    } catch (error) {
      // All or nothing: without its thing and certificate the client is taken back, once whatever the provisioner
      // made is gone. If that cleanup fails too, the client stays: deleting it (DELETE) removes both.
      key.fill(0);
      const cleaned = await deps.provisioner!.deprovision(caller.tenantId, { idHex: bytesToHex(record.id) }).then(
        () => true,
        () => false,
      );
      if (cleaned) {
        await deps.store.deleteClient(caller.tenantId, name); // its slot of the quota given back with it
        await releaseDeletedClaim(deps, caller.tenantId, record.id, now);
      }
      throw error;
    }
  }
  // A failure here leaves the client without broker credentials: POST /v1/clients/{id}/mqtt-credentials issues them.
  // The client is enrolled whatever happens here: a failure is not the request's (it would make a batch or an
  // enrolment window count the client as not made).
  const mqtt = issuesMqttCredentials(deps)
    ? await newMqttCredentials(deps, caller.tenantId, record.id).catch(() => undefined)
    : undefined;
  return {
    client: clientView(record),
    ...(generated ? { key } : {}),
    ...(device ? { device } : {}),
    ...(mqtt ? { mqtt } : {}),
  };
}
