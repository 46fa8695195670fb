/**
 * The next run times of a schedule, as UTC instants, following EventBridge Scheduler's documented behaviour:
 * - a `rate` runs one period after its anchor (the policy's creation), then every period counted from the anchor
 *   (a late run does not shift the ones after it); a period is a duration, so a daily rate keeps its UTC time
 *   across a change of clocks;
 * - a `cron` runs at the wall times it names in its zone; a wall time that does not exist (a 02:30 run on a
 *   spring-forward day in Europe/Paris) is skipped, and a wall time that happens twice (fall back) runs once, at
 *   its first occurrence;
 * - an `at` runs once; at a wall time that does not exist it runs as the clocks jump (02:30 is 03:30 after the
 *   change: our choice, the Scheduler documents none).
 * No schedule runs at or before its anchor, nor after the last year a cron takes (2199).
 */
import { C2Error, C2ErrorCode } from '../errors.js';
import { type CronFields, type DayOfMonth, type DayOfWeek, MAX_YEAR } from './parseCron.js';
import { parseSchedule, type Schedule } from './parseSchedule.js';
import { DEFAULT_TIMEZONE, instantsOf, isTimezone, offsetAt, utcOf, type WallTime, wallTimeOf } from './zonedTime.js';

/** The most run times one call gives. */
export const MAX_RUNS = 1000;

export interface ScheduleTiming {
  /** An EventBridge Scheduler expression (parseSchedule.ts). */
  readonly expression: string;
  /** IANA time zone of `cron` and `at`; default UTC. */
  readonly timezone?: string;
  /** When the schedule began (the policy's creation): rates count from it, nothing runs at or before it. */
  readonly anchor: Date;
}

const DAY_MS = 86_400_000;
const END = Date.UTC(MAX_YEAR + 1, 0, 1);

const invalid = (message: string) => new C2Error(C2ErrorCode.InvalidInput, message);

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** 1 = Sunday ... 7 = Saturday, as in cron. */
const weekdayOf = (year: number, month: number, day: number) =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
const isWeekday = (year: number, month: number, day: number) => {
  const weekday = weekdayOf(year, month, day);
  return weekday !== 1 && weekday !== 7;
};

/** The weekday nearest `day` within the month (Quartz's `W`), or undefined when the month is shorter. */
function nearestWeekday(year: number, month: number, day: number): number | undefined {
  const last = daysIn(year, month);
  if (day > last) return undefined;
  const weekday = weekdayOf(year, month, day);
  if (weekday === 7) return day === 1 ? 3 : day - 1;
  if (weekday === 1) return day === last ? day - 2 : day + 1;
  return day;
}

function dayOfMonthMatches(rule: DayOfMonth, year: number, month: number, day: number): boolean {
  const last = daysIn(year, month);
  switch (rule.kind) {
    case 'any':
      return true;
    case 'days':
      return rule.days.has(day);
    case 'last':
      return day === last;
    case 'lastWeekday': {
      let lastWeekday = last;
      while (!isWeekday(year, month, lastWeekday)) lastWeekday -= 1;
      return day === lastWeekday;
    }
    case 'nearestWeekday':
      return nearestWeekday(year, month, rule.day) === day;
  }
}

function dayOfWeekMatches(rule: DayOfWeek, year: number, month: number, day: number): boolean {
  if (rule.kind === 'any') return true;
  const weekday = weekdayOf(year, month, day);
  switch (rule.kind) {
    case 'days':
      return rule.days.has(weekday);
    case 'last':
      return weekday === rule.day && day + 7 > daysIn(year, month);
    case 'nth':
      return weekday === rule.day && Math.ceil(day / 7) === rule.nth;
  }
}

const sorted = (values: ReadonlySet<number>) => [...values].sort((a, b) => a - b);

/** The cron's runs after `start` (ms), at most `count`. */
function cronRuns(fields: CronFields, timezone: string, start: number, count: number): number[] {
  const runs: number[] = [];
  // Wall times a day before the start's cover every instant after it, whatever the zone's offset.
  const earliest = utcOf(wallTimeOf(start, timezone)) - DAY_MS;
  const from = new Date(earliest);
  const hours = sorted(fields.hours);
  const minutes = sorted(fields.minutes);
  for (const year of sorted(fields.years)) {
    if (year < from.getUTCFullYear()) continue;
    for (const month of sorted(fields.months)) {
      if (Date.UTC(year, month, 1) <= earliest) continue;
      for (let day = 1; day <= daysIn(year, month); day += 1) {
        if (Date.UTC(year, month - 1, day + 1) <= earliest) continue;
        if (!dayOfMonthMatches(fields.dayOfMonth, year, month, day)) continue;
        if (!dayOfWeekMatches(fields.dayOfWeek, year, month, day)) continue;
        for (const hour of hours) {
          for (const minute of minutes) {
            const wall: WallTime = { year, month, day, hour, minute, second: 0 };
            if (utcOf(wall) < earliest) continue;
            // None in a gap (skipped), the first of two in a repeated hour (run once).
            const [instant] = instantsOf(wall, timezone);
            if (instant === undefined || instant <= start) continue;
            runs.push(instant);
            if (runs.length === count) return runs;
          }
        }
      }
    }
  }
  return runs;
}

function rateRuns(periodMs: number, anchor: number, start: number, count: number): number[] {
  const runs: number[] = [];
  let run = anchor + Math.max(1, Math.floor((start - anchor) / periodMs) + 1) * periodMs;
  while (runs.length < count && run < END) {
    runs.push(run);
    run += periodMs;
  }
  return runs;
}

function atRun(wall: WallTime, timezone: string, start: number): number[] {
  const local = utcOf(wall);
  // In a gap: the offset before it, which reads as the wall time moved on by the gap.
  const instant = instantsOf(wall, timezone)[0] ?? local - offsetAt(local - DAY_MS, timezone);
  return instant > start ? [instant] : [];
}

function runsOf(schedule: Schedule, timezone: string, anchor: number, start: number, count: number): number[] {
  switch (schedule.kind) {
    case 'rate':
      return rateRuns(schedule.periodMs, anchor, start, count);
    case 'cron':
      return cronRuns(schedule.fields, timezone, start, count);
    case 'at':
      return atRun(schedule.at, timezone, start);
  }
}

/** The first `count` runs of the schedule strictly after `from` (and after its anchor), ascending. */
export function nextRuns(timing: ScheduleTiming, from: Date, count: number): Date[] {
  const schedule = parseSchedule(timing.expression);
  const timezone = timing.timezone ?? DEFAULT_TIMEZONE;
  if (!isTimezone(timezone)) throw invalid('"timezone" must be an IANA time zone, as in Europe/Paris');
  const anchor = timing.anchor instanceof Date ? timing.anchor.getTime() : Number.NaN;
  const after = from instanceof Date ? from.getTime() : Number.NaN;
  if (!Number.isFinite(anchor) || !Number.isFinite(after)) throw invalid('the anchor and start of runs must be dates');
  if (!Number.isSafeInteger(count) || count < 0 || count > MAX_RUNS) {
    throw invalid(`the number of runs must be 0 to ${MAX_RUNS}`);
  }
  if (count === 0) return [];
  const start = Math.max(anchor, after);
  return runsOf(schedule, timezone, anchor, start, count)
    .filter((run) => run < END)
    .map((run) => new Date(run));
}
