/**
 * Local mode's WorkQueue: each message is first written as an item of the local store's table (the KeyStore's table,
 * over dynalite; partition `Q#<queue name>`), then handed to a drainer in this process. `start` loads every item a
 * previous run left (a crash, kill -9, a close that timed out) before draining: each message is handled at least
 * once, as SQS does in the AWS deployment, with no other server and no new dependency.
 * - at most `concurrency` handlers run at once, each given up to `batchSize` due messages (`startBatches`; `start`
 *   hands them over one by one); one timer waits for the next due item (delays and retries never spin the event
 *   loop);
 * - an item is deleted only once its handler resolved; a handler that throws is tried again later (the wait doubles
 *   at each attempt), and after `maxAttempts` the item is kept, flagged `dead`, logged, and never handed over again
 *   (the local dead-letter queue: {@link LocalWorkQueue.deadItems});
 * - `close` takes no new work, waits for running handlers (up to a timeout) and leaves the rest in the table.
 * Items: sort key `<due time, ms, 15 digits>#<random id>` (the table lists them in the order they were first due),
 * attributes `message` (JSON), `dueAt` (a retry moves it on), `attempts`, `lastError`, `dead`. A handler that kills
 * the process is not counted as an attempt (attempts are written when a handler throws).
 */
import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { describeWorkMessage } from '../../c2/operations/describeWorkMessage.js';
import { parseWorkMessage } from '../../c2/operations/parseWorkMessage.js';
import type { EnqueueOptions, WorkMessage, WorkQueue } from '../../c2/ports/WorkQueue.js';
import { batchWriteItems } from '../dynamo/batchWriteItems.js';
import { partitionItems } from '../dynamo/partitionItems.js';
import type { AdapterLog } from './AdapterLog.js';

export type WorkHandler = (message: WorkMessage) => Promise<void>;

/**
 * Handles messages together; returns, per message, undefined when it is handled, or the error that has it retried
 * (a throw fails them all).
 */
export type WorkBatchHandler = (messages: readonly WorkMessage[]) => Promise<readonly unknown[]>;

/** Where retries and dead items are reported. Never message payloads. */
export type WorkQueueLog = Pick<AdapterLog, 'warn' | 'error'>;

export interface LocalWorkQueueOptions {
  /** The queue's partition is `Q#<name>`; default `work`. */
  readonly name?: string;
  /** Handlers running at once; default 4. */
  readonly concurrency?: number;
  /** Messages handed to one call of a batch handler (see `startBatches`); default 1. */
  readonly batchSize?: number;
  /**
   * Holds back while `while()` says so (another queue's handlers run), unless the first due message has waited
   * `atMostMs`; `wake()` is called when the hold may have ended. Default: never held.
   */
  readonly yieldWhile?: { readonly while: () => boolean; readonly atMostMs: number };
  /** Called whenever a handler of this queue ends (another queue may yield to this one: its `wake`). */
  readonly onHandled?: () => void;
  /** Attempts of a message before it is kept as dead; default 5. */
  readonly maxAttempts?: number;
  /** Wait before the first retry (ms), doubled at each further one, at most a minute; default 1 s. */
  readonly retryDelayMs?: number;
  /** How long `close` waits for running handlers (ms); default 15 s (a fan-out slice runs for 10 s). */
  readonly closeTimeoutMs?: number;
  readonly log?: WorkQueueLog;
}

/** A message kept after its last attempt failed. */
export interface DeadWorkItem {
  readonly message: WorkMessage;
  readonly attempts: number;
  readonly lastError: string;
}

interface Entry {
  /** The item's sort key. */
  readonly key: string;
  readonly message: WorkMessage;
  dueAt: number;
  attempts: number;
}

type Item = Record<string, AttributeValue>;

const MAX_RETRY_DELAY_MS = 60_000;
/** setTimeout's longest wait; a later item is looked at again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** BatchWriteItem requests of `enqueue` at once. */
const WRITES_IN_FLIGHT = 4;
const ERROR_CHARS = 500;

const silent: WorkQueueLog = { warn: () => {}, error: () => {} };

