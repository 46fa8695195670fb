/**
 * The event log's appends (EventLog.appendEvent) on the KeyStore's table, chained per tenant (shared/c2/events/
 * eventChain.ts). Single-item writes (designed before local mode's dynalite had transactions; none is needed), so the chain's head item (`H#events`: `seq`,
 * `hash`) is the one place where appends are ordered: an append reads it and moves it from `seq` to `seq + 1` in one
 * write conditional on `seq`, and that write also holds the new record (`pending`). The record's own item (`E#<id>`,
 * listed by time) is written next; a crash in between leaves the record on the head, and the next append of the
 * tenant (or a retry of the same one) writes it first. A head that moved under an append is read again (appends of
 * one instance wait in line in memory rather than racing). Records written before the chain have no `seq`: the chain
 * starts after them. Each record's `expiresAt` (the table's TTL) is `at` + the tenant's `eventRetentionDays`.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import { chained, GENESIS_HASH } from '../../c2/events/eventChain.js';
import { DEFAULT_TENANT_LIMITS } from '../../c2/limits/tenantLimits.js';
import type { EventRecord } from '../../c2/ports.js';
import { batchGetItems } from '../dynamo/batchGetItems.js';
import { inLine } from '../dynamo/inLine.js';
import { LIMITS_KEY } from './DynamoTenantLimits.js';
import { eventKind, type Item, partition } from './keyStoreItems.js';
import { writeIf } from './writeIf.js';

/** The sort key of a tenant's chain head (not `E#...`: the log's range queries must not see it). */
export const CHAIN_HEAD_KEY = 'H#events';
/** Reads of a head that moved under the append (other instances appending), 2 to 20 ms apart. */
const TRIES = 200;

export class DynamoEventChain {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  /** Appends of this instance waiting for a tenant's head, in line. */
  readonly #inLine = inLine();

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  appendEvent = (event: EventRecord): Promise<void> => this.#inLine(event.tenantId, () => this.#append(event));

  async #append(event: EventRecord): Promise<void> {
    const { tenantId, seq: _s, prevHash: _p, hash: _h, ...view } = event;
    const eventKey = { PK: { S: partition(tenantId) }, SK: { S: `E#${event.id}` } };
    for (let attempt = 0; attempt < TRIES; attempt++) {
      if (attempt > 0) await sleep(2 + Math.floor(Math.random() * 18));
      const items = await batchGetItems(this.#db, this.#table, [
        this.#key(tenantId, CHAIN_HEAD_KEY),
        eventKey,
        this.#key(tenantId, LIMITS_KEY),
      ]);
      const find = (sk: string) => items.find((item) => item.SK?.S === sk);
      if (find(eventKey.SK.S)) {
        throw new C2Error(C2ErrorCode.AlreadyExists, `event "${event.id}" exists already`);
      }
      const head = find(CHAIN_HEAD_KEY);
      if (head?.pending?.M) {
        await this.#putOnce(head.pending.M);
        if (head.pending.M.SK?.S === eventKey.SK.S) return;
      }
      const headSeq = head?.seq?.N === undefined ? 0 : Number(head.seq.N);
      const record = chained(view, headSeq + 1, head?.hash?.S ?? GENESIS_HASH);
      const retention = Number(find(LIMITS_KEY)?.eventRetentionDays?.N ?? DEFAULT_TENANT_LIMITS.eventRetentionDays);
      const item: Item = { ...eventKey, ...eventKind(retention).toItem({ tenantId, ...record }) };
      const moved = await writeIf(
        this.#db,
        new UpdateItemCommand({
          TableName: this.#table,
          Key: this.#key(tenantId, CHAIN_HEAD_KEY),
          UpdateExpression: 'SET seq = :seq, #hash = :hash, pending = :pending',
          ConditionExpression: head ? 'seq = :headSeq' : 'attribute_not_exists(PK)',
          ExpressionAttributeNames: { '#hash': 'hash' },
          ExpressionAttributeValues: {
            ':seq': { N: String(record.seq) },
            ':hash': { S: record.hash },
            ':pending': { M: item },
            ...(head ? { ':headSeq': { N: String(headSeq) } } : {}),
          },
        }),
      );
      if (!moved) continue;
      await this.#putOnce(item);
      return;
    }
    throw new C2Error(C2ErrorCode.ConcurrentUpdate, "the tenant's event log kept changing: try again");
  }

  /** Writes a chained record's item unless it is there already (written by another append, or a retry). */
  async #putOnce(item: Item): Promise<void> {
    await writeIf(
      this.#db,
      new PutItemCommand({ TableName: this.#table, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }),
    );
  }

  #key(tenantId: string, sk: string): Item {
    return { PK: { S: partition(tenantId) }, SK: { S: sk } };
  }
}
