/**
 * Local mode's Scheduler: the policies' schedules kept as items of the local store's table (partition
 * `S#local-scheduler`, one item per tenant and name: the spec, when it was put, when it last ran), so that they
 * survive a restart, and fired in process by one timer set for the next due run (never a spin). Run times are the
 * policy core's (shared/c2/policies/specRuns.ts on nextRuns: same expressions, time zones, rates counted from the
 * start date). A due run is handed to the callback given to `start` (local mode: the rotation function's handler,
 * idempotent per scheduled time), then recorded as the schedule's last run.
 * - At `start`, a schedule whose runs fell due while nothing ran it (local mode stopped) runs once, at the latest of
 *   those times, with `missed: true`; so does a timer that fires late over several runs (a suspended machine).
 * - A run whose callback throws is tried again, as EventBridge Scheduler's retry policy does: after 1 minute, then
 *   twice as long each time up to 15 minutes, for 24 hours from its time; then it is given up (logged, as the
 *   Scheduler's dead-letter queue would get it), and the next run comes at its time. A later run falling due meanwhile
 *   replaces it (the latest due run is the one tried). Retries are not persisted: after a restart, the run is a
 *   missed one. A crash between the callback and its record runs it again at the next start, which the idempotent
 *   callback answers with the first.
 * - A flexible window is kept on the spec and read back; runs happen at their time (the earliest the window allows).
 * - The clock is injectable (tests): after moving a fake clock, `wake` fires what it made due and `idle` waits for it.
 */
import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import { type SpecRuns, specRuns } from '../../c2/policies/specRuns.js';
import type { Clock, Scheduler, ScheduleSpec } from '../../c2/ports.js';
import { partitionItems } from '../dynamo/partitionItems.js';
import type { AdapterLog } from './AdapterLog.js';

/** A run handed to the callback of `start`. */
export interface ScheduledRun {
  readonly tenantId: string;
  readonly name: string;
  readonly payload: Readonly<Record<string, unknown>>;
  /** ISO 8601: the time the run was due. */
  readonly scheduledTime: string;
  /** Whether it fell due while nothing ran the schedule (the latest of those runs; the earlier ones are skipped). */
  readonly missed: boolean;
}

/** Where runs (missed ones too) and failures are reported. */
export type SchedulerLog = Pick<AdapterLog, 'info' | 'error'>;

export interface LocalSchedulerOptions {
  /** Default Date.now. */
  readonly clock?: Clock;
  readonly log?: SchedulerLog;
}

interface Entry {
  readonly tenantId: string;
  readonly spec: ScheduleSpec;
  /** Identifies the put: a run recorded after the schedule was put again does not touch the new one. */
  readonly putId: string;
  readonly runs: SpecRuns;
  /** Runs are looked for strictly after this (ms): the put, then each run. */
  since: number;
  /** A failed run tried again: which, how many tries so far, when next (ms). */
  retry?: { readonly due: number; readonly tries: number; readonly at: number };
}

type Item = Record<string, AttributeValue>;

const PARTITION = 'S#local-scheduler';
/** ScheduleSpec.name, as EventBridge Scheduler takes it. */
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_WINDOW_MINUTES = 1440;
/** setTimeout's longest wait; a later run is looked at again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const silent: SchedulerLog = { info: () => {}, error: () => {} };
/** EventBridge Scheduler's retry policy as the stack sets it: a failed run is tried again for this long. */
const RETRY_FOR_MS = 24 * 3_600_000;
const FIRST_RETRY_MS = 60_000;
const LONGEST_RETRY_MS = 15 * 60_000;

const invalid = (message: string) => new C2Error(C2ErrorCode.InvalidInput, message);
const keyOf = (tenantId: string, name: string) => `${tenantId}\n${name}`;

export class LocalScheduler implements Scheduler {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #log: SchedulerLog;
  /** The schedules, once started, by tenant and name. */
  readonly #entries = new Map<string, Entry>();
  /** Schedules put or deleted while `start` loads: what it loaded of them is older. */
  readonly #changedWhileStarting = new Set<string>();
  #onRun: ((run: ScheduledRun) => Promise<void>) | undefined;
  #state: 'stopped' | 'starting' | 'running' | 'closed' = 'stopped';
  #timer: NodeJS.Timeout | undefined;
  /** The firing under way (one at a time), and whether another was asked for meanwhile. */
  #firing: Promise<void> | undefined;
  #again = false;

  constructor(db: DynamoDBClient, tableName: string, options: LocalSchedulerOptions = {}) {
    this.#db = db;
    this.#table = tableName;
    this.#clock = options.clock ?? Date.now;
    this.#log = options.log ?? silent;
  }

