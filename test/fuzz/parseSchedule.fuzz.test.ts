/**
 * Fuzzing of the schedule expressions (parseSchedule, nextRuns, describeSchedule) on expressions built from their
 * own pieces (`*`, `?`, `L`, `W`, `#`, `/`, `-`, `,`, numbers at and past each field's bounds, month and day names)
 * and on any text. Parsing returns a schedule or throws a C2Error INVALID_INPUT, never anything else; a schedule
 * parsed is described, and its next runs, in a zone with changes of clocks or not, are ascending, after the start,
 * at most as many as asked, and each falls on a wall time the cron's fields name. No call takes long (a cron that
 * never matches is searched to 2199 at most). The policy schema, on policies built from good and bad pieces, answers
 * with issues or a policy whose schedule parses and whose target fits its action, and never throws.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { C2Error, C2ErrorCode } from '../../shared/c2/errors.js';
import { describeSchedule } from '../../shared/c2/policies/describeSchedule.js';
import { nextRuns } from '../../shared/c2/policies/nextRuns.js';
import { parseSchedule, type Schedule } from '../../shared/c2/policies/parseSchedule.js';
import { wallTimeOf } from '../../shared/c2/policies/zonedTime.js';
import { PolicyInputSchema } from '../../shared/c2/schemas/policies.js';
import { fuzzRuns, fuzzTimeout } from '../support/fuzzRuns.js';

const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Apia'];
/** The slowest a call may be on a loaded runner: only catches a search that runs on. */
const MAX_CALL_MS = 2_000;

const numberArb = fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constantFrom(1969, 1970, 2027, 2199, 2200, 9999, 99999));
const atomArb = fc.oneof(
  { weight: 4, arbitrary: numberArb.map(String) },
  { weight: 2, arbitrary: fc.constantFrom('*', '?', 'L', 'LW', 'W', '#', 'JAN', 'dec', 'MON', 'fri', 'SUN', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 3 }) },
);
const partArb = fc.oneof(
  { weight: 4, arbitrary: atomArb },
  { weight: 2, arbitrary: fc.tuple(atomArb, atomArb).map(([a, b]) => `${a}-${b}`) },
  { weight: 2, arbitrary: fc.tuple(atomArb, atomArb).map(([a, b]) => `${a}/${b}`) },
  { weight: 1, arbitrary: fc.tuple(atomArb, atomArb).map(([a, b]) => `${a}#${b}`) },
  { weight: 1, arbitrary: fc.tuple(atomArb, fc.constantFrom('L', 'W')).map(([a, b]) => `${a}${b}`) },
);
const noisyFieldArb = fc.array(partArb, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(','));

/** A field of values around min..max (one past each bound at times), as values, ranges, steps and names. */
function fieldArb(min: number, max: number, names: readonly string[] = []) {
  const value = fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min, max }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom(String(min - 1), String(max + 1), '') },
    { weight: names.length > 0 ? 2 : 0, arbitrary: fc.constantFrom(...(names.length > 0 ? names : ['x'])) },
  );
  const step = fc.integer({ min: 0, max: max - min + 2 });
  const part = fc.oneof(
    { weight: 6, arbitrary: value },
    {
      weight: 2,
      // Mostly upwards, as a range must run.
      arbitrary: fc
        .tuple(value, value, fc.boolean())
        .map(([a, b, either]) => (either || Number(a) <= Number(b) ? `${a}-${b}` : `${b}-${a}`)),
    },
    { weight: 2, arbitrary: fc.tuple(fc.oneof(value, fc.constant('*')), step).map(([a, n]) => `${a}/${n}`) },
    { weight: 1, arbitrary: fc.constant('*') },
  );
  return fc.array(part, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(','));
}
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'mon'];
const domArb = fc.oneof(
  { weight: 6, arbitrary: fieldArb(1, 31) },
  { weight: 2, arbitrary: fc.constantFrom('L', 'LW', 'lw', 'L,1') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 32 }).map((day) => `${day}W`) },
);
const dowArb = fc.oneof(
  { weight: 6, arbitrary: fieldArb(1, 7, DAYS) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom('1', '3', '7', '8', 'FRI'), fc.integer({ min: 0, max: 6 }))
      .map(([d, k]) => `${d}#${k}`),
  },
  { weight: 2, arbitrary: fc.constantFrom('L', '6L', 'FRIL', '0L', '1-2L') },
);
/** Day-of-month and day-of-week, mostly with one of them `?`. */
const daysArb = fc.oneof(
  { weight: 8, arbitrary: domArb.map((dom) => [dom, '?']) },
  { weight: 8, arbitrary: dowArb.map((dow) => ['?', dow]) },
  { weight: 1, arbitrary: fc.tuple(domArb, dowArb) },
  { weight: 1, arbitrary: fc.constant(['?', '?']) },
);
const structuredCronArb = fc
  .tuple(fieldArb(0, 59), fieldArb(0, 23), daysArb, fieldArb(1, 12, ['JAN', 'jun', 'DEC']), fieldArb(1970, 2199))
  .map(([minutes, hours, [dom, dow], month, year]) => [minutes, hours, dom, month, dow, year]);
