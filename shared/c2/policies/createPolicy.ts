/**
 * Creates a rotation policy: checked whole (schemas/policies.ts), its topic or client existing
 * (requireTargetExists.ts), given an id sortable by creation time, stored at revision 1. A tenant has at most its
 * `maxPolicies` (limits/tenantLimits.ts; LIMIT_REACHED beyond; two creations at the same moment may both pass the
 * count: the quota bounds, it does not meter). Its schedule is put after the record (keepScheduleInStep.ts: by the worker
 * when the put fails); only when neither the put nor its queueing worked is the record deleted again and the error
 * the caller's, so a creation sent again makes one policy. Recorded in the event log (`policy.create`, target the
 * policy's id).
 */
import type { C2Deps } from '../C2Deps.js';
import { audited } from '../events/audited.js';
import { DEFAULT_TENANT_LIMITS, limitReached, tenantLimits } from '../limits/tenantLimits.js';
import { newOperationId } from '../operations/newOperationId.js';
import type { Caller } from '../ports.js';
import { keepScheduleInStep } from './keepScheduleInStep.js';
import type { PolicyFields, PolicyRecord } from './PolicyRecord.js';
import { type PolicyView, policyView } from './PolicyView.js';
import { policyStoreOf } from './policyStoreOf.js';
import { removeSchedule } from './removeSchedule.js';
import { requireTargetExists } from './requireTargetExists.js';
import { validatePolicy } from './validatePolicy.js';

/** The default of `maxPolicies`. */
export const MAX_POLICIES_PER_TENANT = DEFAULT_TENANT_LIMITS.maxPolicies;

export async function createPolicy(deps: C2Deps, caller: Caller, input: unknown): Promise<PolicyView> {
  const fields = validatePolicy(input);
  const id = newOperationId(deps);
  return audited(deps, caller, 'policy.create', { type: 'policy', name: id }, async () => ({
    value: await create(deps, caller, id, fields),
    details: { name: fields.name, action: fields.action, target: fields.target, revision: 1 },
  }));
}

async function create(deps: C2Deps, caller: Caller, id: string, fields: PolicyFields): Promise<PolicyView> {
  const store = policyStoreOf(deps);
  await requireTargetExists(deps, caller.tenantId, fields.target);
  const { maxPolicies } = await tenantLimits(deps, caller.tenantId);
  if ((await store.countPolicies(caller.tenantId)) >= maxPolicies) {
    throw limitReached('maxPolicies', maxPolicies, 'policies', ", widen one's target (a prefix)");
  }
  const now = new Date(deps.clock()).toISOString();
  const record: PolicyRecord = {
    ...fields,
    id,
    tenantId: caller.tenantId,
    createdAt: now,
    updatedAt: now,
    revision: 1,
  };
  await store.createPolicy(record);
  try {
    await keepScheduleInStep(deps, caller.tenantId, record.id);
  } catch (error) {
    // The record first: a schedule left (its put may have landed) finds no policy, and the worker deletes it.
    await store.deletePolicy(caller.tenantId, record.id).catch(() => undefined);
    if (deps.scheduler) await removeSchedule(deps.scheduler, caller.tenantId, record.id).catch(() => undefined);
    throw error;
  }
  return policyView(record, deps.clock());
}
