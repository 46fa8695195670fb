/**
 * A manufacturer (the platform operator) registers a batch of devices with their keys (symmetric) or Ed25519
 * public keys, owned by no tenant yet; each gets a claim code, answered once (for its label) and stored as a hash
 * (claimCode.ts). At most {@link MAX_BATCH_DEVICES} devices per call.
 *
 * The names' E4 ids are checked first (one held by a tenant or another batch refuses the whole batch, naming the
 * devices), then the batch is written, each id reserved for it (factoryOwner.ts), and each device written with its
 * key wrapped, bound to the batch and device. Should an id be taken between the check and the reservation, the
 * reservations are given back and the batch deleted. A write that fails (KMS, the store) undoes the registration
 * as far as it can (the devices written and their codes, the reservations, the batch: best effort) and fails with
 * its error; when something could not be undone, its message (the log's; a 5xx answer hides it) and the failed
 * `factory.batch.create` event name the batch. A crash midway, or such a leftover, leaves a batch with some devices
 * whose codes no one saw: delete them (DELETE .../devices/{clientId}, which also frees a reservation without a
 * device) and register them again.
 */
import { bytesToHex, E4Error, hashIdAlias, validateEd25519PublicKey, validateSymKey } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { validateClientName } from '../clients/validateClientName.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import { forEachAtMost } from '../forEachAtMost.js';
import type { FactoryBatchRecord } from '../ports/FactoryBatchStore.js';
import type { Caller } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { claimCodeHash, newClaimCode, parseClaimCode } from './claimCode.js';
import { type FactoryBatchView, factoryBatchView } from './FactoryBatchView.js';
import { factoryKeyBinding, factoryOwner } from './factoryOwner.js';

/** Devices per call: a request body is at most 64 KiB (about 90 bytes a device with a short name). */
export const MAX_BATCH_DEVICES = 500;
/** Store writes at once. */
const LANES = 8;

export type FactoryDeviceInput =
  | { readonly name: string; readonly mode: 'symmetric'; readonly key: Uint8Array }
  | { readonly name: string; readonly mode: 'pubkey'; readonly publicKey: Uint8Array };

export interface FactoryBatchInput {
  readonly name: string;
  readonly devices: readonly FactoryDeviceInput[];
}

export interface RegisteredFactoryBatch {
  readonly batch: FactoryBatchView;
  /** Each device with its claim code: shown once. */
  readonly devices: { readonly name: string; readonly id: string; readonly code: string }[];
}

const invalid = (message: string) => new C2Error(C2ErrorCode.InvalidInput, message);