const cronArb = fc
  .oneof(
    { weight: 12, arbitrary: structuredCronArb },
    { weight: 2, arbitrary: fc.array(noisyFieldArb, { minLength: 6, maxLength: 6 }) },
    { weight: 1, arbitrary: fc.array(noisyFieldArb, { minLength: 4, maxLength: 8 }) },
  )
  .map((fields) => `cron(${fields.join(' ')})`);
const rateArb = fc
  .tuple(numberArb, fc.constantFrom('minute', 'minutes', 'hour', 'hours', 'day', 'days', 'week', 'second'))
  .map(([value, unit]) => `rate(${value} ${unit})`);
const atArb = fc
  .tuple(
    fc.integer({ min: 1960, max: 2210 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 25 }),
    fc.integer({ min: 0, max: 61 }),
  )
  .map(([y, mo, d, h, mi]) => {
    const two = (n: number) => String(n).padStart(2, '0');
    return `at(${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:00)`;
  });
const expressionArb = fc.oneof(
  { weight: 6, arbitrary: cronArb },
  { weight: 2, arbitrary: rateArb },
  { weight: 2, arbitrary: atArb },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);
const inputArb = fc.record({
  expression: expressionArb,
  timezone: fc.constantFrom(...ZONES),
  anchor: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
  from: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2200, 0, 1) }),
  count: fc.integer({ min: 0, max: 20 }),
});

/** The schedule, or undefined when parsing threw a C2Error INVALID_INPUT (anything else fails the property). */
function parsed(expression: string): Schedule | undefined {
  try {
    return parseSchedule(expression);
  } catch (error) {
    if (!(error instanceof C2Error) || error.code !== C2ErrorCode.InvalidInput) throw error;
    assert.ok(error.message.length > 0 && error.message.length < 300, 'a message of a sensible length');
    return undefined;
  }
}

/** Each run's wall time in the zone is one the cron names (days are left to the unit tests). */
function assertOnCronTimes(schedule: Schedule, runs: readonly Date[], timezone: string): void {
  if (schedule.kind !== 'cron') return;
  for (const run of runs) {
    const wall = wallTimeOf(run.getTime(), timezone);
    assert.ok(schedule.fields.minutes.has(wall.minute), `minute ${wall.minute} of ${run.toISOString()}`);
    assert.ok(schedule.fields.hours.has(wall.hour), `hour ${wall.hour} of ${run.toISOString()}`);
    assert.ok(schedule.fields.months.has(wall.month), `month ${wall.month} of ${run.toISOString()}`);
    assert.ok(schedule.fields.years.has(wall.year), `year ${wall.year} of ${run.toISOString()}`);
    assert.equal(wall.second, 0);
  }
}

