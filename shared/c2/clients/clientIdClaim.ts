/**
 * An E4 id belongs to one tenant (its device's control topic is `e4/<hex id>`): claimed in the ClientIdRegistry before
 * a client record is written, released after it is deleted. Another tenant's id is refused with a message that does
 * not say which tenant holds it (a tenant still learns that some tenant uses the name: docs/security-model.md).
 * Clients enrolled before the registry existed have no claim: the next creation of their name by their tenant writes
 * it (that creation then fails ALREADY_EXISTS and keeps the claim, since the record exists); no backfill.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { ClaimOutcome } from '../ports/ClientIdRegistry.js';

export const NAME_NOT_AVAILABLE = 'this client name is not available: choose another';

/** Claims the id for the tenant (idempotent for its own); another tenant's is ALREADY_EXISTS, generic. */
export async function claimClientId(
  deps: C2Deps,
  tenantId: string,
  id: Uint8Array,
  at: string,
): Promise<Exclude<ClaimOutcome, 'taken'>> {
  const outcome = await deps.store.claimClientId(tenantId, id, at);
  if (outcome === 'taken') throw new C2Error(C2ErrorCode.AlreadyExists, NAME_NOT_AVAILABLE);
  return outcome;
}

/**
 * After a creation failed: a claim it made is given back unless a client of that id exists (a concurrent creation of
 * the tenant won, or the record was written after all). Best effort: a claim left behind is re-used by the tenant's
 * next creation of the name, and released by the client's deletion.
 */
export async function releaseFailedClaim(deps: C2Deps, tenantId: string, id: Uint8Array, at: string): Promise<void> {
  try {
    if (await deps.store.getClientById(tenantId, id)) return;
    await deps.store.releaseClientId(tenantId, id, { claimedAt: at });
  } catch {
    // left for the tenant's next creation of the name
  }
}

/**
 * After the client's record was deleted: its claim released (nothing if the tenant holds none). A client of the name
 * enrolled again meanwhile (its creation found the claim still there) gets it back at once.
 */
export async function releaseDeletedClaim(deps: C2Deps, tenantId: string, id: Uint8Array, at: string): Promise<void> {
  await deps.store.releaseClientId(tenantId, id);
  if (await deps.store.getClientById(tenantId, id)) await deps.store.claimClientId(tenantId, id, at);
}
