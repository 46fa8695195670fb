/**
 * The run times of a Scheduler's ScheduleSpec (ports.ts), for a scheduler of our own (local mode's LocalScheduler),
 * on the policy core's nextRuns (same expressions, time zones and rules). A spec's start date is the first time a
 * run may happen (a run exactly at it included, as EventBridge Scheduler's start date), and a `rate` counts its
 * periods from it; without one, from `putAt`, when the schedule was put. Runs are looked for strictly after a time
 * (`since`: the put, or the last run).
 */
import type { ScheduleSpec } from '../ports.js';
import { MAX_RUNS, nextRuns, type ScheduleTiming } from './nextRuns.js';
import { parseSchedule } from './parseSchedule.js';

/** How far back the latest run is looked for first (a longer gap is walked from `since`). */
const RECENT_MS = 2 * 86_400_000;

export interface SpecRuns {
  /** The first run strictly after `since` (ms), if any. */
  next(since: number): number | undefined;
  /** The latest run strictly after `since` and at or before `upTo` (ms), if any. */
  latest(since: number, upTo: number): number | undefined;
}

/** INVALID_INPUT (a C2Error) when the expression or time zone is not one nextRuns reads. */
export function specRuns(spec: Pick<ScheduleSpec, 'expression' | 'timezone' | 'startDate'>, putAt: number): SpecRuns {
  const schedule = parseSchedule(spec.expression);
  const start = spec.startDate === undefined ? putAt : Date.parse(spec.startDate);
  // nextRuns runs nothing at its anchor: one period (a rate) or one millisecond before the start runs at the start.
  const anchor = new Date(start - (schedule.kind === 'rate' ? schedule.periodMs : 1));
  const timing: ScheduleTiming = {
    expression: spec.expression,
    ...(spec.timezone !== undefined ? { timezone: spec.timezone } : {}),
    anchor,
  };
  nextRuns(timing, anchor, 1); // checks the time zone
  const after = (from: number, count: number) => nextRuns(timing, new Date(from), count).map((run) => run.getTime());
  return {
    next: (since) => after(since, 1)[0],
    latest(since, upTo) {
      // Runs are ascending: when a recent window has some, the latest is among them; else walk from `since`.
      let from = Math.max(since, upTo - RECENT_MS);
      const recent = after(from, 1)[0];
      if (recent === undefined || recent > upTo) from = since;
      let latest: number | undefined;
      for (;;) {
        const page = after(from, MAX_RUNS).filter((run) => run <= upTo);
        if (page.length === 0) return latest;
        latest = page.at(-1)!;
        if (page.length < MAX_RUNS) return latest;
        from = latest;
      }
    },
  };
}
