import { describe, expect, it } from 'vitest';
import { instantsOf, isTimezone, wallTimeOf } from '../../../../shared/c2/policies/zonedTime.js';

const wall = (year: number, month: number, day: number, hour: number, minute: number) => ({
  year,
  month,
  day,
  hour,
  minute,
  second: 0,
});
const iso = (instants: number[]) => instants.map((instant) => new Date(instant).toISOString());

describe('isTimezone', () => {
  it.each(['UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'US/Eastern'])('takes %s', (zone) => {
    expect(isTimezone(zone)).toBe(true);
  });

  it.each(['', 'Mars/Olympus', '+01:00', 'UTC+1', ' UTC', 'Europe/Paris\n', 'x'.repeat(51), 5, null])(
    'refuses %j',
    (zone) => {
      expect(isTimezone(zone)).toBe(false);
    },
  );
});

describe('instantsOf', () => {
  it('gives one instant for an ordinary wall time', () => {
    expect(iso(instantsOf(wall(2027, 6, 1, 9, 0), 'Europe/Paris'))).toEqual(['2027-06-01T07:00:00.000Z']);
  });

  it('gives none in a spring-forward gap and two in a repeated hour', () => {
    expect(instantsOf(wall(2027, 3, 28, 2, 30), 'Europe/Paris')).toEqual([]);
    expect(iso(instantsOf(wall(2027, 10, 31, 2, 30), 'Europe/Paris'))).toEqual([
      '2027-10-31T00:30:00.000Z',
      '2027-10-31T01:30:00.000Z',
    ]);
  });

  it('handles a half-hour change of clocks (Australia/Lord_Howe, 2027-04-04 02:00 back to 01:30)', () => {
    expect(iso(instantsOf(wall(2027, 4, 4, 1, 45), 'Australia/Lord_Howe'))).toEqual([
      '2027-04-03T14:45:00.000Z',
      '2027-04-03T15:15:00.000Z',
    ]);
  });

  it('reads back the wall time of each instant', () => {
    const [instant] = instantsOf(wall(2027, 1, 15, 23, 59), 'America/New_York');
    expect(wallTimeOf(instant ?? 0, 'America/New_York')).toEqual(wall(2027, 1, 15, 23, 59));
  });
});
