/**
 * The tenant's C2 key pair (Curve25519, public-key mode), made on first use: the private part is stored wrapped,
 * bound to (tenant, 'c2', 'c2', version). Two first uses racing agree on one key (the loser reads the winner's).
 */
import { KEY_LEN, x25519PublicKey } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { C2KeyRecord, KeyBinding } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';

export interface C2KeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
  readonly keyVersion: number;
}

export const c2KeyBinding = (tenantId: string, version: number): KeyBinding => ({
  tenantId,
  kind: 'c2',
  name: 'c2',
  version,
});

/** A new key pair, its private part wrapped for `version`. */
export async function newC2KeyPair(
  deps: C2Deps,
  tenantId: string,
  version: number,
): Promise<{ publicKey: Uint8Array; wrappedKey: Uint8Array; keyVersion: number }> {
  const privateKey = randomBytesOf(deps)(KEY_LEN);
  try {
    const publicKey = x25519PublicKey(privateKey);
    const wrappedKey = await deps.vault.wrap(privateKey, c2KeyBinding(tenantId, version));
    return { publicKey, wrappedKey, keyVersion: version };
  } finally {
    privateKey.fill(0);
  }
}

/** The stored record, made if the tenant has none yet. */
export async function loadC2KeyRecord(deps: C2Deps, tenantId: string): Promise<C2KeyRecord> {
  const stored = await deps.store.getC2Key(tenantId);
  if (stored) return stored;
  const now = new Date(deps.clock()).toISOString();
  const record: C2KeyRecord = { tenantId, ...(await newC2KeyPair(deps, tenantId, 1)), createdAt: now, updatedAt: now };
  try {
    await deps.store.createC2Key(record);
    return record;
  } catch (error) {
    if (!(error instanceof C2Error && error.code === C2ErrorCode.AlreadyExists)) throw error;
    const winner = await deps.store.getC2Key(tenantId);
    if (!winner) throw error;
    return winner;
  }
}

/** The current key pair, opened (the caller wipes `privateKey`). */
export async function loadC2Key(deps: C2Deps, tenantId: string): Promise<C2KeyPair> {
  const record = await loadC2KeyRecord(deps, tenantId);
  const privateKey = await deps.vault.unwrap(record.wrappedKey, c2KeyBinding(tenantId, record.keyVersion));
  return { publicKey: record.publicKey, privateKey, keyVersion: record.keyVersion };
}