export class LocalWorkQueue implements WorkQueue {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  readonly #partition: string;
  readonly #concurrency: number;
  readonly #batchSize: number;
  readonly #yieldWhile: LocalWorkQueueOptions['yieldWhile'];
  readonly #onHandled: (() => void) | undefined;
  readonly #maxAttempts: number;
  readonly #retryDelayMs: number;
  readonly #closeTimeoutMs: number;
  readonly #log: WorkQueueLog;
  #handler: WorkBatchHandler | undefined;
  #state: 'stopped' | 'loading' | 'draining' | 'closed' = 'stopped';
  #closing: Promise<void> | undefined;
  /** Entries to hand over, in due order. */
  readonly #waiting: Entry[] = [];
  /** Keys of the entries waiting or running (what `start` loads may have been enqueued meanwhile). */
  readonly #known = new Set<string>();
  readonly #running = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  readonly #idleWaiters: (() => void)[] = [];

  constructor(db: DynamoDBClient, tableName: string, options: LocalWorkQueueOptions = {}) {
    const { concurrency = 4, batchSize = 1, maxAttempts = 5, retryDelayMs = 1_000, closeTimeoutMs = 15_000 } = options;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be an integer >= 1');
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError('maxAttempts must be an integer >= 1');
    this.#db = db;
    this.#table = tableName;
    this.#partition = `Q#${options.name ?? 'work'}`;
    this.#concurrency = concurrency;
    this.#batchSize = batchSize;
    this.#yieldWhile = options.yieldWhile;
    this.#onHandled = options.onHandled;
    this.#maxAttempts = maxAttempts;
    this.#retryDelayMs = retryDelayMs;
    this.#closeTimeoutMs = closeTimeoutMs;
    this.#log = options.log ?? silent;
  }

  /** Writes the messages to the table (resolves once they are), then hands them to the drainer if it runs. */
  async enqueue(messages: readonly WorkMessage[], options: EnqueueOptions = {}): Promise<void> {
    const delayMs = options.delayMs ?? 0;
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError('delayMs must be a number >= 0');
    const dueAt = Date.now() + delayMs;
    const entries = messages.map((message) => ({ key: newKey(dueAt), message, dueAt, attempts: 0 }));
    if (entries.length === 1) {
      await this.#db.send(new PutItemCommand({ TableName: this.#table, Item: this.#itemOf(entries[0]!) }));
    } else {
      await this.#writeAll(entries.map((entry) => ({ PutRequest: { Item: this.#itemOf(entry) } })));
    }
    for (const entry of entries) this.#add(entry);
    this.#pump();
  }

  /** Loads what the table holds (a previous run's items included), then drains it, handing each to `handler`. */
  start(handler: WorkHandler): Promise<void> {
    return this.startBatches(async (messages) => {
      const errors: unknown[] = [];
      for (const message of messages)
        errors.push(
          await handler(message).then(
            () => undefined,
            (error) => error ?? 'failed',
          ),
        );
      return errors;
    });
  }

