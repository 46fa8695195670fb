/**
 * Whether a time is one of the runs a policy's schedule names now (within a minute either way: the Scheduler's
 * precision). A scheduled run at any other time comes from a schedule the policy no longer has (a change whose
 * schedule could not be put yet): runPolicy skips it and puts the schedule again.
 */
import { nextRuns } from './nextRuns.js';
import type { PolicyRecord } from './PolicyRecord.js';
import { scheduleTiming } from './scheduleTiming.js';

const TOLERANCE_MS = 60_000;

export function isRunTimeOf(policy: PolicyRecord, at: number): boolean {
  if (!policy.schedule) return false;
  const [run] = nextRuns(scheduleTiming(policy, policy.schedule), new Date(at - TOLERANCE_MS - 1), 1);
  return run !== undefined && run.getTime() <= at + TOLERANCE_MS;
}