describe('fuzz: schedule expressions', () => {
  const runs = fuzzRuns();
  it(
    `parse to a schedule or a C2Error INVALID_INPUT, and a schedule's next runs are sound and quick (${runs} runs)`,
    () => {
      fc.assert(
        fc.property(inputArb, ({ expression, timezone, anchor, from, count }) => {
          // Act
          const schedule = parsed(expression);
          if (schedule === undefined) return;
          const started = performance.now();
          const found = nextRuns({ expression, timezone, anchor: new Date(anchor) }, new Date(from), count);
          const took = performance.now() - started;

          // Assess
          assert.ok(took < MAX_CALL_MS, `nextRuns took ${took} ms`);
          assert.ok(describeSchedule(expression, timezone).length > 0);
          assert.ok(found.length <= count);
          if (schedule.kind === 'at') assert.ok(found.length <= 1);
          let previous = Math.max(anchor, from);
          for (const run of found) {
            assert.ok(run.getTime() > previous, 'runs ascend, after the start and the anchor');
            previous = run.getTime();
          }
          assertOnCronTimes(schedule, found, timezone);
        }),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, 2),
  );
});

const junkArb = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.string({ maxLength: 5 }),
  fc.constant([]),
  fc.constant({}),
);
/** Mostly `good`, at times junk. */
const mostly = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 9, arbitrary: good }, { weight: 1, arbitrary: junkArb as fc.Arbitrary<unknown> });
const targetActionArb: fc.Arbitrary<readonly [unknown, unknown]> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      ...([
        [{ topic: 'a/b' }, 'rotate-topic-key'],
        [{ topicPrefix: 'a/' }, 'rotate-topic-key'],
        [{ allTopics: true }, 'rotate-topic-key'],
        [{ client: 'd' }, 'new-client-key'],
        [{ clientPrefix: 'd-' }, 'new-client-key'],
        [{ tenant: true }, 'rotate-c2-key'],
      ] as const),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      mostly(
        fc.constantFrom(
          { topic: 'a' },
          { client: 'b' },
          { tenant: true },
          { topic: 'a', client: 'b' },
          { allTopics: false },
        ),
      ),
      mostly(fc.constantFrom('rotate-topic-key', 'new-client-key', 'rotate-c2-key')),
    ),
  },
);
const eventArb = mostly(
  fc.oneof(
    fc.record({
      type: fc.constantFrom('client.subscribed', 'client.unsubscribed'),
      count: fc.integer({ min: -1, max: 5 }),
    }),
    fc.record(
      {
        type: fc.constant('client.removed'),
        delayMinutes: fc.integer({ min: -1, max: 60 }),
        batchMinutes: fc.integer({ min: -1, max: 60 }),
      },
      { requiredKeys: ['type'] },
    ),
    fc.record({
      type: fc.constantFrom('key.age', 'key.age', 'other'),
      days: mostly(fc.integer({ min: 0, max: 4000 })),
    }),
  ),
);
const policyArb = fc
  .record(
    {
      name: mostly(fc.string({ minLength: 1, maxLength: 10 })),
      targetAction: targetActionArb,
      schedule: mostly(
        fc.record(
          {
            expression: mostly(
              fc.oneof(fc.constantFrom('rate(1 day)', 'cron(0 3 * * ? *)', 'at(2027-01-01T00:00:00)'), expressionArb),
            ),
            timezone: mostly(fc.constantFrom(...ZONES, 'Mars/Olympus', '+01:00')),
            flexibleWindowMinutes: mostly(fc.integer({ min: 0, max: 1441 })),
          },
          { requiredKeys: ['expression'] },
        ),
      ),
      events: mostly(fc.array(eventArb, { maxLength: 5 })),
      enabled: mostly(fc.boolean()),
    },
    { requiredKeys: ['name', 'targetAction'] },
  )
  .map(({ targetAction: [target, action], ...rest }) => ({ ...rest, target, action }));

describe('fuzz: policy schema', () => {
  const runs = fuzzRuns();
  it(
    `answers with issues or a coherent policy, never throws (${runs} runs)`,
    () => {
      fc.assert(
        fc.property(policyArb, (input) => {
          // Act
          const parsed = PolicyInputSchema.safeParse(input);

          // Assess
          if (!parsed.success) {
            assert.ok(parsed.error.issues.length > 0);
            return;
          }
          const policy = parsed.data;
          assert.ok(policy.schedule !== undefined || (policy.events ?? []).length > 0);
          if (policy.schedule !== undefined) parseSchedule(policy.schedule.expression);
          const key = Object.keys(policy.target)[0];
          const fits = {
            'rotate-topic-key': ['topic', 'topicPrefix', 'allTopics'],
            'new-client-key': ['client', 'clientPrefix'],
            'rotate-c2-key': ['tenant'],
          }[policy.action];
          assert.ok(key !== undefined && fits.includes(key), `${key} with ${policy.action}`);
        }),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, 0.5),
  );
});
