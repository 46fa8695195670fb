/**
 * Local mode's scheduler on a real dynalite (on disk where a restart matters), with a fake clock moved by the tests:
 * put/get/delete as the Scheduler port says; a short rate fires at each period; a restart after missed periods fires
 * once, the latest, said missed; a deleted or disabled schedule stops firing; cron times in a time zone.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalScheduler, type ScheduledRun } from '../../../shared/adapters/local/LocalScheduler.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import type { ScheduleSpec } from '../../../shared/c2/ports.js';
import { type DynaliteTable, openDynaliteTable } from '../../support/dynaliteTable.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');

async function openTable(path?: string): Promise<DynaliteTable> {
  const table = await openDynaliteTable(path);
  cleanups.push(() => table.close());
  return table;
}

/** A scheduler on a fake clock, recording the runs it hands over. */
function newScheduler(table: DynaliteTable, clock: { now: number }) {
  const scheduler = new LocalScheduler(table.db, table.tableName, { clock: () => clock.now });
  cleanups.push(() => scheduler.close());
  const runs: ScheduledRun[] = [];
  const start = () =>
    scheduler.start(async (run) => {
      runs.push(run);
    });
  /** Moves the clock on and waits for what fell due. */
  const advance = async (ms: number) => {
    clock.now += ms;
    scheduler.wake();
    await scheduler.idle();
  };
  return { scheduler, runs, start, advance };
}

const spec = (overrides: Partial<ScheduleSpec> = {}): ScheduleSpec => ({
  name: 'p1',
  expression: 'rate(5 minutes)',
  payload: { policyId: 'p1' },
  ...overrides,
});

