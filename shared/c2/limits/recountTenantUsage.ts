/**
 * Sets a tenant's counters of clients and topics to what it holds (`npm run limits -- --recount`). The C2 keeps them
 * exact (a record and its counter change in one transaction: limits/createCounted.ts, KeyStore.deleteClient /
 * deleteTopic); this mends a counter after writes that bypassed it (a restored backup, items written by hand). Each
 * counter is set only if it did not move while the records were counted (else counted again, at most 5 times, then
 * CONCURRENT_UPDATE): as every creation and deletion through the C2 moves the counter in its own write, none made
 * while it counts is missed.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { CountedKind } from '../ports/TenantLimitStore.js';

const ATTEMPTS = 5;

export async function recountTenantUsage(
  deps: C2Deps,
  tenantId: string,
): Promise<{ readonly [K in CountedKind]: number }> {
  return { clients: await recount(deps, tenantId, 'clients'), topics: await recount(deps, tenantId, 'topics') };
}

async function recount(deps: C2Deps, tenantId: string, kind: CountedKind): Promise<number> {
  const { store } = deps;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const before = (await store.getCounts(tenantId))[kind];
    const count = await (kind === 'clients' ? store.countClients(tenantId) : store.countTopics(tenantId));
    if (await store.setCount(tenantId, kind, count, before)) return count;
  }
  throw new C2Error(C2ErrorCode.ConcurrentUpdate, `the tenant's ${kind} kept changing while they were counted`);
}
