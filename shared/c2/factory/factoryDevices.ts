/**
 * The devices of a factory registration (registerFactoryBatch.ts, appendFactoryDevices.ts): checked (names, keys, no
 * name twice), their E4 ids reserved for the batch (factoryOwner.ts), each written with its key wrapped, bound to
 * the batch and device, and a claim code answered once (stored as a hash, claimCode.ts). At most
 * {@link MAX_BATCH_DEVICES} a call: about 3 store writes and a wrap each, {@link LANES} at once, so that a call ends
 * within a request's time: 100 devices took 7 s on dynalite on a busy 2-core machine (500, 35 s: past API
 * Gateway's 30 s).
 *
 * A device the batch holds already with the same key is answered `exists`, without a code (its code was answered
 * once, by the call that wrote it: reissueClaimCode.ts gives a new one); with another key (or claimed, its key gone)
 * the call is refused before anything is written, naming the devices. A reservation or write that fails stops the
 * call: once every write under way has ended, what this call did is undone (the devices it wrote, their codes, the
 * ids it reserved whose device is gone), best effort, and the call fails with its error; when something is left its
 * message names the batch and its event says `leftBehind` (registerFactoryBatch.ts then keeps the batch).
 */
import {
  bytesToHex,
  E4Error,
  equalBytes,
  hashIdAlias,
  validateEd25519PublicKey,
  validateSymKey,
} from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { validateClientName } from '../clients/validateClientName.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { withEventDetails } from '../events/audited.js';
import { forEachAtMost } from '../forEachAtMost.js';
import type { FactoryDeviceRecord } from '../ports/FactoryBatchStore.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { claimCodeHash, newClaimCode, parseClaimCode } from './claimCode.js';
import { factoryKeyBinding, factoryOwner } from './factoryOwner.js';

/** Devices per call (registration or append): what one request does comfortably. */
export const MAX_BATCH_DEVICES = 100;
/** Store writes at once. */
const LANES = 8;

export type FactoryDeviceInput =
  | { readonly name: string; readonly mode: 'symmetric'; readonly key: Uint8Array }
  | { readonly name: string; readonly mode: 'pubkey'; readonly publicKey: Uint8Array };

export type CheckedFactoryDevice = FactoryDeviceInput & { readonly id: Uint8Array };

/** What a call answers of each device, in the order given: its claim code when this call wrote it. */
export type WrittenFactoryDevice =
  | { readonly name: string; readonly id: string; readonly status: 'created'; readonly code: string }
  | { readonly name: string; readonly id: string; readonly status: 'exists' };

const invalid = (message: string) => new C2Error(C2ErrorCode.InvalidInput, message);

/** The devices with their E4 ids; INVALID_INPUT naming the first device that is not right. */
export function checkFactoryDevices(devices: unknown): CheckedFactoryDevice[] {
  if (!Array.isArray(devices) || devices.length < 1 || devices.length > MAX_BATCH_DEVICES) {
    throw invalid(
      `"devices" must hold 1 to ${MAX_BATCH_DEVICES} devices (a call's limit: append more in further calls)`,
    );
  }
  const names = new Set<string>();
  return devices.map((device: FactoryDeviceInput, index) => {
    const name = validateClientName(device?.name);
    if (names.has(name)) throw invalid(`"devices[${index}]": "${name}" is in the batch twice`);
    names.add(name);
    checkKey(device, index);
    return { ...device, name, id: hashIdAlias(name) };
  });
}

/** The first ten names, and how many more: what a message names (its error's details name them all). */
const tenOf = (names: readonly string[]) =>
  `${names.slice(0, 10).join(', ')}${names.length > 10 ? `, and ${names.length - 10} more` : ''}`;

/** Names in a stable order (found by concurrent reads, in no order): numbers within names compared as numbers. */
const inOrder = (names: readonly string[]) => [...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));

/** ALREADY_EXISTS naming the devices whose names are not available: up to 10 in its message, all in its details. */
export const notAvailable = (found: readonly string[], names = inOrder(found)) =>
  new C2Error(C2ErrorCode.AlreadyExists, `these device names are not available: ${tenOf(names)}`, {
    details: { devices: names.map((name) => ({ name, reason: 'name-taken' as const })) },
  });

