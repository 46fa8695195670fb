/**
 * The hourly check of a policy's `key.age` event (checkKeyAge.ts): a schedule of the policy's own next to its
 * schedule, named `<policy id>.age`, `rate(1 hour)`, input `{ policyId, check: 'key.age' }` (the rotation function
 * and local mode's scheduler hand it to checkKeyAge). Put while the policy has a `key.age` event (off while the
 * policy is), deleted otherwise and with the policy (syncPolicySchedule.ts, removePolicy.ts).
 */
import type { ScheduleSpec } from '../ports.js';
import type { PolicyRecord } from './PolicyRecord.js';

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
