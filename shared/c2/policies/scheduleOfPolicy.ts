/**
 * The schedule that stands for a policy (deps.scheduler, EventBridge Scheduler in AWS), named after its id, whose
 * input `{ tenantId, policyId, scheduledTime }` the rotation function hands to runPolicy. Off while the policy is
 * disabled; none when the policy has no schedule. A `rate`'s start date is its next run (nextRuns, from the policy's
 * anchor: scheduleTiming.ts): EventBridge Scheduler runs a rate first at its start date, so the Scheduler's runs are
 * those the policy view lists (one period after the creation, then every period), also when the policy is changed
 * later (the start date then is the next run to come, which keeps the phase).
 */
import type { ScheduleSpec } from '../ports.js';
import { nextRuns } from './nextRuns.js';
import type { PolicyRecord } from './PolicyRecord.js';
import { parseSchedule } from './parseSchedule.js';
import { scheduleTiming } from './scheduleTiming.js';

export function scheduleOfPolicy(policy: PolicyRecord, now: number): ScheduleSpec | undefined {
  const { schedule } = policy;
  if (!schedule) return undefined;
  // The first run at or after now (nextRuns gives those strictly after its start).
  const [start] =
    parseSchedule(schedule.expression).kind === 'rate'
      ? nextRuns(scheduleTiming(policy, schedule), new Date(now - 1), 1)
      : [];
  return {
    name: policy.id,
    expression: schedule.expression,
    ...(schedule.timezone !== undefined ? { timezone: schedule.timezone } : {}),
    ...(schedule.flexibleWindowMinutes !== undefined ? { flexibleWindowMinutes: schedule.flexibleWindowMinutes } : {}),
    ...(start ? { startDate: start.toISOString() } : {}),
    payload: { policyId: policy.id },
    enabled: policy.enabled,
  };
}