export async function registerFactoryBatch(
  deps: C2Deps,
  caller: Caller,
  input: FactoryBatchInput,
): Promise<RegisteredFactoryBatch> {
  if (input === null || typeof input !== 'object') throw invalid('expected an object');
  const name = validateClientName(input.name);
  const { devices } = input;
  if (!Array.isArray(devices) || devices.length < 1 || devices.length > MAX_BATCH_DEVICES) {
    throw invalid(`"devices" must hold 1 to ${MAX_BATCH_DEVICES} devices`);
  }
  const names = new Set<string>();
  const checked = devices.map((device, index) => {
    const deviceName = validateClientName(device?.name);
    if (names.has(deviceName)) throw invalid(`"devices[${index}]": "${deviceName}" is in the batch twice`);
    names.add(deviceName);
    checkKey(device, index);
    return { ...device, name: deviceName, id: hashIdAlias(deviceName) };
  });
  const taken: string[] = [];
  await forEachAtMost(LANES, checked, async (device) => {
    if (await deps.store.getClientIdClaim(device.id)) taken.push(device.name);
  });
  if (taken.length > 0) {
    const shown = taken.slice(0, 10).join(', ');
    throw new C2Error(C2ErrorCode.AlreadyExists, `these device names are not available: ${shown}`);
  }
  const now = new Date(deps.clock()).toISOString();
  const batch: FactoryBatchRecord = {
    id: bytesToHex(randomBytesOf(deps)(8)),
    name,
    deviceCount: checked.length,
    actor: caller.actor,
    createdAt: now,
  };
  const owner = factoryOwner(batch.id);
  return audited(deps, caller, 'factory.batch.create', { type: 'factory-batch', name: batch.id }, async () => {
    await deps.store.createFactoryBatch(batch);
    const reserved: Uint8Array[] = [];
    const lost: string[] = [];
    await forEachAtMost(LANES, checked, async (device) => {
      if ((await deps.store.claimClientId(owner, device.id, now)) === 'taken') lost.push(device.name);
      else reserved.push(device.id);
    });
    if (lost.length > 0) {
      await forEachAtMost(LANES, reserved, (id) => deps.store.releaseClientId(owner, id));
      await deps.store.deleteFactoryBatch(batch.id);
      throw new C2Error(
        C2ErrorCode.AlreadyExists,
        `these device names are not available: ${lost.slice(0, 10).join(', ')}`,
      );
    }
    const answered: RegisteredFactoryBatch['devices'] = [];
    const written: { readonly id: Uint8Array; readonly codeHash: Uint8Array }[] = [];
    try {
      // In the order given (the answer lists the devices as the request did).
      await forEachAtMost(LANES, checked, async (device) => {
        const idHex = bytesToHex(device.id);
        const code = newClaimCode(randomBytesOf(deps));
        const parsed = parseClaimCode(code);
        if (!parsed.ok) throw new Error('a new claim code does not parse');
        const key = device.mode === 'pubkey' ? device.publicKey : device.key;
        const wrappedKey = await deps.vault.wrap(key, factoryKeyBinding(batch.id, idHex));
        const codeHash = claimCodeHash(parsed.canonical);
        written.push({ id: device.id, codeHash });
        await deps.store.putFactoryDevice({
          batchId: batch.id,
          name: device.name,
          id: device.id,
          mode: device.mode,
          wrappedKey,
          codeHash,
          createdAt: now,
        });
        answered.push({ name: device.name, id: idHex, code });
      });
    } catch (error) {
      throw await undone(deps, batch.id, written, reserved, error);
    }
    const order = new Map(checked.map((device, index) => [device.name, index]));
    answered.sort((a, b) => order.get(a.name)! - order.get(b.name)!);
    return {
      value: { batch: factoryBatchView(batch, { devices: checked.length, claimed: 0 }), devices: answered },
      details: { name, devices: checked.length },
    };
  });
}

/**
 * Undoes a registration that failed after its batch was written: the devices written (or being written) and their
 * codes, the reservations, the batch; each best effort. The error to throw: `error`, its message naming the batch
 * when something is left.
 */
async function undone(
  deps: C2Deps,
  batchId: string,
  written: readonly { readonly id: Uint8Array; readonly codeHash: Uint8Array }[],
  reserved: readonly Uint8Array[],
  error: unknown,
): Promise<unknown> {
  const owner = factoryOwner(batchId);
  let left = false;
  const attempt = (work: () => Promise<unknown>) =>
    work().then(
      () => undefined,
      () => {
        left = true;
      },
    );
  await forEachAtMost(LANES, written, async ({ id, codeHash }) => {
    await attempt(() => deps.store.deleteFactoryDevice(batchId, id));
    await attempt(() => deps.store.deleteClaimCode(codeHash));
  });
  await forEachAtMost(LANES, reserved, (id) => attempt(() => deps.store.releaseClientId(owner, id)));
  if (!left) await attempt(() => deps.store.deleteFactoryBatch(batchId));
  if (!left) return error;
  const message =
    `${error instanceof Error ? error.message : String(error)}; factory batch "${batchId}" is left with some ` +
    'devices whose codes no one saw: delete them (DELETE /v1/factory-batches/{batchId}/devices/{clientId})';
  return error instanceof C2Error
    ? new C2Error(error.code, message, { cause: error })
    : new Error(message, { cause: error });
}

function checkKey(device: FactoryDeviceInput, index: number): void {
  const field = device.mode === 'pubkey' ? 'publicKey' : 'key';
  try {
    if (device.mode === 'pubkey') validateEd25519PublicKey(device.publicKey);
    else if (device.mode === 'symmetric') validateSymKey(device.key);
    else throw invalid(`"devices[${index}].mode" must be symmetric or pubkey`);
  } catch (error) {
    if (error instanceof E4Error || error instanceof TypeError) {
      throw invalid(`"devices[${index}].${field}": ${error.message}`);
    }
    throw error;
  }
}
