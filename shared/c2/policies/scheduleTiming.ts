/**
 * A policy's schedule as nextRuns reads it: its expression and zone, anchored at the policy's creation. A `rate`'s
 * anchor is the creation rounded up to the minute (EventBridge Scheduler runs at minute precision), so that its runs
 * fall on whole minutes, the first at least one period after the creation.
 */
import type { ScheduleTiming } from './nextRuns.js';
import type { PolicyRecord, PolicySchedule } from './PolicyRecord.js';
import { parseSchedule } from './parseSchedule.js';

const MINUTE_MS = 60_000;

export function scheduleTiming(policy: Pick<PolicyRecord, 'createdAt'>, schedule: PolicySchedule): ScheduleTiming {
  const created = Date.parse(policy.createdAt);
  const anchor =
    parseSchedule(schedule.expression).kind === 'rate' ? Math.ceil(created / MINUTE_MS) * MINUTE_MS : created;
  return {
    expression: schedule.expression,
    ...(schedule.timezone !== undefined ? { timezone: schedule.timezone } : {}),
    anchor: new Date(anchor),
  };
}
