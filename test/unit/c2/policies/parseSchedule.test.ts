import { describe, expect, it } from 'vitest';
import { C2Error, C2ErrorCode } from '../../../../shared/c2/errors.js';
import { MIN_RATE_MINUTES, parseSchedule } from '../../../../shared/c2/policies/parseSchedule.js';

/** The message of the INVALID_INPUT that parsing `expression` throws. */
function refusal(expression: unknown): string {
  try {
    parseSchedule(expression);
  } catch (error) {
    expect(error).toBeInstanceOf(C2Error);
    expect((error as C2Error).code).toBe(C2ErrorCode.InvalidInput);
    return (error as C2Error).message;
  }
  throw new Error(`${String(expression)} was accepted`);
}

const set = (...values: number[]) => new Set(values);
const range = (from: number, to: number) => set(...Array.from({ length: to - from + 1 }, (_, i) => from + i));

describe('parseSchedule: rate', () => {
  it.each([
    ['rate(1 minute)', 1, 'minute', 60_000],
    ['rate(5 minutes)', 5, 'minute', 300_000],
    ['rate(1 hour)', 1, 'hour', 3_600_000],
    ['rate(6 hours)', 6, 'hour', 21_600_000],
    ['rate(1 day)', 1, 'day', 86_400_000],
    ['rate(30 days)', 30, 'day', 2_592_000_000],
    ['rate(2 day)', 2, 'day', 172_800_000],
  ])('reads %s', (expression, value, unit, periodMs) => {
    expect(parseSchedule(expression)).toEqual({ kind: 'rate', value, unit, periodMs });
  });

  it(`refuses a rate under the floor of ${MIN_RATE_MINUTES} minute`, () => {
    expect(refusal('rate(0 minutes)')).toBe('rate must be at least 1 minute');
  });

  it.each([
    'rate(1 second)',
    'rate(10 seconds)',
    'rate(1 week)',
    'rate(-1 minutes)',
    'rate(1.5 hours)',
    'rate(01 hours)',
    'rate(1  hours)',
    'rate(hours)',
    'rate(1 Hours)',
    'rate(1234567890 minutes)',
  ])('refuses %s naming the rate', (expression) => {
    expect(refusal(expression)).toMatch(/^rate takes a whole number and a unit/);
  });
});

