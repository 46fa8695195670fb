import { describe, expect, it } from 'vitest';
import { C2Error, C2ErrorCode } from '../../../../shared/c2/errors.js';
import { MAX_RUNS, nextRuns } from '../../../../shared/c2/policies/nextRuns.js';

const anchor = new Date('2027-01-01T00:00:00Z');

/** The next `count` runs after `from`, as ISO strings. */
function runs(expression: string, timezone: string | undefined, from: string, count = 5, since = anchor): string[] {
  const timing = timezone === undefined ? { expression, anchor: since } : { expression, timezone, anchor: since };
  return nextRuns(timing, new Date(from), count).map((run) => run.toISOString());
}

describe('nextRuns: cron in UTC', () => {
  it('runs every day at 03:00, strictly after the start', () => {
    expect(runs('cron(0 3 * * ? *)', undefined, '2027-03-10T03:00:00Z', 3)).toEqual([
      '2027-03-11T03:00:00.000Z',
      '2027-03-12T03:00:00.000Z',
      '2027-03-13T03:00:00.000Z',
    ]);
  });

  it('runs on weekdays only', () => {
    // 2027-03-12 is a Friday.
    expect(runs('cron(30 9 ? * MON-FRI *)', 'UTC', '2027-03-12T10:00:00Z', 2)).toEqual([
      '2027-03-15T09:30:00.000Z',
      '2027-03-16T09:30:00.000Z',
    ]);
  });

  it.each([
    ['the last day of the month', 'cron(0 0 L * ? *)', ['2027-02-28', '2027-03-31', '2027-04-30']],
    ['the last weekday of the month', 'cron(0 0 LW * ? *)', ['2027-02-26', '2027-03-31', '2027-04-30']],
    [
      'the weekday nearest the 1st (a Saturday in May)',
      'cron(0 0 1W * ? *)',
      ['2027-02-01', '2027-03-01', '2027-04-01', '2027-05-03'],
    ],
    [
      'the weekday nearest the 31st (a Saturday in July, a Sunday in October)',
      'cron(0 0 31W * ? *)',
      ['2027-03-31', '2027-05-31', '2027-07-30', '2027-08-31', '2027-10-29'],
    ],
    ['the second Tuesday', 'cron(0 0 ? * 3#2 *)', ['2027-02-09', '2027-03-09', '2027-04-13']],
    ['the last Friday', 'cron(0 0 ? * 6L *)', ['2027-02-26', '2027-03-26', '2027-04-30']],
    ['February 29th only', 'cron(0 0 29 2 ? *)', ['2028-02-29', '2032-02-29', '2036-02-29']],
  ])('runs on %s', (_, expression, days) => {
    const found = runs(expression, 'UTC', '2027-01-31T12:00:00Z', days.length);
    expect(found.map((run) => run.slice(0, 10))).toEqual(days);
  });

  it('runs in the years of the year field only, and never after 2199', () => {
    expect(runs('cron(0 0 1 1 ? 2028,2199)', 'UTC', '2027-06-01T00:00:00Z', 5)).toEqual([
      '2028-01-01T00:00:00.000Z',
      '2199-01-01T00:00:00.000Z',
    ]);
  });

  it('gives nothing, quickly, for a cron that never matches', () => {
    const started = Date.now();
    expect(runs('cron(0 0 30 2 ? *)', 'UTC', '1970-01-01T00:00:00Z', 5, new Date(0))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('runs nothing at or before the anchor (the policy was created then)', () => {
    const created = new Date('2027-03-10T03:00:00Z');
    expect(runs('cron(0 3 * * ? *)', 'UTC', '2027-01-01T00:00:00Z', 1, created)).toEqual(['2027-03-11T03:00:00.000Z']);
  });
});

describe('nextRuns: cron across changes of clocks', () => {
  it('skips a 02:30 run on the spring-forward day in Europe/Paris (02:00 jumps to 03:00 on 2027-03-28)', () => {
    expect(runs('cron(30 2 * * ? *)', 'Europe/Paris', '2027-03-26T12:00:00Z', 3)).toEqual([
      '2027-03-27T01:30:00.000Z', // 02:30 CET
      '2027-03-29T00:30:00.000Z', // 02:30 CEST: no run on the 28th
      '2027-03-30T00:30:00.000Z',
    ]);
  });

  it('runs a repeated 02:30 once, at its first occurrence, on the fall-back day in Europe/Paris (2027-10-31)', () => {
    expect(runs('cron(30 2 * * ? *)', 'Europe/Paris', '2027-10-30T12:00:00Z', 3)).toEqual([
      '2027-10-31T00:30:00.000Z', // 02:30 CEST, not again at 02:30 CET (01:30Z)
      '2027-11-01T01:30:00.000Z',
      '2027-11-02T01:30:00.000Z',
    ]);
  });

  it('keeps 03:00 local time across both changes in Europe/Paris', () => {
    expect(runs('cron(0 3 * * ? *)', 'Europe/Paris', '2027-03-27T12:00:00Z', 2)).toEqual([
      '2027-03-28T01:00:00.000Z',
      '2027-03-29T01:00:00.000Z',
    ]);
    expect(runs('cron(0 3 * * ? *)', 'Europe/Paris', '2027-10-30T12:00:00Z', 2)).toEqual([
      '2027-10-31T02:00:00.000Z',
      '2027-11-01T02:00:00.000Z',
    ]);
  });

  it('runs every 30 minutes through the repeated hour in America/New_York once per wall time (2027-11-07)', () => {
    // 01:00-01:59 happens twice: the runs are the first 01:00 and 01:30 (EDT), then 02:00 EST.
    expect(runs('cron(0/30 * * * ? *)', 'America/New_York', '2027-11-07T04:45:00Z', 4)).toEqual([
      '2027-11-07T05:00:00.000Z',
      '2027-11-07T05:30:00.000Z',
      '2027-11-07T07:00:00.000Z',
      '2027-11-07T07:30:00.000Z',
    ]);
  });

  it('skips the wall times of the gap in America/New_York (02:00-02:59 on 2027-03-14)', () => {
    expect(runs('cron(0/30 * * * ? *)', 'America/New_York', '2027-03-14T06:15:00Z', 3)).toEqual([
      '2027-03-14T06:30:00.000Z', // 01:30 EST
      '2027-03-14T07:00:00.000Z', // 03:00 EDT
      '2027-03-14T07:30:00.000Z',
    ]);
  });

  it('reads a zone without changes of clocks at its fixed offset', () => {
    expect(runs('cron(0 9 * * ? *)', 'Asia/Tokyo', '2027-03-27T00:00:00Z', 2)).toEqual([
      '2027-03-28T00:00:00.000Z',
      '2027-03-29T00:00:00.000Z',
    ]);
  });
});

describe('nextRuns: rate', () => {
  it('runs one period after the anchor, then every period', () => {
    expect(runs('rate(6 hours)', undefined, '2026-12-01T00:00:00Z', 3)).toEqual([
      '2027-01-01T06:00:00.000Z',
      '2027-01-01T12:00:00.000Z',
      '2027-01-01T18:00:00.000Z',
    ]);
  });

  it('counts from the anchor, whenever it is asked (a late run does not move the next ones)', () => {
    expect(runs('rate(6 hours)', undefined, '2027-01-03T07:59:00Z', 2)).toEqual([
      '2027-01-03T12:00:00.000Z',
      '2027-01-03T18:00:00.000Z',
    ]);
    expect(runs('rate(6 hours)', undefined, '2027-01-03T12:00:00Z', 1)).toEqual(['2027-01-03T18:00:00.000Z']);
  });

  it('keeps 24-hour days across a change of clocks, whatever the zone', () => {
    const since = new Date('2027-03-27T10:00:00Z');
    expect(runs('rate(1 day)', 'Europe/Paris', '2027-03-27T10:00:00Z', 2, since)).toEqual([
      '2027-03-28T10:00:00.000Z',
      '2027-03-29T10:00:00.000Z',
    ]);
  });

  it('stops at the end of 2199', () => {
    expect(runs('rate(36500 days)', undefined, '2027-01-01T00:00:00Z', 5)).toEqual(['2126-12-08T00:00:00.000Z']);
  });
});

describe('nextRuns: at', () => {
  it('runs once, at the local time of its zone', () => {
    expect(runs('at(2027-06-01T09:00:00)', 'Europe/Paris', '2027-01-01T00:00:00Z')).toEqual([
      '2027-06-01T07:00:00.000Z',
    ]);
    expect(runs('at(2027-06-01T09:00:00)', undefined, '2027-01-01T00:00:00Z')).toEqual(['2027-06-01T09:00:00.000Z']);
  });

  it('runs no more once its time has passed', () => {
    expect(runs('at(2027-06-01T09:00:00)', 'UTC', '2027-06-01T09:00:00Z')).toEqual([]);
  });

  it('runs as the clocks jump when its time falls in a gap, at the first occurrence of a repeated time', () => {
    expect(runs('at(2027-03-28T02:30:00)', 'Europe/Paris', '2027-01-01T00:00:00Z')).toEqual([
      '2027-03-28T01:30:00.000Z', // 03:30 CEST
    ]);
    expect(runs('at(2027-10-31T02:30:00)', 'Europe/Paris', '2027-01-01T00:00:00Z')).toEqual([
      '2027-10-31T00:30:00.000Z', // 02:30 CEST
    ]);
  });
});

describe('nextRuns: bad arguments', () => {
  const code = (act: () => unknown) => {
    try {
      act();
    } catch (error) {
      return error instanceof C2Error ? `${error.code}: ${error.message}` : 'other';
    }
    return 'returned';
  };

  it.each([
    [
      'an unknown zone',
      () => nextRuns({ expression: 'rate(1 day)', timezone: 'Mars/Olympus', anchor }, anchor, 1),
      /IANA/,
    ],
    ['a bad expression', () => nextRuns({ expression: 'cron(0 3 * * * *)', anchor }, anchor, 1), /day-of-week/],
    ['an invalid date', () => nextRuns({ expression: 'rate(1 day)', anchor }, new Date('x'), 1), /dates/],
    ['a negative count', () => nextRuns({ expression: 'rate(1 day)', anchor }, anchor, -1), /number of runs/],
    ['too many runs', () => nextRuns({ expression: 'rate(1 day)', anchor }, anchor, MAX_RUNS + 1), /number of runs/],
  ])('refuses %s with INVALID_INPUT', (_, act, message) => {
    const found = code(act);
    expect(found.startsWith(`${C2ErrorCode.InvalidInput}: `)).toBe(true);
    expect(found).toMatch(message);
  });

  it('gives nothing for a count of 0', () => {
    expect(runs('rate(1 day)', undefined, '2027-01-01T00:00:00Z', 0)).toEqual([]);
  });
});
