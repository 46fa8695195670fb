/**
 * Runs a creation of a client or topic within the tenant's quota: a slot of the tenant's counter is reserved before
 * the record is written (one conditional increment, so that creations at once never pass the limit), and given back
 * when the creation fails. A tenant without a counter (its records are older than the quotas) has it started from a
 * count of its records, once. Deletions give their slot back with {@link releaseCountedSlot}.
 */
import type { C2Deps } from '../C2Deps.js';
import type { CountedKind, TenantLimits } from '../ports/TenantLimitStore.js';
import { limitReached, tenantLimits } from './tenantLimits.js';

const LIMIT_OF: Record<CountedKind, keyof TenantLimits> = { clients: 'maxClients', topics: 'maxTopics' };

export async function withCountedSlot<T>(
  deps: C2Deps,
  tenantId: string,
  kind: CountedKind,
  create: () => Promise<T>,
): Promise<T> {
  await reserveCountedSlot(deps, tenantId, kind);
  try {
    return await create();
  } catch (error) {
    // A release that fails leaves the counter one high (a slot lost until it is recounted): the caller's error stays.
    await releaseCountedSlot(deps, tenantId, kind).catch(() => undefined);
    throw error;
  }
}

/** Reserves a slot (LIMIT_REACHED when the counter is at the limit). */
export async function reserveCountedSlot(deps: C2Deps, tenantId: string, kind: CountedKind): Promise<void> {
  const limit = LIMIT_OF[kind];
  const max = (await tenantLimits(deps, tenantId))[limit];
  // At most twice: the second time the counter exists (started here or by a concurrent call).
  for (let attempt = 0; attempt < 2; attempt++) {
    const outcome = await deps.store.reserveSlot(tenantId, kind, max);
    if (outcome === 'reserved') return;
    if (outcome === 'full') throw limitReached(limit, max, kind);
    const count = await (kind === 'clients' ? deps.store.countClients(tenantId) : deps.store.countTopics(tenantId));
    await deps.store.setCount(tenantId, kind, count, undefined);
  }
  throw limitReached(limit, max, kind);
}

/** Gives a slot back (after a deletion, or a creation that failed after its reservation). */
export async function releaseCountedSlot(deps: C2Deps, tenantId: string, kind: CountedKind): Promise<void> {
  await deps.store.releaseSlot(tenantId, kind);
}