  async putSchedule(tenantId: string, schedule: ScheduleSpec): Promise<void> {
    const spec = validSpec(tenantId, schedule);
    const putAt = this.#clock();
    const runs = specRuns(spec, putAt);
    const putId = randomUUID();
    await this.#db.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          PK: { S: PARTITION },
          SK: { S: keyOf(tenantId, spec.name) },
          tenantId: { S: tenantId },
          spec: { S: JSON.stringify(spec) },
          putId: { S: putId },
          putAt: { N: String(putAt) },
          since: { N: String(putAt) },
        },
      }),
    );
    if (this.#state === 'starting') this.#changedWhileStarting.add(keyOf(tenantId, spec.name));
    if (this.#state === 'starting' || this.#state === 'running') {
      this.#entries.set(keyOf(tenantId, spec.name), { tenantId, spec, putId, runs, since: putAt });
      this.#arm();
    }
  }

  async getSchedule(tenantId: string, name: string): Promise<ScheduleSpec | undefined> {
    const { Item } = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { PK: { S: PARTITION }, SK: { S: keyOf(tenantId, name) } },
        ConsistentRead: true,
      }),
    );
    return Item?.spec?.S === undefined ? undefined : (JSON.parse(Item.spec.S) as ScheduleSpec);
  }

  async deleteSchedule(tenantId: string, name: string): Promise<void> {
    try {
      await this.#db.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: { PK: { S: PARTITION }, SK: { S: keyOf(tenantId, name) } },
          ConditionExpression: 'attribute_exists(PK)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new C2Error(C2ErrorCode.NotFound, `no schedule named "${name}"`, { cause: error });
      }
      throw error;
    }
    if (this.#state === 'starting') this.#changedWhileStarting.add(keyOf(tenantId, name));
    this.#entries.delete(keyOf(tenantId, name));
    this.#arm();
  }

  /**
   * Loads the schedules (those of a previous run included), runs once each one that fell due while nothing ran it,
   * then fires each run at its time, handing it to `onRun`. Resolves once the missed runs are handed over.
   */
  async start(onRun: (run: ScheduledRun) => Promise<void>): Promise<void> {
    if (this.#state !== 'stopped') throw new Error(`the scheduler cannot start: it is ${this.#state}`);
    this.#onRun = onRun;
    this.#state = 'starting';
    let items: Item[];
    try {
      items = await this.#readItems();
    } catch (error) {
      if (this.#state === 'starting') this.#state = 'stopped';
      this.#changedWhileStarting.clear();
      throw error;
    }
    for (const item of items) {
      const entry = this.#entryOf(item);
      const key = entry && keyOf(entry.tenantId, entry.spec.name);
      if (entry && key && !this.#changedWhileStarting.has(key)) this.#entries.set(key, entry);
    }
    this.#changedWhileStarting.clear();
    if (this.#state !== 'starting') return;
    this.#state = 'running';
    await this.#fire(true);
  }

  /** Looks again at what is due (a fake clock moved on); {@link idle} waits for the runs it starts. */
  wake(): void {
    if (this.#state !== 'running') return;
    if (this.#firing) this.#again = true;
    else void this.#fire(false);
  }

  /** Resolves once no run is under way. */
  async idle(): Promise<void> {
    while (this.#firing) await this.#firing;
  }

  /** Fires nothing more and waits for the runs under way. Idempotent. */
  async close(): Promise<void> {
    this.#state = 'closed';
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.idle();
  }

  /** Hands over every due run, one schedule after another, then sets the timer for the next. */
  #fire(missed: boolean): Promise<void> {
    const firing = (async () => {
      do {
        this.#again = false;
        const now = this.#clock();
        for (const entry of [...this.#entries.values()]) {
          if (this.#state !== 'running') return;
          if (entry.spec.enabled === false) continue;
          if (entry.retry && now < entry.retry.at) continue;
          const due = entry.runs.latest(entry.since, now);
          if (due === undefined) continue;
          // Late over more than one run (a suspended machine): the latest only, said missed as well.
          const late = missed || entry.runs.next(entry.since) !== due;
          await this.#run(entry, due, late);
        }
      } while (this.#again && this.#state === 'running');
    })().finally(() => {
      this.#firing = undefined;
      this.#arm();
    });
    this.#firing = firing;
    return firing;
  }

  async #run(entry: Entry, due: number, missed: boolean): Promise<void> {
    const scheduledTime = new Date(due).toISOString();
    const facts = { tenantId: entry.tenantId, schedule: entry.spec.name, scheduledTime };
    if (missed && entry.retry?.due !== due) this.#log.info('a schedule runs once for the runs it missed', facts);
    try {
      await this.#onRun!({
        tenantId: entry.tenantId,
        name: entry.spec.name,
        payload: entry.spec.payload,
        scheduledTime,
        missed,
      });
      entry.retry = undefined;
    } catch (error) {
      const tries = (entry.retry?.due === due ? entry.retry.tries : 0) + 1;
      const now = this.#clock();
      const message = (error as Error)?.message ?? String(error);
      if (now - due < RETRY_FOR_MS) {
        const wait = Math.min(FIRST_RETRY_MS * 2 ** (tries - 1), LONGEST_RETRY_MS);
        entry.retry = { due, tries, at: now + wait };
        this.#log.error('a scheduled run failed: it is tried again', {
          ...facts,
          tries,
          retryAt: now + wait,
          error: message,
        });
        return;
      }
      entry.retry = undefined;
      this.#log.error('a scheduled run failed for 24 hours: given up', { ...facts, tries, error: message });
    }
    entry.since = due;
    try {
      await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { PK: { S: PARTITION }, SK: { S: keyOf(entry.tenantId, entry.spec.name) } },
          UpdateExpression: 'SET since = :since',
          ConditionExpression: 'putId = :putId',
          ExpressionAttributeValues: { ':since': { N: String(due) }, ':putId': { S: entry.putId } },
        }),
      );
    } catch (error) {
      // Put again or deleted meanwhile: that change is what counts.
      if (!(error instanceof ConditionalCheckFailedException)) {
        this.#log.error('could not record a scheduled run: it runs again at the next start', {
          ...facts,
          error: (error as Error).message,
        });
      }
    }
  }

  /** One timer, for the earliest next run of every enabled schedule (none while a firing runs: it arms at its end). */
  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#state !== 'running' || this.#firing) return;
    let next = Infinity;
    for (const entry of this.#entries.values()) {
      if (entry.spec.enabled === false) continue;
      next = Math.min(next, entry.retry?.at ?? entry.runs.next(entry.since) ?? Infinity);
    }
    if (next === Infinity) return;
    const wait = Math.min(Math.max(next - this.#clock(), 0), MAX_TIMER_MS);
    this.#timer = setTimeout(() => this.wake(), wait);
    this.#timer.unref();
  }

  /** Every item of the partition. */
  #readItems(): Promise<Item[]> {
    return partitionItems(this.#db, this.#table, PARTITION);
  }

  /** The entry of a stored item; one that does not read (a foreign or corrupt item) is logged and left out. */
  #entryOf(item: Item): Entry | undefined {
    try {
      const tenantId = item.tenantId!.S!;
      const spec = JSON.parse(item.spec!.S!) as ScheduleSpec;
      return {
        tenantId,
        spec,
        putId: item.putId!.S!,
        runs: specRuns(spec, Number(item.putAt!.N)),
        since: Number(item.since!.N),
      };
    } catch {
      this.#log.error('a stored schedule does not read: left out', { key: item.SK?.S ?? '?' });
      return undefined;
    }
  }
}