  /** As `start`, handing the handler up to `batchSize` due messages at a time. */
  async startBatches(handler: WorkBatchHandler): Promise<void> {
    if (this.#state !== 'stopped') throw new Error(`the work queue cannot start: it is ${this.#state}`);
    this.#handler = handler;
    this.#state = 'loading';
    let items: Item[];
    try {
      items = await this.#readItems();
    } catch (error) {
      if (this.#state === 'loading') this.#state = 'stopped';
      for (const entry of this.#waiting.splice(0)) this.#known.delete(entry.key);
      this.#checkIdle();
      throw error;
    }
    for (const item of items) {
      if (item.dead?.BOOL === true) continue;
      const entry = entryOf(item);
      if (entry) this.#add(entry);
      else await this.#bury(item);
    }
    if (this.#state !== 'loading') return;
    this.#state = 'draining';
    this.#pump();
  }

  /** Resolves once nothing waits (in this process) and no handler runs; at once before `start`. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve);
      this.#checkIdle();
    });
  }

  /** Whether a handler runs now. */
  isBusy(): boolean {
    return this.#running.size > 0;
  }

  /** Looks again at what is due (a hold, see `yieldWhile`, may have ended). */
  wake(): void {
    this.#pump();
  }

  /** Whether nothing waits (in this process) and no handler runs now. */
  isIdle(): boolean {
    return this.#state !== 'loading' && this.#waiting.length === 0 && this.#running.size === 0;
  }

  /**
   * Takes no new work, and waits for running handlers up to the timeout (one still running then is handled again at
   * the next start). What waits stays in the table; `enqueue` still writes there. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** The messages kept as dead, in the order they were first due (items that are not work messages left out). */
  async deadItems(): Promise<DeadWorkItem[]> {
    return (await this.#readItems())
      .filter((item) => item.dead?.BOOL === true)
      .flatMap((item) => {
        const entry = entryOf(item);
        return entry ? [{ message: entry.message, attempts: entry.attempts, lastError: item.lastError?.S ?? '' }] : [];
      });
  }

  async #close(): Promise<void> {
    this.#state = 'closed';
    clearTimeout(this.#timer);
    for (const entry of this.#waiting.splice(0)) this.#known.delete(entry.key);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.#closeTimeoutMs);
    });
    const late = await Promise.race([Promise.all(this.#running).then(() => false), timedOut]);
    clearTimeout(timer);
    if (late) {
      this.#log.warn('work still running at close: handled again at the next start', { running: this.#running.size });
    }
    this.#checkIdle();
  }

  /** Every item of the queue's partition, in sort-key order. */
  #readItems(): Promise<Item[]> {
    return partitionItems(this.#db, this.#table, this.#partition);
  }

  /** Takes an entry to hand over, unless it is known already or the drainer does not (or no longer) take work. */
  #add(entry: Entry): void {
    if ((this.#state !== 'loading' && this.#state !== 'draining') || this.#known.has(entry.key)) return;
    this.#known.add(entry.key);
    this.#insert(entry);
  }

  #insert(entry: Entry): void {
    let low = 0;
    let high = this.#waiting.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const other = this.#waiting[middle]!;
      if (other.dueAt < entry.dueAt || (other.dueAt === entry.dueAt && other.key < entry.key)) low = middle + 1;
      else high = middle;
    }
    this.#waiting.splice(low, 0, entry);
  }

  /** Starts what is due, as far as the concurrency allows, and sets the timer for what comes next. */
  #pump(): void {
    if (this.#state === 'draining') {
      const now = Date.now();
      const holdUntil = this.#holdUntil(now);
      while (
        this.#running.size < this.#concurrency &&
        (this.#waiting[0]?.dueAt ?? Infinity) <= now &&
        holdUntil <= now
      ) {
        let due = 1;
        while (due < this.#batchSize && (this.#waiting[due]?.dueAt ?? Infinity) <= now) due++;
        this.#run(this.#waiting.splice(0, due));
      }
      clearTimeout(this.#timer);
      this.#timer = undefined;
      const next = this.#waiting[0];
      // When every slot is busy, the next handler to end pumps again; a hold ends by `wake` or at its limit.
      if (next && this.#running.size < this.#concurrency) {
        const at = Math.max(next.dueAt, holdUntil);
        this.#timer = setTimeout(() => this.#pump(), Math.min(at - now, MAX_TIMER_MS));
      }
    }
    this.#checkIdle();
  }

  /** Until when the first due message is held back (see `yieldWhile`); `now` or earlier when it is not. */
  #holdUntil(now: number): number {
    const first = this.#waiting[0];
    if (!this.#yieldWhile || !first || first.dueAt > now || !this.#yieldWhile.while()) return now;
    return first.dueAt + this.#yieldWhile.atMostMs;
  }

  #run(entries: Entry[]): void {
    const running: Promise<void> = this.#attempt(entries).finally(() => {
      this.#running.delete(running);
      this.#pump();
      this.#onHandled?.();
    });
    this.#running.add(running);
  }

  async #attempt(entries: readonly Entry[]): Promise<void> {
    for (const entry of entries) entry.attempts += 1;
    let errors: readonly unknown[];
    try {
      errors = await this.#handler!(entries.map((entry) => entry.message));
    } catch (error) {
      errors = entries.map(() => error ?? new Error('the work handler failed'));
    }
    const handled = entries.filter((_, i) => errors[i] === undefined);
    await Promise.all(
      entries.map((entry, i) => (errors[i] === undefined ? undefined : this.#failed(entry, errors[i]))),
    );
    for (const entry of handled) this.#known.delete(entry.key);
    try {
      await this.#writeAll(handled.map((entry) => ({ DeleteRequest: { Key: this.#keyOf(entry) } })));
    } catch (error) {
      this.#log.error('could not delete handled work items: they are handled again at the next start', {
        items: handled.length,
        error: (error as Error).message,
      });
    }
  }

  /** Writes the requests, 25 per BatchWriteItem, {@link WRITES_IN_FLIGHT} at once. */
  #writeAll(requests: readonly WriteRequest[]): Promise<void> {
    return batchWriteItems(this.#db, this.#table, requests, WRITES_IN_FLIGHT);
  }

  /** An item whose message does not read: kept as dead (and logged without its content), never handled. */
  async #bury(item: Item): Promise<void> {
    const reason = parseWorkMessage(item.message?.S ?? '');
    const lastError = `not a work message (${reason.ok ? 'unknown' : reason.reason})`;
    this.#log.error('a stored work item is not a work message: kept as dead', { key: item.SK?.S ?? '?' });
    try {
      await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { PK: item.PK!, SK: item.SK! },
          UpdateExpression: 'SET dead = :dead, lastError = :lastError',
          ExpressionAttributeValues: { ':dead': { BOOL: true }, ':lastError': { S: lastError } },
        }),
      );
    } catch (error) {
      this.#log.error('could not mark a stored work item dead', { error: (error as Error).message });
    }
  }

