/**
 * A schedule in plain English for policy views: "every 6 hours", "every day at 03:00 (Europe/Paris)", "at 09:30 on
 * Monday to Friday in January (UTC)", "once at 2027-01-01 03:00 (UTC)". Cron and `at` name their zone (their times
 * are wall times); rates do not (a period is a duration). Lists of values read as ranges where they run on.
 */
import type { CronFields, DayOfMonth, DayOfWeek } from './parseCron.js';
import { MAX_YEAR, MIN_YEAR } from './parseCron.js';
import { parseSchedule, type Schedule } from './parseSchedule.js';
import { DEFAULT_TIMEZONE, type WallTime } from './zonedTime.js';

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const ORDINALS = ['first', 'second', 'third', 'fourth', 'fifth'];
/** Up to this many times of day are listed one by one. */
const MAX_LISTED_TIMES = 4;
/** Up to this many values or ranges of a field are listed (`2027/2` would list 87 years). */
const MAX_LISTED_RUNS = 6;

const two = (value: number) => String(value).padStart(2, '0');
const clock = (hour: number, minute: number) => `${two(hour)}:${two(minute)}`;
const sorted = (values: ReadonlySet<number>) => [...values].sort((a, b) => a - b);

/** "a", "a and b", "a, b and c". */
function joined(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Values as runs: 1,2,3,5 reads "1 to 3 and 5"; past MAX_LISTED_RUNS runs, the first ones and the last. */
function runsOf(values: ReadonlySet<number>, name: (value: number) => string): string {
  const parts: string[] = [];
  const list = sorted(values);
  for (let i = 0; i < list.length; ) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === (list[j] ?? 0) + 1) j += 1;
    const first = name(list[i] ?? 0);
    if (j - i >= 2) parts.push(`${first} to ${name(list[j] ?? 0)}`);
    else for (let k = i; k <= j; k += 1) parts.push(name(list[k] ?? 0));
    i = j + 1;
  }
  if (parts.length > MAX_LISTED_RUNS)
    return `${parts.slice(0, MAX_LISTED_RUNS - 1).join(', ')}, ... and ${parts.at(-1)}`;
  return joined(parts);
}

const isAll = (values: ReadonlySet<number>, min: number, max: number) => values.size === max - min + 1;

/** The step of values evenly spaced from `min` over the whole field (`*\/15`), or undefined. */
function stepOf(values: ReadonlySet<number>, min: number, max: number): number | undefined {
  const list = sorted(values);
  const step = (list[1] ?? 0) - (list[0] ?? 0);
  if (list.length < 2 || list[0] !== min || (max - min + 1) % step !== 0) return undefined;
  return list.every((value, i) => value === min + i * step) && list.length === (max - min + 1) / step
    ? step
    : undefined;
}

function timesOf(fields: CronFields): string {
  const { hours, minutes } = fields;
  const allHours = isAll(hours, 0, 23);
  if (allHours && isAll(minutes, 0, 59)) return 'every minute';
  const minuteStep = stepOf(minutes, 0, 59);
  if (allHours && minuteStep !== undefined) return `every ${minuteStep} minutes`;
  if (hours.size * minutes.size <= MAX_LISTED_TIMES) {
    const times = sorted(hours).flatMap((hour) => sorted(minutes).map((minute) => clock(hour, minute)));
    return `at ${joined(times)}`;
  }
  const hourStep = stepOf(hours, 0, 23);
  const [minute] = minutes;
  if (hourStep !== undefined && hourStep > 1 && minutes.size === 1)
    return `every ${hourStep} hours at minute ${minute}`;
  const atMinutes = isAll(minutes, 0, 59) ? 'every minute' : `at minute ${runsOf(minutes, String)}`;
  return allHours ? `${atMinutes} of every hour` : `${atMinutes} past hour ${runsOf(hours, String)}`;
}

function dayOfMonthText(rule: DayOfMonth): string | undefined {
  switch (rule.kind) {
    case 'any':
      return undefined;
    case 'days':
      return isAll(rule.days, 1, 31) ? undefined : `on day ${runsOf(rule.days, String)} of the month`;
    case 'last':
      return 'on the last day of the month';
    case 'lastWeekday':
      return 'on the last weekday of the month';
    case 'nearestWeekday':
      return `on the weekday nearest day ${rule.day} of the month`;
  }
}

function dayOfWeekText(rule: DayOfWeek): string | undefined {
  const weekday = (day: number) => WEEKDAYS[day - 1] ?? String(day);
  switch (rule.kind) {
    case 'any':
      return undefined;
    case 'days':
      return isAll(rule.days, 1, 7) ? undefined : `on ${runsOf(rule.days, weekday)}`;
    case 'last':
      return `on the last ${weekday(rule.day)} of the month`;
    case 'nth':
      return `on the ${ORDINALS[rule.nth - 1]} ${weekday(rule.day)} of the month`;
  }
}

function cronText(fields: CronFields): string {
  const days = dayOfMonthText(fields.dayOfMonth) ?? dayOfWeekText(fields.dayOfWeek);
  const months = isAll(fields.months, 1, 12) ? undefined : `in ${runsOf(fields.months, (m) => MONTHS[m - 1] ?? '')}`;
  const years = isAll(fields.years, MIN_YEAR, MAX_YEAR) ? undefined : `in ${runsOf(fields.years, String)}`;
  const times = timesOf(fields);
  // "every day" only before times of some hours: "every 15 minutes" or "every 2 hours" needs no day.
  const everyDay = times.startsWith('at ') && !isAll(fields.hours, 0, 23) ? `every day ${times}` : times;
  const parts = days === undefined ? [everyDay] : [times, days];
  return [...parts, months, years].filter((part) => part !== undefined).join(' ');
}

function atText(at: WallTime): string {
  return `once at ${at.year}-${two(at.month)}-${two(at.day)} ${clock(at.hour, at.minute)}${at.second ? `:${two(at.second)}` : ''}`;
}

function rateText(schedule: Extract<Schedule, { kind: 'rate' }>): string {
  return schedule.value === 1 ? `every ${schedule.unit}` : `every ${schedule.value} ${schedule.unit}s`;
}

/** The schedule in English; INVALID_INPUT for an expression parseSchedule refuses. */
export function describeSchedule(expression: string, timezone = DEFAULT_TIMEZONE): string {
  const schedule = parseSchedule(expression);
  switch (schedule.kind) {
    case 'rate':
      return rateText(schedule);
    case 'cron':
      return `${cronText(schedule.fields)} (${timezone})`;
    case 'at':
      return `${atText(schedule.at)} (${timezone})`;
  }
}
