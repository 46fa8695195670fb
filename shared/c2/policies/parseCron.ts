/**
 * The six fields of an EventBridge Scheduler `cron(...)` expression (minutes hours day-of-month month day-of-week
 * year), parsed to sets of values with AWS's rules: day-of-month takes `, - * ? / L W`, day-of-week `, - * ? / L #`
 * (1-7 or SUN-SAT, Sunday first), months JAN-DEC, years 1970-2199; exactly one of day-of-month and day-of-week is
 * `?`; `L`, `LW`, `<n>W`, `<d>L` and `<d>#<k>` stand alone in their field; a range runs upwards (`FRI-MON` is
 * refused). Names are read in either case. Errors are C2Error INVALID_INPUT naming the field.
 *
 * Written by hand rather than with a cron library: the C2 needs AWS's exact validation with messages naming the
 * field, which no library gives (croner 11, the closest, reads `?` as `*`, takes years 1-9999 and numbers weekdays
 * from 0 unless told), and the domain core imports no package but zod and @noble (see .dependency-cruiser.cjs).
 */
import { C2Error, C2ErrorCode } from '../errors.js';

/** Day-of-month: a set of days, or one of Quartz's computed days. */
export type DayOfMonth =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'last' }
  | { readonly kind: 'lastWeekday' }
  | { readonly kind: 'nearestWeekday'; readonly day: number };

/** Day-of-week (1 = Sunday ... 7 = Saturday): a set of days, the last `day` of the month, or its `nth` one. */
export type DayOfWeek =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: ReadonlySet<number> }
  | { readonly kind: 'last'; readonly day: number }
  | { readonly kind: 'nth'; readonly day: number; readonly nth: number };

export interface CronFields {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly dayOfMonth: DayOfMonth;
  readonly months: ReadonlySet<number>;
  readonly dayOfWeek: DayOfWeek;
  readonly years: ReadonlySet<number>;
}

interface FieldRule {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

export const MIN_YEAR = 1970;
export const MAX_YEAR = 2199;

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const MINUTES: FieldRule = { name: 'minutes', min: 0, max: 59 };
const HOURS: FieldRule = { name: 'hours', min: 0, max: 23 };
const DAY_OF_MONTH: FieldRule = { name: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldRule = { name: 'month', min: 1, max: 12, names: MONTH_NAMES };
const DAY_OF_WEEK: FieldRule = { name: 'day-of-week', min: 1, max: 7, names: DAY_NAMES };
const YEAR: FieldRule = { name: 'year', min: MIN_YEAR, max: MAX_YEAR };

const invalid = (message: string) => new C2Error(C2ErrorCode.InvalidInput, message);

function fieldError(rule: FieldRule, text: string, why: string): C2Error {
  const shown = text.length > 20 ? `${text.slice(0, 20)}...` : text;
  return invalid(`cron ${rule.name} "${shown}": ${why}`);
}

function rangeText(rule: FieldRule): string {
  const names = rule.names ? ` or ${rule.names[0]}-${rule.names[rule.names.length - 1]}` : '';
  return `${rule.min}-${rule.max}${names}`;
}

/** One value of the field: a number without sign or a name. */
function fieldValue(rule: FieldRule, text: string, field: string): number {
  const named = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + rule.min;
  if (!/^[0-9]{1,4}$/.test(text)) throw fieldError(rule, field, `"${text}" is not a value of ${rangeText(rule)}`);
  const value = Number(text);
  if (value < rule.min || value > rule.max) throw fieldError(rule, field, `${value} is outside ${rangeText(rule)}`);
  return value;
}

/** `*`, `a`, `a-b`, each with an optional `/step`, joined by commas. */
function setOf(rule: FieldRule, field: string): ReadonlySet<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range = '', step, extra] = part.split('/');
    if (extra !== undefined || range === '') throw fieldError(rule, field, `"${part}" is not a value, range or step`);
    let from = rule.min;
    let to = rule.max;
    if (range !== '*') {
      const [start = '', end, more] = range.split('-');
      if (more !== undefined) throw fieldError(rule, field, `"${range}" is not a range`);
      from = fieldValue(rule, start, field);
      to = end === undefined ? (step === undefined ? from : rule.max) : fieldValue(rule, end, field);
      if (to < from) throw fieldError(rule, field, `the range "${range}" runs backwards`);
    }
    let by = 1;
    if (step !== undefined) {
      if (!/^[0-9]{1,4}$/.test(step) || Number(step) < 1 || Number(step) > rule.max - rule.min + 1) {
        throw fieldError(rule, field, `the step "${step}" must be 1 to ${rule.max - rule.min + 1}`);
      }
      by = Number(step);
    }
    for (let value = from; value <= to; value += by) values.add(value);
  }
  return values;
}

