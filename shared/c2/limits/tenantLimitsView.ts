/**
 * A tenant's limits in force and what it holds against them (clients and topics by their counters, or a count while
 * no counter is started; policies by a count; operations in progress by the slots held).
 */
import type { C2Deps } from '../C2Deps.js';
import { policyStoreOf } from '../policies/policyStoreOf.js';
import type { TenantLimits } from '../ports/TenantLimitStore.js';
import { tenantLimits } from './tenantLimits.js';

export interface TenantLimitsView {
  readonly limits: TenantLimits;
  readonly usage: {
    readonly clients: number;
    readonly topics: number;
    readonly policies: number;
    /** Operations holding a slot of maxConcurrentOperations (operations/operationSlots.ts). */
    readonly operationsInProgress: number;
  };
}

export async function tenantLimitsView(deps: C2Deps, tenantId: string): Promise<TenantLimitsView> {
  const [limits, counts] = await Promise.all([tenantLimits(deps, tenantId), deps.store.getCounts(tenantId)]);
  const [clients, topics, policies, slots] = await Promise.all([
    counts.clients ?? deps.store.countClients(tenantId),
    counts.topics ?? deps.store.countTopics(tenantId),
    deps.policies ? policyStoreOf(deps).countPolicies(tenantId) : 0,
    deps.operations.listOperationSlots(tenantId),
  ]);
  return { limits, usage: { clients, topics, policies, operationsInProgress: slots.length } };
}
