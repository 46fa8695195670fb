/**
 * Creates a client or topic within the tenant's quota: the record and the increment of the tenant's counter are one
 * write (KeyStore.createClient / createTopic with a quota: a transaction made only below the limit), so that no
 * crash leaves the counter apart from the records and creations at once never pass the limit. A tenant without a
 * counter (its records are older than the quotas) has it started from a count of its records, once. A deletion
 * gives the slot back in its own write (KeyStore.deleteClient / deleteTopic).
 */
import type { C2Deps } from '../C2Deps.js';
import type { CountedCreation, CountedKind, Quota, TenantLimits } from '../ports/TenantLimitStore.js';
import { limitReached, tenantLimits } from './tenantLimits.js';

const LIMIT_OF: Record<CountedKind, keyof TenantLimits> = { clients: 'maxClients', topics: 'maxTopics' };

/** Runs `create` (the store's counted write) under the tenant's limit; LIMIT_REACHED at it. */
export async function createCounted(
  deps: C2Deps,
  tenantId: string,
  kind: CountedKind,
  create: (quota: Quota) => Promise<CountedCreation>,
): Promise<void> {
  const limit = LIMIT_OF[kind];
  const max = (await tenantLimits(deps, tenantId))[limit];
  // At most twice: the second time the counter exists (started here or by a concurrent call).
  for (let attempt = 0; attempt < 2; attempt++) {
    const outcome = await create({ max });
    if (outcome === 'created') return;
    if (outcome === 'full') break;
    const count = await (kind === 'clients' ? deps.store.countClients(tenantId) : deps.store.countTopics(tenantId));
    await deps.store.setCount(tenantId, kind, count, undefined);
  }
  throw limitReached(limit, max, kind);
}