function dayOfMonthOf(field: string): DayOfMonth {
  if (field === '?') return { kind: 'any' };
  const upper = field.toUpperCase();
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  if (upper.endsWith('W')) {
    if (!/^[0-9]{1,2}W$/.test(upper)) throw fieldError(DAY_OF_MONTH, field, '"W" follows a single day, as in 15W');
    return { kind: 'nearestWeekday', day: fieldValue(DAY_OF_MONTH, upper.slice(0, -1), field) };
  }
  if (/[LW]/.test(upper)) throw fieldError(DAY_OF_MONTH, field, '"L" and "W" stand alone (L, LW or 15W)');
  return { kind: 'days', days: setOf(DAY_OF_MONTH, field) };
}

function dayOfWeekOf(field: string): DayOfWeek {
  if (field === '?') return { kind: 'any' };
  const upper = field.toUpperCase();
  if (upper.includes('#')) {
    const [day = '', nth = '', extra] = upper.split('#');
    if (extra !== undefined || !/^[1-5]$/.test(nth)) {
      throw fieldError(DAY_OF_WEEK, field, '"#" takes one day and its rank in the month (1 to 5), as in 3#2');
    }
    return { kind: 'nth', day: fieldValue(DAY_OF_WEEK, day, field), nth: Number(nth) };
  }
  // `L` alone is Saturday, the last day of the week (as in Quartz).
  if (upper === 'L') return { kind: 'days', days: new Set([7]) };
  if (upper.endsWith('L')) {
    const day = upper.slice(0, -1);
    if (/[,\-/*]/.test(day)) throw fieldError(DAY_OF_WEEK, field, '"L" follows a single day, as in 6L or FRIL');
    return { kind: 'last', day: fieldValue(DAY_OF_WEEK, day, field) };
  }
  return { kind: 'days', days: setOf(DAY_OF_WEEK, field) };
}

/** The fields inside `cron(...)`, separated by single spaces, or INVALID_INPUT naming the first bad field. */
export function parseCron(text: string): CronFields {
  const fields = text.split(' ');
  if (fields.length !== 6 || fields.some((field) => field === '')) {
    throw invalid(
      'cron takes six fields separated by single spaces: minutes hours day-of-month month day-of-week year',
    );
  }
  const [minutes = '', hours = '', dom = '', month = '', dow = '', year = ''] = fields;
  for (const [rule, field] of [
    [MINUTES, minutes],
    [HOURS, hours],
    [MONTH, month],
    [YEAR, year],
  ] as const) {
    if (field.includes('?')) throw fieldError(rule, field, '"?" is only for day-of-month or day-of-week');
  }
  if ((dom === '?') === (dow === '?')) {
    throw invalid('cron day-of-month and day-of-week: exactly one of them must be "?"');
  }
  return {
    minutes: setOf(MINUTES, minutes),
    hours: setOf(HOURS, hours),
    dayOfMonth: dayOfMonthOf(dom),
    months: setOf(MONTH, month),
    dayOfWeek: dayOfWeekOf(dow),
    years: setOf(YEAR, year),
  };
}
