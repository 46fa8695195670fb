/**
 * The run times of a ScheduleSpec for local mode's scheduler: a start date is the first time a run may happen (a
 * rate counts from it), without one the put; the next run; the latest run over a gap (recent, long, sparse, none).
 */
import { describe, expect, it } from 'vitest';
import { C2ErrorCode } from '../../../../shared/c2/errors.js';
import { specRuns } from '../../../../shared/c2/policies/specRuns.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const PUT = at('2027-01-10T10:00:00Z');

describe('specRuns', () => {
  it('counts a rate from the put without a start date: one period after it, then every period', () => {
    const runs = specRuns({ expression: 'rate(5 minutes)' }, PUT);
    expect(iso(runs.next(PUT))).toBe('2027-01-10T10:05:00.000Z');
    expect(iso(runs.next(at('2027-01-10T10:07:00Z')))).toBe('2027-01-10T10:10:00.000Z');
  });

  it('runs a rate at its start date, then every period from it', () => {
    const runs = specRuns({ expression: 'rate(1 hour)', startDate: '2027-01-10T10:30:00.000Z' }, PUT);
    expect(iso(runs.next(PUT))).toBe('2027-01-10T10:30:00.000Z');
    expect(iso(runs.next(at('2027-01-10T10:30:00Z')))).toBe('2027-01-10T11:30:00.000Z');
  });

  it('runs nothing of a cron before its start date, and at it when it names that time', () => {
    const runs = specRuns({ expression: 'cron(0 3 * * ? *)', startDate: '2027-01-15T03:00:00.000Z' }, PUT);
    expect(iso(runs.next(PUT))).toBe('2027-01-15T03:00:00.000Z');
  });

  it('finds the latest run over a gap: recent, long, sparse, or none', () => {
    const minutes = specRuns({ expression: 'rate(1 minute)' }, PUT);
    expect(iso(minutes.latest(PUT, at('2027-03-01T08:30:30Z')))).toBe('2027-03-01T08:30:00.000Z');
    const daily = specRuns({ expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris' }, PUT);
    expect(iso(daily.latest(PUT, at('2027-02-01T12:00:00Z')))).toBe('2027-02-01T02:00:00.000Z');
    // Once a month, stopped for four: no run in the recent window, found by walking from the put.
    const monthly = specRuns({ expression: 'cron(0 3 1 * ? *)' }, PUT);
    expect(iso(monthly.latest(PUT, at('2027-05-20T00:00:00Z')))).toBe('2027-05-01T03:00:00.000Z');
    expect(monthly.latest(PUT, at('2027-01-31T00:00:00Z'))).toBeUndefined();
    // Every minute of January only, read in June: more than a page of runs walked.
    const january = specRuns({ expression: 'cron(* * * 1 ? *)' }, PUT);
    expect(iso(january.latest(PUT, at('2027-06-01T00:00:00Z')))).toBe('2027-01-31T23:59:00.000Z');
  });

  it('refuses an expression or a time zone nextRuns does not read (INVALID_INPUT)', () => {
    for (const spec of [{ expression: 'rate(0 minutes)' }, { expression: 'rate(1 day)', timezone: 'Nowhere/Else' }]) {
      expect(() => specRuns(spec, PUT)).toThrow(expect.objectContaining({ code: C2ErrorCode.InvalidInput }));
    }
  });
});
