/**
 * What the API shows of a policy: its fields, id, times and revision, with its schedule in plain English and the
 * next five times it names (none while the policy is disabled or has no schedule; a `rate` counts from the
 * policy's creation, rounded up to the minute: scheduleTiming.ts).
 */
import { describeSchedule } from './describeSchedule.js';
import { nextRuns } from './nextRuns.js';
import type { PolicyFields, PolicyRecord } from './PolicyRecord.js';
import { scheduleTiming } from './scheduleTiming.js';

export const NEXT_RUNS_SHOWN = 5;

export interface PolicyView extends PolicyFields {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly revision: number;
  readonly description: string;
  readonly nextRuns: string[];
}

export function policyView(record: PolicyRecord, now: number): PolicyView {
  const { tenantId: _, ...fields } = record;
  const { schedule } = record;
  const runs =
    schedule && record.enabled ? nextRuns(scheduleTiming(record, schedule), new Date(now), NEXT_RUNS_SHOWN) : [];
  return {
    ...fields,
    description: schedule ? describeSchedule(schedule.expression, schedule.timezone) : 'no schedule (runs on events)',
    nextRuns: runs.map((run) => run.toISOString()),
  };
}