describe('parseSchedule: cron', () => {
  it('reads every field of a plain daily cron', () => {
    expect(parseSchedule('cron(0 3 * * ? *)')).toEqual({
      kind: 'cron',
      fields: {
        minutes: set(0),
        hours: set(3),
        dayOfMonth: { kind: 'days', days: range(1, 31) },
        months: range(1, 12),
        dayOfWeek: { kind: 'any' },
        years: range(1970, 2199),
      },
    });
  });

  it('reads lists, ranges, steps and names in either case', () => {
    const schedule = parseSchedule('cron(0,30 9-17/2 ? jan,Jul-SEP MON-FRI 2027/2)');
    if (schedule.kind !== 'cron') throw new Error('not a cron');
    expect(schedule.fields.minutes).toEqual(set(0, 30));
    expect(schedule.fields.hours).toEqual(set(9, 11, 13, 15, 17));
    expect(schedule.fields.dayOfMonth).toEqual({ kind: 'any' });
    expect(schedule.fields.months).toEqual(set(1, 7, 8, 9));
    expect(schedule.fields.dayOfWeek).toEqual({ kind: 'days', days: range(2, 6) });
    expect(schedule.fields.years).toEqual(set(...Array.from({ length: 87 }, (_, i) => 2027 + 2 * i)));
  });

  it.each([
    ['cron(*/15 * * * ? *)', 'minutes', set(0, 15, 30, 45)],
    ['cron(5/20 * * * ? *)', 'minutes', set(5, 25, 45)],
    ['cron(59 23 * * ? *)', 'hours', set(23)],
  ] as const)('reads the steps of %s', (expression, field, values) => {
    const schedule = parseSchedule(expression);
    if (schedule.kind !== 'cron') throw new Error('not a cron');
    expect(schedule.fields[field]).toEqual(values);
  });

  it.each([
    ['L', { kind: 'last' }],
    ['LW', { kind: 'lastWeekday' }],
    ['lw', { kind: 'lastWeekday' }],
    ['15W', { kind: 'nearestWeekday', day: 15 }],
    ['1-15', { kind: 'days', days: range(1, 15) }],
  ])('reads day-of-month %s', (field, dayOfMonth) => {
    const schedule = parseSchedule(`cron(0 3 ${field} * ? *)`);
    expect(schedule.kind === 'cron' && schedule.fields.dayOfMonth).toEqual(dayOfMonth);
  });

  it.each([
    ['3#2', { kind: 'nth', day: 3, nth: 2 }],
    ['TUE#5', { kind: 'nth', day: 3, nth: 5 }],
    ['6L', { kind: 'last', day: 6 }],
    ['FRIL', { kind: 'last', day: 6 }],
    ['L', { kind: 'days', days: set(7) }],
    ['SUN,SAT', { kind: 'days', days: set(1, 7) }],
    ['*', { kind: 'days', days: range(1, 7) }],
  ])('reads day-of-week %s', (field, dayOfWeek) => {
    const schedule = parseSchedule(`cron(0 3 ? * ${field} *)`);
    expect(schedule.kind === 'cron' && schedule.fields.dayOfWeek).toEqual(dayOfWeek);
  });

  it.each([
    ['cron(0 3 * * ?)', /^cron takes six fields/],
    ['cron(0 3 * * ? * *)', /^cron takes six fields/],
    ['cron(0  3 * * ? *)', /^cron takes six fields/],
    ['cron( 0 3 * * ? *)', /^cron takes six fields/],
    ['cron(0 3 * * * *)', /exactly one of them must be "\?"/],
    ['cron(0 3 ? * ? *)', /exactly one of them must be "\?"/],
    ['cron(0 3 1 * MON *)', /exactly one of them must be "\?"/],
    ['cron(60 3 * * ? *)', /^cron minutes "60": 60 is outside 0-59/],
    ['cron(? 3 * * ? *)', /^cron minutes "\?": "\?" is only for day-of-month or day-of-week/],
    ['cron(0 24 * * ? *)', /^cron hours "24": 24 is outside 0-23/],
    ['cron(0 -1 * * ? *)', /^cron hours "-1"/],
    ['cron(0 3 0 * ? *)', /^cron day-of-month "0": 0 is outside 1-31/],
    ['cron(0 3 32 * ? *)', /^cron day-of-month "32"/],
    ['cron(0 3 1,L * ? *)', /^cron day-of-month "1,L": "L" and "W" stand alone/],
    ['cron(0 3 1-5W * ? *)', /^cron day-of-month "1-5W": "W" follows a single day/],
    ['cron(0 3 32W * ? *)', /^cron day-of-month "32W": 32 is outside 1-31/],
    ['cron(0 3 * 13 ? *)', /^cron month "13": 13 is outside 1-12 or JAN-DEC/],
    ['cron(0 3 * JANUARY ? *)', /^cron month "JANUARY"/],
    ['cron(0 3 * L ? *)', /^cron month "L"/],
    ['cron(0 3 ? * 0 *)', /^cron day-of-week "0": 0 is outside 1-7 or SUN-SAT/],
    ['cron(0 3 ? * 8 *)', /^cron day-of-week "8"/],
    ['cron(0 3 ? * 3#6 *)', /^cron day-of-week "3#6": "#" takes one day and its rank/],
    ['cron(0 3 ? * 3#1,6#3 *)', /^cron day-of-week "3#1,6#3"/],
    ['cron(0 3 ? * 1-3L *)', /^cron day-of-week "1-3L": "L" follows a single day/],
    ['cron(0 3 ? * FRI-MON *)', /^cron day-of-week "FRI-MON": the range "FRI-MON" runs backwards/],
    ['cron(0 3 * * ? 1969)', /^cron year "1969": 1969 is outside 1970-2199/],
    ['cron(0 3 * * ? 2200)', /^cron year "2200"/],
    ['cron(*/0 3 * * ? *)', /^cron minutes "\*\/0": the step "0" must be 1 to 60/],
    ['cron(*/61 3 * * ? *)', /^cron minutes "\*\/61": the step "61" must be 1 to 60/],
    ['cron(0/5/5 3 * * ? *)', /^cron minutes "0\/5\/5": "0\/5\/5" is not a value, range or step/],
    ['cron(1-2-3 3 * * ? *)', /^cron minutes "1-2-3": "1-2-3" is not a range/],
    ['cron(0,,1 3 * * ? *)', /^cron minutes "0,,1"/],
    ['cron(0 3 * * ? 2027-2026)', /^cron year "2027-2026": the range "2027-2026" runs backwards/],
  ])('refuses %s naming the field', (expression, message) => {
    expect(refusal(expression)).toMatch(message);
  });
});

describe('parseSchedule: at', () => {
  it('reads a local date and time', () => {
    expect(parseSchedule('at(2027-01-01T03:04:05)')).toEqual({
      kind: 'at',
      at: { year: 2027, month: 1, day: 1, hour: 3, minute: 4, second: 5 },
    });
  });

  it.each([
    ['at(2027-02-29T03:00:00)', /^at: 2027-02-29 is not a date/],
    ['at(2027-13-01T03:00:00)', /^at: 2027-13-01 is not a date/],
    ['at(1969-12-31T23:59:59)', /^at: 1969-12-31 is not a date from 1970 to 2199/],
    ['at(2027-01-01T24:00:00)', /^at: 24:00:00 is not a time of day/],
    ['at(2027-01-01T03:00:60)', /^at: 03:00:60 is not a time of day/],
    ['at(2027-01-01 03:00:00)', /^at takes a local date and time/],
    ['at(2027-01-01T03:00:00Z)', /^at takes a local date and time/],
    ['at(2027-01-01)', /^at takes a local date and time/],
  ])('refuses %s', (expression, message) => {
    expect(refusal(expression)).toMatch(message);
  });

  it('reads a leap day', () => {
    expect(parseSchedule('at(2028-02-29T00:00:00)').kind).toBe('at');
  });
});

describe('parseSchedule: the form', () => {
  it.each(['', 'rate', 'rate 1 day', 'cron(0 3 * * ? *) ', 'CRON(0 3 * * ? *)', 'every(1 day)', 'cron(0 3 * * ? *)\n'])(
    'refuses %j',
    (expression) => {
      expect(refusal(expression)).toMatch(/^a schedule expression is rate/);
    },
  );

  it.each([undefined, null, 5, {}, `rate(${'1'.repeat(300)} days)`])('refuses %j as not a short string', (value) => {
    expect(refusal(value)).toMatch(/^a schedule expression is a string of at most 256 characters/);
  });
});
