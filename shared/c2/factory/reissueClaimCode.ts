/**
 * A new claim code for an unclaimed device of a batch, for when its code was lost: a call whose answer never came
 * (API Gateway's 30 s timeout after the writes landed) is answered `exists` without a code when made again, and only
 * the code's hash is stored. The new code is answered once and stored hashed (claimCode.ts); the old one stops
 * working as the device's hash is replaced (one conditional write: no claim, the hash read). A device whose code was
 * taken is CLAIM_USED; a reissue that raced another is CONCURRENT_UPDATE (ask again). Each call, refused or not, is a
 * `factory.device.code` event of the platform.
 */
import { bytesToHex } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import type { Caller } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { claimCodeHash, newClaimCode, parseClaimCode } from './claimCode.js';
import { claimUsed } from './claimUsed.js';
import { requireFactoryBatch } from './readFactoryBatches.js';

export interface ReissuedClaimCode {
  readonly name: string;
  /** Its E4 id, lowercase hex. */
  readonly id: string;
  /** Shown once. */
  readonly code: string;
}

export async function reissueClaimCode(
  deps: C2Deps,
  caller: Caller,
  batchId: string,
  id: Uint8Array,
): Promise<ReissuedClaimCode> {
  await requireFactoryBatch(deps, batchId);
  return audited(deps, caller, 'factory.device.code', { type: 'factory-batch', name: batchId }, async () => {
    const device = await deps.store.getFactoryDevice(batchId, id);
    if (!device) throw new C2Error(C2ErrorCode.NotFound, 'no such device in this batch');
    if (device.claim) throw claimUsed(device.claim, 'its code cannot be reissued');
    const code = newClaimCode(randomBytesOf(deps));
    const parsed = parseClaimCode(code);
    if (!parsed.ok) throw new Error('a new claim code does not parse');
    const outcome = await deps.store.replaceClaimCode(batchId, id, device.codeHash, claimCodeHash(parsed.canonical));
    if (outcome === 'claimed')
      throw claimUsed((await deps.store.getFactoryDevice(batchId, id))?.claim, 'its code cannot be reissued');
    if (outcome === 'changed') {
      throw new C2Error(C2ErrorCode.ConcurrentUpdate, "the device's code was reissued meanwhile: ask again");
    }
    return { value: { name: device.name, id: bytesToHex(id), code }, details: { device: device.name } };
  });
}
