/**
 * The schedule that stands for a policy (deps.scheduler, EventBridge Scheduler in AWS), named after its id, whose
 * input `{ tenantId, policyId, scheduledTime }` the rotation function hands to runPolicy. Off while the policy is
 * disabled; none when the policy has no schedule. A `rate` starts at the policy's creation so that the Scheduler's
 * runs are those of nextRuns (one period after the creation, then every period); once the policy is older, at the
 * latest of those instants not after `now` (the same runs, and a start date the Scheduler takes).
 */
import type { ScheduleSpec } from '../ports.js';
import type { PolicyRecord } from './PolicyRecord.js';
import { parseSchedule } from './parseSchedule.js';

export function scheduleOfPolicy(policy: PolicyRecord, now: number): ScheduleSpec | undefined {
  const { schedule } = policy;
  if (!schedule) return undefined;
  const parsed = parseSchedule(schedule.expression);
  const created = Date.parse(policy.createdAt);
  const periods = parsed.kind === 'rate' ? Math.max(0, Math.floor((now - created) / parsed.periodMs)) : 0;
  return {
    name: policy.id,
    expression: schedule.expression,
    ...(schedule.timezone !== undefined ? { timezone: schedule.timezone } : {}),
    ...(schedule.flexibleWindowMinutes !== undefined ? { flexibleWindowMinutes: schedule.flexibleWindowMinutes } : {}),
    ...(parsed.kind === 'rate' ? { startDate: new Date(created + periods * parsed.periodMs).toISOString() } : {}),
    payload: { policyId: policy.id },
    enabled: policy.enabled,
  };
}