describe('LocalScheduler', () => {
  it('puts, gets, replaces and deletes a schedule (NOT_FOUND when there is none)', async () => {
    const table = await openTable();
    const { scheduler } = newScheduler(table, { now: T0 });
    expect(await scheduler.getSchedule('t1', 'p1')).toBeUndefined();
    await scheduler.putSchedule(
      't1',
      spec({ timezone: 'Europe/Paris', flexibleWindowMinutes: 10, startDate: '2026-03-01T10:00:00.000Z' }),
    );
    expect(await scheduler.getSchedule('t1', 'p1')).toEqual({
      name: 'p1',
      expression: 'rate(5 minutes)',
      timezone: 'Europe/Paris',
      flexibleWindowMinutes: 10,
      startDate: '2026-03-01T10:00:00.000Z',
      payload: { policyId: 'p1' },
      enabled: true,
    });
    // Scoped by tenant.
    expect(await scheduler.getSchedule('t2', 'p1')).toBeUndefined();
    await scheduler.putSchedule('t1', spec({ expression: 'cron(0 3 * * ? *)', enabled: false }));
    expect(await scheduler.getSchedule('t1', 'p1')).toMatchObject({ expression: 'cron(0 3 * * ? *)', enabled: false });
    await scheduler.deleteSchedule('t1', 'p1');
    expect(await scheduler.getSchedule('t1', 'p1')).toBeUndefined();
    await expect(scheduler.deleteSchedule('t1', 'p1')).rejects.toMatchObject({ code: C2ErrorCode.NotFound });
  });

  it('refuses what EventBridge Scheduler would refuse, with INVALID_INPUT', async () => {
    const table = await openTable();
    const { scheduler } = newScheduler(table, { now: T0 });
    for (const bad of [
      spec({ name: 'a b' }),
      spec({ expression: 'rate(five minutes)' }),
      spec({ expression: 'cron(0 3 * * * *)' }),
      spec({ timezone: 'Mars/Olympus' }),
      spec({ flexibleWindowMinutes: 0 }),
      spec({ startDate: 'tomorrow' }),
      spec({ payload: { scheduledTime: 'x' } }),
    ]) {
      await expect(scheduler.putSchedule('t1', bad)).rejects.toMatchObject({ code: C2ErrorCode.InvalidInput });
    }
    expect(await scheduler.getSchedule('t1', 'p1')).toBeUndefined();
  });

  it('fires a short rate at each period, counted from its start date, then stops once deleted', async () => {
    const table = await openTable();
    const clock = { now: T0 + 2 * MINUTE };
    const { scheduler, runs, start, advance } = newScheduler(table, clock);
    await start();
    await scheduler.putSchedule('t1', spec({ startDate: new Date(T0).toISOString() }));
    await advance(2 * MINUTE); // T0 + 4 min: nothing due
    expect(runs).toEqual([]);
    await advance(MINUTE); // T0 + 5 min
    await advance(5 * MINUTE); // T0 + 10 min
    await advance(4 * MINUTE); // T0 + 14 min
    await advance(MINUTE); // T0 + 15 min
    expect(runs).toEqual(
      [5, 10, 15].map((minutes) => ({
        tenantId: 't1',
        name: 'p1',
        payload: { policyId: 'p1' },
        scheduledTime: new Date(T0 + minutes * MINUTE).toISOString(),
        missed: false,
      })),
    );
    await scheduler.deleteSchedule('t1', 'p1');
    await advance(30 * MINUTE);
    expect(runs).toHaveLength(3);
  });

  it('tries a failed run again (1, 2, 4 ... minutes) until it succeeds; gives one up after 24 hours', async () => {
    const table = await openTable();
    const clock = { now: T0 };
    const scheduler = new LocalScheduler(table.db, table.tableName, { clock: () => clock.now });
    cleanups.push(() => scheduler.close());
    const tries: { at: number; scheduledTime: string }[] = [];
    let failing = true;
    await scheduler.start(async (run) => {
      tries.push({ at: clock.now - T0, scheduledTime: run.scheduledTime });
      if (failing) throw new Error('store down');
    });
    const advance = async (ms: number) => {
      clock.now += ms;
      scheduler.wake();
      await scheduler.idle();
    };
    await scheduler.putSchedule(
      't1',
      spec({ expression: 'rate(2 days)', startDate: new Date(T0 + MINUTE).toISOString() }),
    );

    for (let minute = 0; minute < 8; minute++) await advance(MINUTE); // T0 + 8 min
    failing = false;
    for (let minute = 0; minute < 8; minute++) await advance(MINUTE); // T0 + 16 min: the try at 16 succeeds
    await advance(60 * MINUTE);

    const first = new Date(T0 + MINUTE).toISOString();
    expect(tries).toEqual([1, 2, 4, 8, 16].map((minute) => ({ at: minute * MINUTE, scheduledTime: first })));

    // The next run fails for good: tried for 24 hours, then given up; the run after it comes at its time.
    const DAY = 86_400_000;
    failing = true;
    tries.length = 0;
    clock.now = T0 + MINUTE + 2 * DAY;
    scheduler.wake();
    await scheduler.idle();
    for (let hour = 0; hour < 24; hour++) await advance(60 * MINUTE);
    const second = new Date(T0 + MINUTE + 2 * DAY).toISOString();
    expect(tries.every((one) => one.scheduledTime === second)).toBe(true);
    const count = tries.length;
    expect(count).toBeGreaterThan(24); // every 15 minutes at most, for a day
    failing = false;
    await advance(30 * MINUTE); // past 24 hours: given up, nothing tried
    await advance(12 * 60 * MINUTE);
    expect(tries).toHaveLength(count);
    await advance(12 * 60 * MINUTE); // the third run, at its time
    expect(tries.at(-1)?.scheduledTime).toBe(new Date(T0 + MINUTE + 4 * DAY).toISOString());
  });

  it('fires a schedule that is due on its own timer (a real wait of a second)', async () => {
    const table = await openTable();
    const clock = { now: T0 };
    const { scheduler, runs, start } = newScheduler(table, clock);
    await start();
    // Due 1 s after now on the fake clock: the timer waits 1 s of real time, then finds it due.
    await scheduler.putSchedule(
      't1',
      spec({ expression: 'rate(1 minute)', startDate: new Date(T0 + 1_000 - MINUTE).toISOString() }),
    );
    clock.now += 1_000;
    await expect.poll(() => runs.length, { timeout: 5_000 }).toBe(1);
    expect(runs[0]?.scheduledTime).toBe(new Date(T0 + 1_000).toISOString());
  });

  it('after a restart over missed periods, runs once, the latest, said missed; then at each period again', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'e4c2-scheduler-'));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const clock = { now: T0 };
    let table = await openTable(folder);
    const first = newScheduler(table, clock);
    await first.start();
    await first.scheduler.putSchedule('t1', spec());
    await first.advance(5 * MINUTE);
    expect(first.runs.map((run) => run.scheduledTime)).toEqual([new Date(T0 + 5 * MINUTE).toISOString()]);
    await first.scheduler.close();
    await table.close();

    // Stopped from T0 + 6 min to T0 + 33 min: five runs missed (10, 15, 20, 25, 30).
    clock.now = T0 + 33 * MINUTE;
    table = await openTable(folder);
    const second = newScheduler(table, clock);
    await second.start();
    expect(second.runs).toEqual([
      {
        tenantId: 't1',
        name: 'p1',
        payload: { policyId: 'p1' },
        scheduledTime: new Date(T0 + 30 * MINUTE).toISOString(),
        missed: true,
      },
    ]);
    await second.advance(2 * MINUTE);
    expect(second.runs.map((run) => [run.scheduledTime, run.missed])).toEqual([
      [new Date(T0 + 30 * MINUTE).toISOString(), true],
      [new Date(T0 + 35 * MINUTE).toISOString(), false],
    ]);
  });

  it('a disabled schedule does not fire, nor catch up once enabled again', async () => {
    const table = await openTable();
    const clock = { now: T0 };
    const { scheduler, runs, start, advance } = newScheduler(table, clock);
    await start();
    await scheduler.putSchedule('t1', spec({ startDate: new Date(T0).toISOString(), enabled: false }));
    await advance(20 * MINUTE);
    expect(runs).toEqual([]);
    await scheduler.putSchedule('t1', spec({ startDate: new Date(T0).toISOString() }));
    await advance(MINUTE);
    expect(runs).toEqual([]);
    await advance(4 * MINUTE);
    expect(runs.map((run) => run.scheduledTime)).toEqual([new Date(T0 + 25 * MINUTE).toISOString()]);
  });

  it('fires a cron at its wall time in its time zone', async () => {
    const table = await openTable();
    // 10:00 UTC is 11:00 in Paris (winter).
    const clock = { now: T0 };
    const { scheduler, runs, start, advance } = newScheduler(table, clock);
    await start();
    await scheduler.putSchedule('t1', spec({ expression: 'cron(30 11 * * ? *)', timezone: 'Europe/Paris' }));
    await advance(29 * MINUTE);
    expect(runs).toEqual([]);
    await advance(MINUTE);
    expect(runs.map((run) => run.scheduledTime)).toEqual(['2026-03-01T10:30:00.000Z']);
  });
});
