/**
 * EventBridge Scheduler's schedule expressions, the same in both modes of deployment: `rate(<n> <unit>)` with the
 * unit minute(s), hour(s) or day(s) (either number for any value, as the Scheduler takes them), `cron(<6 fields>)`
 * (parseCron.ts) and `at(yyyy-mm-ddThh:mm:ss)`, a one-time run at a local time of the schedule's zone. A rate's
 * period is a duration (a day is 24 hours, whatever the clocks do). Errors are C2Error INVALID_INPUT naming the
 * part at fault.
 */
import { C2Error, C2ErrorCode } from '../errors.js';
import { type CronFields, MAX_YEAR, MIN_YEAR, parseCron } from './parseCron.js';
import type { WallTime } from './zonedTime.js';

/** The shortest period of a rate (also the Scheduler's): a policy cannot rotate more often than this. */
export const MIN_RATE_MINUTES = 1;
/** The longest expression the Scheduler takes. */
export const MAX_EXPRESSION_LENGTH = 256;

export type RateUnit = 'minute' | 'hour' | 'day';

export type Schedule =
  | { readonly kind: 'rate'; readonly value: number; readonly unit: RateUnit; readonly periodMs: number }
  | { readonly kind: 'cron'; readonly fields: CronFields }
  | { readonly kind: 'at'; readonly at: WallTime };

const UNIT_MS: Readonly<Record<RateUnit, number>> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const FORMS = 'rate(<n> minutes|hours|days), cron(<6 fields>) or at(yyyy-mm-ddThh:mm:ss)';

const invalid = (message: string) => new C2Error(C2ErrorCode.InvalidInput, message);

function rateOf(body: string): Schedule {
  const match = /^(0|[1-9][0-9]{0,8}) (minute|hour|day)s?$/.exec(body);
  if (!match) throw invalid('rate takes a whole number and a unit: minute(s), hour(s) or day(s), as in rate(6 hours)');
  const value = Number(match[1]);
  const unit = match[2] as RateUnit;
  const periodMs = value * UNIT_MS[unit];
  if (periodMs < MIN_RATE_MINUTES * UNIT_MS.minute) {
    throw invalid(`rate must be at least ${MIN_RATE_MINUTES} minute`);
  }
  return { kind: 'rate', value, unit, periodMs };
}

function atOf(body: string): Schedule {
  const match = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})$/.exec(body);
  if (!match) throw invalid('at takes a local date and time, as in at(2027-01-01T03:00:00)');
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || year < MIN_YEAR || year > MAX_YEAR) {
    throw invalid(`at: ${body.slice(0, 10)} is not a date from ${MIN_YEAR} to ${MAX_YEAR}`);
  }
  if (hour > 23 || minute > 59 || second > 59) throw invalid(`at: ${body.slice(11)} is not a time of day`);
  return { kind: 'at', at: { year, month, day, hour, minute, second } };
}

/** The schedule `expression` stands for, or INVALID_INPUT. */
export function parseSchedule(expression: unknown): Schedule {
  if (typeof expression !== 'string' || expression.length > MAX_EXPRESSION_LENGTH) {
    throw invalid(`a schedule expression is a string of at most ${MAX_EXPRESSION_LENGTH} characters: ${FORMS}`);
  }
  const match = /^(rate|cron|at)\((.*)\)$/.exec(expression);
  if (!match) throw invalid(`a schedule expression is ${FORMS}`);
  const body = match[2] ?? '';
  if (match[1] === 'rate') return rateOf(body);
  if (match[1] === 'cron') return { kind: 'cron', fields: parseCron(body) };
  return atOf(body);
}
