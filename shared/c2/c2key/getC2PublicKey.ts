import { bytesToHex } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import type { Caller } from '../ports.js';
import { loadC2KeyRecord } from './loadC2Key.js';

export interface C2KeyView {
  /** The C2's Curve25519 public key, which public-key devices are configured with. */
  readonly publicKey: Uint8Array;
  readonly fingerprint: string;
  readonly keyVersion: number;
  readonly updatedAt: string;
  /** A new key being sent to the clients (a rotation not finished). */
  readonly pendingVersion?: number;
}

/** The tenant's C2 public key (made on first request). */
export async function getC2PublicKey(deps: C2Deps, caller: Caller): Promise<C2KeyView> {
  const record = await loadC2KeyRecord(deps, caller.tenantId);
  return {
    publicKey: record.publicKey,
    fingerprint: bytesToHex(record.publicKey.subarray(0, 8)),
    keyVersion: record.keyVersion,
    updatedAt: record.updatedAt,
    ...(record.pending ? { pendingVersion: record.pending.keyVersion } : {}),
  };
}
