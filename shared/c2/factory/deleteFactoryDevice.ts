/**
 * Deletes an unclaimed device of a batch (a label lost, a unit scrapped): the device (one conditional delete: a
 * device whose code was taken is CLAIM_USED, nothing deleted), then its code's lookup record, then the reservation
 * of its E4 id. Resumable: a retry after a crash (the device gone) frees the reservation still held for the batch, as
 * it does after a registration that crashed before writing the device. A device whose claim is not complete and whose
 * claiming tenant does not hold its id (another owner does: the claim can never finish) is deleted too.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import type { Caller } from '../ports.js';
import { claimUsed } from './claimUsed.js';
import { factoryOwner } from './factoryOwner.js';
import { requireFactoryBatch } from './readFactoryBatches.js';

export async function deleteFactoryDevice(
  deps: C2Deps,
  caller: Caller,
  batchId: string,
  id: Uint8Array,
): Promise<void> {
  await requireFactoryBatch(deps, batchId);
  const owner = factoryOwner(batchId);
  await audited(deps, caller, 'factory.device.delete', { type: 'factory-batch', name: batchId }, async () => {
    const device = await deps.store.getFactoryDevice(batchId, id);
    const claim = device?.claim;
    // A claim not complete whose tenant does not hold the id cannot finish: the device is deleted with it.
    const stuck =
      claim !== undefined &&
      claim.completedAt === undefined &&
      (await deps.store.getClientIdClaim(id))?.tenantId !== claim.tenantId;
    const outcome = await deps.store.deleteFactoryDevice(
      batchId,
      id,
      stuck ? { incompleteClaimOf: claim.tenantId } : {},
    );
    if (outcome === 'claimed') {
      throw claimUsed((await deps.store.getFactoryDevice(batchId, id))?.claim, 'its tenant deletes it');
    }
    if (device) await deps.store.deleteClaimCode(device.codeHash);
    const reservation = await deps.store.getClientIdClaim(id);
    if (outcome === 'missing' && reservation?.tenantId !== owner) {
      throw new C2Error(C2ErrorCode.NotFound, 'no such device in this batch');
    }
    await deps.store.releaseClientId(owner, id);
    return { value: undefined, details: { device: device?.name ?? null } };
  });
}