/** The spec as stored (only its own fields), or INVALID_INPUT where EventBridge Scheduler would refuse it. */
function validSpec(tenantId: string, schedule: ScheduleSpec): ScheduleSpec {
  if (typeof tenantId !== 'string' || tenantId.length === 0) throw invalid('a schedule needs a tenant id');
  if (typeof schedule !== 'object' || schedule === null) throw invalid('a schedule must be an object');
  const { name, expression, timezone, flexibleWindowMinutes: window, startDate, payload, enabled } = schedule;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw invalid('"name" of a schedule must be 1 to 64 letters, digits, "_", "." or "-"');
  }
  if (window !== undefined && !(Number.isInteger(window) && window >= 1 && window <= MAX_WINDOW_MINUTES)) {
    throw invalid(`"flexibleWindowMinutes" of a schedule must be a whole number from 1 to ${MAX_WINDOW_MINUTES}`);
  }
  if (startDate !== undefined && !(typeof startDate === 'string' && Number.isFinite(Date.parse(startDate)))) {
    throw invalid('"startDate" of a schedule must be an ISO 8601 time');
  }
  if (enabled !== undefined && typeof enabled !== 'boolean') throw invalid('"enabled" of a schedule must be boolean');
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw invalid('"payload" of a schedule must be a JSON object');
  }
  for (const reserved of ['tenantId', 'scheduledTime']) {
    if (Object.hasOwn(payload, reserved)) throw invalid(`"payload" of a schedule must not set "${reserved}"`);
  }
  return {
    name,
    expression,
    ...(timezone !== undefined ? { timezone } : {}),
    ...(window !== undefined ? { flexibleWindowMinutes: window } : {}),
    ...(startDate !== undefined ? { startDate } : {}),
    payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown>,
    enabled: enabled ?? true,
  };
}