/** The names held by anyone but the batch (a tenant, another batch): refused before anything is written. */
export async function namesHeldElsewhere(
  deps: C2Deps,
  batchId: string,
  devices: readonly CheckedFactoryDevice[],
): Promise<string[]> {
  const owner = factoryOwner(batchId);
  const taken: string[] = [];
  await forEachAtMost(LANES, devices, async (device) => {
    const claim = await deps.store.getClientIdClaim(device.id);
    if (claim && claim.tenantId !== owner) taken.push(device.name);
  });
  return taken;
}

/**
 * Reserves the devices' ids for the batch and writes them, those the batch holds already answered `exists`.
 * ALREADY_EXISTS (nothing left of this call) when an id was taken meanwhile.
 */
export async function writeFactoryDevices(
  deps: C2Deps,
  batchId: string,
  devices: readonly CheckedFactoryDevice[],
  now: string,
): Promise<WrittenFactoryDevice[]> {
  const owner = factoryOwner(batchId);
  const answered = new Map<string, WrittenFactoryDevice>();
  const fresh: CheckedFactoryDevice[] = [];
  const otherKey: string[] = [];
  await forEachAtMost(LANES, devices, async (device) => {
    const held = await deps.store.getFactoryDevice(batchId, device.id);
    if (!held) fresh.push(device);
    else if (await holdsSameKey(deps, held, device)) {
      answered.set(device.name, { name: device.name, id: bytesToHex(device.id), status: 'exists' });
    } else otherKey.push(device.name);
  });
  if (otherKey.length > 0) throw heldWithAnotherKey(otherKey);
  // Only ids this call reserved are given back on failure (a `held` one may be a concurrent call's device), and
  // those whose reservation failed (it may have landed): each released only with this call's time and no device.
  const reserved: Uint8Array[] = [];
  const written: { readonly id: Uint8Array; readonly codeHash: Uint8Array }[] = [];
  try {
    const lost: string[] = [];
    await forEachAtMost(LANES, fresh, async (device) => {
      let outcome: Awaited<ReturnType<typeof deps.store.claimClientId>>;
      try {
        outcome = await deps.store.claimClientId(owner, device.id, now);
      } catch (error) {
        reserved.push(device.id);
        throw error;
      }
      if (outcome === 'taken') lost.push(device.name);
      else if (outcome === 'claimed') reserved.push(device.id);
    });
    if (lost.length > 0) throw notAvailable(lost);
    await forEachAtMost(LANES, fresh, async (device) => {
      const idHex = bytesToHex(device.id);
      const code = newClaimCode(randomBytesOf(deps));
      const parsed = parseClaimCode(code);
      if (!parsed.ok) throw new Error('a new claim code does not parse');
      const key = device.mode === 'pubkey' ? device.publicKey : device.key;
      const wrappedKey = await deps.vault.wrap(key, factoryKeyBinding(batchId, idHex));
      const codeHash = claimCodeHash(parsed.canonical);
      try {
        await deps.store.putFactoryDevice({
          batchId,
          name: device.name,
          id: device.id,
          mode: device.mode,
          wrappedKey,
          codeHash,
          createdAt: now,
        });
      } catch (error) {
        // A concurrent call wrote it: its code is that call's to answer, if it holds the same key.
        if (error instanceof C2Error && error.code === C2ErrorCode.AlreadyExists) {
          const held = await deps.store.getFactoryDevice(batchId, device.id);
          if (!held || !(await holdsSameKey(deps, held, device))) throw heldWithAnotherKey([device.name]);
          answered.set(device.name, { name: device.name, id: idHex, status: 'exists' });
          return;
        }
        written.push({ id: device.id, codeHash });
        throw error;
      }
      written.push({ id: device.id, codeHash });
      answered.set(device.name, { name: device.name, id: idHex, status: 'created', code });
    });
  } catch (error) {
    throw await undone(deps, batchId, written, reserved, now, error);
  }
  return devices.map((device) => answered.get(device.name)!);
}

