import { describe, expect, it } from 'vitest';
import { C2Error } from '../../../../shared/c2/errors.js';
import { describeSchedule } from '../../../../shared/c2/policies/describeSchedule.js';

describe('describeSchedule', () => {
  it.each([
    ['rate(1 minute)', undefined, 'every minute'],
    ['rate(6 hours)', undefined, 'every 6 hours'],
    ['rate(1 day)', 'Europe/Paris', 'every day'],
    ['rate(30 days)', undefined, 'every 30 days'],
    ['cron(0 3 * * ? *)', 'Europe/Paris', 'every day at 03:00 (Europe/Paris)'],
    ['cron(0 3 * * ? *)', undefined, 'every day at 03:00 (UTC)'],
    ['cron(0 0,12 * * ? *)', 'UTC', 'every day at 00:00 and 12:00 (UTC)'],
    ['cron(* * * * ? *)', 'UTC', 'every minute (UTC)'],
    ['cron(*/15 * * * ? *)', 'UTC', 'every 15 minutes (UTC)'],
    ['cron(5 * * * ? *)', 'UTC', 'at minute 5 of every hour (UTC)'],
    ['cron(0 */2 * * ? *)', 'UTC', 'every 2 hours at minute 0 (UTC)'],
    ['cron(0 9-17 * * ? *)', 'UTC', 'every day at minute 0 past hour 9 to 17 (UTC)'],
    ['cron(30 9 ? * MON-FRI *)', 'UTC', 'at 09:30 on Monday to Friday (UTC)'],
    ['cron(0 9 ? * MON,WED,FRI *)', 'UTC', 'at 09:00 on Monday, Wednesday and Friday (UTC)'],
    ['cron(0 9 ? * 3#2 *)', 'UTC', 'at 09:00 on the second Tuesday of the month (UTC)'],
    ['cron(0 9 ? * 6L *)', 'UTC', 'at 09:00 on the last Friday of the month (UTC)'],
    ['cron(0 9 L * ? *)', 'UTC', 'at 09:00 on the last day of the month (UTC)'],
    ['cron(0 9 LW * ? *)', 'UTC', 'at 09:00 on the last weekday of the month (UTC)'],
    ['cron(0 9 15W * ? *)', 'UTC', 'at 09:00 on the weekday nearest day 15 of the month (UTC)'],
    ['cron(0 9 1,15 * ? *)', 'UTC', 'at 09:00 on day 1 and 15 of the month (UTC)'],
    ['cron(0 9 1 JAN,JUL ? *)', 'UTC', 'at 09:00 on day 1 of the month in January and July (UTC)'],
    ['cron(0 0 1 1 ? 2028-2030)', 'UTC', 'at 00:00 on day 1 of the month in January in 2028 to 2030 (UTC)'],
    [
      'cron(0 0 1 1 ? 2027/2)',
      'UTC',
      'at 00:00 on day 1 of the month in January in 2027, 2029, 2031, 2033, 2035, ... and 2199 (UTC)',
    ],
    ['cron(0,7,9,20-25,40,50,59 * * * ? *)', 'UTC', 'at minute 0, 7, 9, 20 to 25, 40, ... and 59 of every hour (UTC)'],
    ['at(2027-01-01T03:00:00)', 'Europe/Paris', 'once at 2027-01-01 03:00 (Europe/Paris)'],
    ['at(2027-01-01T03:00:30)', undefined, 'once at 2027-01-01 03:00:30 (UTC)'],
  ])('describes %s in %s as "%s"', (expression, timezone, text) => {
    expect(describeSchedule(expression, timezone)).toBe(text);
  });

  it('refuses an expression parseSchedule refuses', () => {
    expect(() => describeSchedule('cron(0 3 * * * *)')).toThrow(C2Error);
  });
});
