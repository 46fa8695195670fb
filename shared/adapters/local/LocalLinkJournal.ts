/**
 * Local mode's feed of link changes (what the AWS deployment reads from the table's DynamoDB stream, which dynalite
 * lacks): a journal in the store's table, partition `Q#links`. A link change through journaledLinks.ts writes an
 * entry before its link is written (`begin`) and marks it done once the write returned (`end`); the feed turns each
 * done entry into a `linkChange` work message (enqueued durably, then the entry deleted: a crash between the two
 * enqueues it again, and its id makes the count happen once). An entry left unfinished by a crash (not done, and not
 * one this process is writing) is settled from the store: a link created if the link is there with the entry's
 * `createdAt`, deleted if it is not. So no committed change is lost across a crash, and none counts twice.
 */
import { randomBytes } from 'node:crypto';
import {
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { LinkChangeMessage, WorkQueue } from '../../c2/ports/WorkQueue.js';
import type { Clock, KeyStore } from '../../c2/ports.js';
import type { AdapterLog } from './AdapterLog.js';

const PARTITION = 'Q#links';
/** Entries read per query of a pass. */
const PAGE = 100;
/** A failed pass is run again this much later. */
const RETRY_MS = 1000;

export interface LinkJournalEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly change: 'created' | 'deleted';
  readonly topic: string;
  readonly client: string;
  /** The link's `createdAt`: of the link written (created), of the link that was there (deleted). */
  readonly linkCreatedAt: string;
  readonly at: string;
}

export interface LocalLinkJournalOptions {
  readonly clock?: Clock;
  readonly log?: AdapterLog;
}

/** What journaledLinks.ts writes through. */
export type LinkJournal = Pick<LocalLinkJournal, 'begin' | 'end'>;

export class LocalLinkJournal {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #log: AdapterLog | undefined;
  /** Entries whose link write this process is doing: not settled from the store while it does. */
  readonly #writing = new Set<string>();
  #feed: { store: KeyStore; queue: WorkQueue } | undefined;
  #pass: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(db: DynamoDBClient, tableName: string, options: LocalLinkJournalOptions = {}) {
    this.#db = db;
    this.#table = tableName;
    this.#clock = options.clock ?? Date.now;
    this.#log = options.log;
  }

  /** Writes the entry of a change about to be made. */
  async begin(change: Omit<LinkJournalEntry, 'id' | 'at'>): Promise<LinkJournalEntry> {
    const at = new Date(this.#clock()).toISOString();
    const entry: LinkJournalEntry = { ...change, id: `${at}-${randomBytes(8).toString('hex')}`, at };
    this.#writing.add(entry.id);
    try {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { PK: { S: PARTITION }, SK: { S: entry.id }, entry: { S: JSON.stringify(entry) } },
        }),
      );
    } catch (error) {
      this.#writing.delete(entry.id);
      throw error;
    }
    return entry;
  }

  /** The change's write returned (`done`) or failed (its entry is settled from the store); the feed runs. */
  async end(entry: LinkJournalEntry, done: boolean): Promise<void> {
    try {
      if (done) {
        await this.#db.send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: { PK: { S: PARTITION }, SK: { S: entry.id } },
            UpdateExpression: 'SET done = :done',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':done': { BOOL: true } },
          }),
        );
      }
    } finally {
      this.#writing.delete(entry.id);
      this.wake();
    }
  }

  /** Starts feeding `queue` (entries left by an earlier run first). */
  start(store: KeyStore, queue: WorkQueue): void {
    this.#feed = { store, queue };
    this.wake();
  }

  /** Runs a pass of the feed (another after the current one, if one runs). */
  wake(): void {
    if (!this.#feed || this.#closed) return;
    if (this.#pass) {
      this.#again = true;
      return;
    }
    this.#pass = this.#drain()
      .catch((error: unknown) => {
        this.#log?.warn('link journal pass failed', { error: (error as Error).message });
        setTimeout(() => this.wake(), RETRY_MS).unref();
      })
      .finally(() => {
        this.#pass = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** Stops feeding, once the running pass ended (entries left are fed by the next start). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#pass;
  }

  /** Resolves once no pass runs or is asked for (tests). */
  async idle(): Promise<void> {
    while (this.#pass) await this.#pass;
  }

  async #drain(): Promise<void> {
    const { store, queue } = this.#feed!;
    let start: Record<string, { S: string }> | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': { S: PARTITION } },
          ConsistentRead: true,
          Limit: PAGE,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of Items) {
        if (this.#closed) return;
        const entry = JSON.parse(item.entry!.S!) as LinkJournalEntry;
        if (this.#writing.has(entry.id)) continue;
        const happened = item.done?.BOOL === true || (await this.#settle(store, entry));
        if (happened) await queue.enqueue([messageOf(entry)]);
        await this.#db.send(
          new DeleteItemCommand({ TableName: this.#table, Key: { PK: { S: PARTITION }, SK: { S: entry.id } } }),
        );
      }
      start = LastEvaluatedKey as typeof start;
    } while (start);
  }

  /** Whether the change of an entry left unfinished was made, as the store shows it. */
  async #settle(store: KeyStore, entry: LinkJournalEntry): Promise<boolean> {
    const link = await store.getLink(entry.tenantId, entry.topic, entry.client);
    const there = link?.createdAt === entry.linkCreatedAt;
    return entry.change === 'created' ? there : !there;
  }
}

function messageOf(entry: LinkJournalEntry): LinkChangeMessage {
  return {
    type: 'linkChange',
    tenantId: entry.tenantId,
    id: entry.id,
    change: entry.change,
    topic: entry.topic,
    client: entry.client,
    linkCreatedAt: entry.linkCreatedAt,
    at: entry.at,
  };
}
