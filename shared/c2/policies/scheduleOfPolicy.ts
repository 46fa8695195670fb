/**
 * The schedule that stands for a policy (deps.scheduler, EventBridge Scheduler in AWS), named after its id, whose
 * input `{ tenantId, policyId, scheduledTime }` the rotation function hands to runPolicy. Off while the policy is
 * disabled; none when the policy has no schedule. A `rate` starts at the policy's creation (its start date), so that
 * the Scheduler's runs are those of nextRuns (one period after the creation, then every period). The Scheduler
 * refuses a start date more than 5 minutes old: a policy changed later starts at its next run time instead, which
 * keeps the phase (the runs still fall on creation + n periods) but may leave out that one run.
 */
import type { ScheduleSpec } from '../ports.js';
import type { PolicyRecord } from './PolicyRecord.js';
import { parseSchedule } from './parseSchedule.js';

/** How old a start date may be (the Scheduler's limit is 5 minutes, less the time the call takes). */
const MAX_START_AGE_MS = 4 * 60_000;

/** The start date of a rate of `periodMs` counted from `created` (ms), put at `now`. */
function rateStart(created: number, periodMs: number, now: number): number {
  if (created >= now - MAX_START_AGE_MS) return created;
  return created + Math.ceil((now - created) / periodMs) * periodMs;
}

export function scheduleOfPolicy(policy: PolicyRecord, now: number): ScheduleSpec | undefined {
  const { schedule } = policy;
  if (!schedule) return undefined;
  const parsed = parseSchedule(schedule.expression);
  const created = Date.parse(policy.createdAt);
  return {
    name: policy.id,
    expression: schedule.expression,
    ...(schedule.timezone !== undefined ? { timezone: schedule.timezone } : {}),
    ...(schedule.flexibleWindowMinutes !== undefined ? { flexibleWindowMinutes: schedule.flexibleWindowMinutes } : {}),
    ...(parsed.kind === 'rate' ? { startDate: new Date(rateStart(created, parsed.periodMs, now)).toISOString() } : {}),
    payload: { policyId: policy.id },
    enabled: policy.enabled,
  };
}
