/**
 * The hourly check of a policy's `key.age` event (checkKeyAge.ts): a schedule of the policy's own next to its
 * schedule, named `<policy id>.age`, `rate(1 hour)`, input `{ policyId, check: 'key.age' }` (the rotation function
 * and local mode's scheduler hand it to checkKeyAge). Put while the policy has a `key.age` event (off while the
 * policy is), deleted otherwise and with the policy (syncPolicySchedule.ts and deletePolicy.ts call it).
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { ScheduleSpec } from '../ports.js';
import type { PolicyRecord } from './PolicyRecord.js';
import { policyStoreOf } from './policyStoreOf.js';

export const AGE_CHECK = 'key.age';
export const AGE_CHECK_EXPRESSION = 'rate(1 hour)';

export const ageCheckName = (policyId: string): string => `${policyId}.age`;

export function ageCheckOf(policy: PolicyRecord): ScheduleSpec | undefined {
  if (!policy.events?.some((event) => event.type === 'key.age')) return undefined;
  return {
    name: ageCheckName(policy.id),
    expression: AGE_CHECK_EXPRESSION,
    payload: { policyId: policy.id, check: AGE_CHECK },
    enabled: policy.enabled,
  };
}

/** Puts or deletes the policy's age check as the stored policy says (nothing without a scheduler). */
export async function syncAgeCheck(deps: C2Deps, tenantId: string, policyId: string): Promise<void> {
  if (!deps.scheduler) return;
  const policy = await policyStoreOf(deps).getPolicy(tenantId, policyId);
  const schedule = policy && ageCheckOf(policy);
  if (schedule) await deps.scheduler.putSchedule(tenantId, schedule);
  else await deps.scheduler.deleteSchedule(tenantId, ageCheckName(policyId)).catch(noneIsFine);
}

/** A schedule already gone is not an error (as removeSchedule in syncPolicySchedule.ts, which imports this file). */
function noneIsFine(error: unknown): void {
  if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
}