  async #failed(entry: Entry, error: unknown): Promise<void> {
    const lastError = (error instanceof Error ? error.message : String(error)).slice(0, ERROR_CHARS);
    const facts = { ...describeWorkMessage(entry.message), attempts: entry.attempts, error: lastError };
    const dead = entry.attempts >= this.#maxAttempts;
    if (dead) {
      this.#known.delete(entry.key);
      this.#log.error('work item failed its last attempt: kept as dead, not retried', facts);
    } else {
      const retryInMs = Math.min(this.#retryDelayMs * 2 ** (entry.attempts - 1), MAX_RETRY_DELAY_MS);
      entry.dueAt = Date.now() + retryInMs;
      this.#log.warn('work item failed: retried later', { ...facts, retryInMs });
    }
    await this.#write(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(entry),
        UpdateExpression: 'SET attempts = :attempts, dueAt = :dueAt, lastError = :lastError, dead = :dead',
        ExpressionAttributeValues: {
          ':attempts': { N: String(entry.attempts) },
          ':dueAt': { N: String(entry.dueAt) },
          ':lastError': { S: lastError },
          ':dead': { BOOL: dead },
        },
      }),
      'could not record a failed attempt of a work item',
      entry,
    );
    if (dead) return;
    if (this.#state === 'draining') this.#insert(entry);
    else this.#known.delete(entry.key);
  }

  /** A write after a handler: its failure is logged (the item stays in the table, handled again at the next start). */
  async #write(command: UpdateItemCommand, what: string, entry: Entry): Promise<void> {
    try {
      await this.#db.send(command);
    } catch (error) {
      this.#log.error(what, { ...describeWorkMessage(entry.message), error: (error as Error).message });
    }
  }

  #checkIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #keyOf(entry: Entry): Item {
    return { PK: { S: this.#partition }, SK: { S: entry.key } };
  }

  #itemOf(entry: Entry): Item {
    return {
      ...this.#keyOf(entry),
      message: { S: JSON.stringify(entry.message) },
      dueAt: { N: String(entry.dueAt) },
      attempts: { N: String(entry.attempts) },
    };
  }
}

function newKey(dueAt: number): string {
  return `${String(dueAt).padStart(15, '0')}#${randomUUID()}`;
}

/** The entry of a stored item, or undefined when its message is not one (a corrupt or foreign item). */
function entryOf(item: Item): Entry | undefined {
  const parsed = parseWorkMessage(item.message?.S ?? '');
  if (!parsed.ok) return undefined;
  return {
    key: item.SK!.S!,
    message: parsed.message,
    dueAt: Number(item.dueAt?.N ?? 0),
    attempts: Number(item.attempts?.N ?? 0),
  };
}