/**
 * ALREADY_EXISTS naming the devices (at most a call's 100) the batch holds with another key, or claimed (its key
 * gone: nothing to compare): up to 10 in its message, all in its details, so that a client can say which of those it
 * sent.
 */
export const heldWithAnotherKey = (found: readonly string[], names = inOrder(found)) =>
  new C2Error(
    C2ErrorCode.AlreadyExists,
    `the batch holds these devices with another key (or claimed, their key gone), nothing written: ${tenOf(names)}`,
    { details: { devices: names.map((name) => ({ name, reason: 'other-key' as const })) } },
  );

/**
 * Whether the batch's device holds the key given: its wrapped key unwrapped and compared in constant time (no
 * fingerprint stored: nothing more derived from a key is kept, and devices written before are compared alike; a
 * KMS call per device answered `exists`, i.e. only on retries). A claimed device (its key gone) does not.
 */
async function holdsSameKey(deps: C2Deps, held: FactoryDeviceRecord, device: CheckedFactoryDevice): Promise<boolean> {
  if (held.mode !== device.mode || held.wrappedKey === undefined) return false;
  const given = device.mode === 'pubkey' ? device.publicKey : device.key;
  const stored = await deps.vault.unwrap(held.wrappedKey, factoryKeyBinding(held.batchId, bytesToHex(held.id)));
  try {
    return equalBytes(stored, given);
  } finally {
    stored.fill(0);
  }
}

/**
 * Undoes a call's writes after a failure, once none is running (forEachAtMost settles first): the devices it wrote
 * (or whose write failed: it may have landed) and their codes, then the ids it reserved, each best effort. An id is
 * released only when no device of the batch holds it (its delete failed, or a concurrent call wrote it) and only the
 * reservation made at this call's time. The error to throw: `error`, its message naming the batch when something is
 * left (a device, a code's lookup record, a reservation), marked so that the batch is kept for DELETE
 * .../devices/{clientId} to clean up.
 */
async function undone(
  deps: C2Deps,
  batchId: string,
  written: readonly { readonly id: Uint8Array; readonly codeHash: Uint8Array }[],
  reserved: readonly Uint8Array[],
  at: string,
  error: unknown,
): Promise<unknown> {
  const owner = factoryOwner(batchId);
  let left = false;
  const attempt = <R>(work: () => Promise<R>): Promise<R | undefined> =>
    work().catch(() => {
      left = true;
      return undefined;
    });
  await forEachAtMost(LANES, written, async ({ id, codeHash }) => {
    await attempt(() => deps.store.deleteFactoryDevice(batchId, id));
    await attempt(() => deps.store.deleteClaimCode(codeHash));
  });
  const ours = new Set(written.map(({ id }) => bytesToHex(id)));
  await forEachAtMost(LANES, reserved, async (id) => {
    const device = await attempt(async () => ({ held: await deps.store.getFactoryDevice(batchId, id) }));
    if (device === undefined) return;
    if (device.held) {
      // Its device is there: the name stays reserved for it (left to delete when this call wrote it).
      if (ours.has(bytesToHex(id))) left = true;
      return;
    }
    await attempt(() => deps.store.releaseClientId(owner, id, { claimedAt: at }));
  });
  if (!left) return error;
  const message =
    `${error instanceof Error ? error.message : String(error)}; factory batch "${batchId}" is left with some ` +
    'devices whose codes no one saw, or names reserved without a device: give the devices new codes ' +
    '(POST /v1/factory-batches/{batchId}/devices/{clientId}/code) or delete them, which frees a name reserved ' +
    'without a device too (DELETE /v1/factory-batches/{batchId}/devices/{clientId})';
  const named =
    error instanceof C2Error
      ? new C2Error(error.code, message, { cause: error, ...(error.details ? { details: error.details } : {}) })
      : new Error(message, { cause: error });
  leftovers.add(named);
  return withEventDetails(named, { leftBehind: true });
}

const leftovers = new WeakSet<object>();

/** Whether a failure of {@link writeFactoryDevices} left something of the batch behind (so the batch must stay). */
export const leftSomething = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && leftovers.has(error);

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
