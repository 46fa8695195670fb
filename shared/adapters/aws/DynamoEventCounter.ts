/**
 * The event counters of DynamoPolicyStore (PolicyStore.countEvent, settleEventRun), exact with single-item writes
 * only (designed before local mode's dynalite had transactions), so a marker put and a counter update are two writes.
 * Instead each counter item has a lease (a conditional write, 10 s): its holder reads the counter, looks for the
 * event's marker, and writes count, generation and the due runs in one write conditional on still holding it. The
 * event is kept on the counter as `pending` until its marker (`W#...`, 14 days) is written; whoever takes the lease
 * next writes a pending marker first. So a crash anywhere never counts an event twice (its marker, or its pending
 * mark, is there) nor loses one (nothing is counted before the write that counts it), and a holder that lost its
 * lease (stalled past 10 s) has its writes refused. Counts of one instance on one counter wait in line in memory
 * rather than polling the lease. Due generations stay on the counter (`due`, a number set) until
 * their run is recorded (settleEventRun), so a run cut short by a crash is offered again by the next count.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { EventCount, EventCounted } from '../../c2/ports/PolicyStore.js';
import { inLine } from '../dynamo/inLine.js';
import { type Item, partition } from './keyStoreItems.js';
import { counterKey, isEventId, isPolicyId, markerKey } from './policyStoreItems.js';
import { writeIf } from './writeIf.js';

const LEASE_MS = 10_000;
/** Markers outlive any redelivery: SQS keeps a message 14 days at most, a DynamoDB stream record a day. */
const MARKER_DAYS = 14;
/** Counters are dropped a year after their last event (a deleted policy's, among others). */
const COUNTER_DAYS = 365;
/** Tries at the lease, 5 to 40 ms apart (about 10 s in all) before CONCURRENT_UPDATE. */
const LEASE_TRIES = 500;

const seconds = (ms: number) => String(Math.floor(ms / 1000));
const dueOf = (item: Item | undefined): number[] => (item?.due?.NS ?? []).map(Number).sort((a, b) => a - b);

export class DynamoEventCounter {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  /** Counts of this instance waiting for a counter, in line (they do not poll its lease against each other). */
  readonly #inLine = inLine();

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  countEvent = (count: EventCount): Promise<EventCounted> =>
    this.#inLine(`${count.tenantId}\n${count.policyId}\n${count.counter}`, () => this.#count(count));

  async #count(count: EventCount): Promise<EventCounted> {
    const { tenantId, policyId, counter, eventId, threshold, now } = count;
    if (!isPolicyId(policyId)) throw new RangeError(`policy id "${policyId}" is not valid`);
    if (!isEventId(eventId)) throw new RangeError('the event id is not [0-9A-Za-z_.:-]{1,128}');
    if (!Number.isSafeInteger(threshold) || threshold < 1) throw new RangeError('the threshold must be 1 or more');
    const key = this.#key(tenantId, counterKey(policyId, counter));
    const owner = `${now}-${Math.random().toString(36).slice(2)}`;
    const item = await this.#lease(key, owner, now);
    const held = { ':owner': { S: owner } };
    const pending = item.pending?.S;
    if (pending !== undefined) await this.#putMarker(tenantId, policyId, counter, pending, now);
    const stored = Number(item.eventCount?.N ?? '0');
    const generation = Number(item.generation?.N ?? '0');
    const seen = pending === eventId || (await this.#markerExists(tenantId, policyId, counter, eventId));
    if (seen) {
      await this.#release(key, owner);
      return { counted: false, count: stored, due: dueOf(item) };
    }
    const reached = stored + 1 >= threshold;
    const next = reached ? stored + 1 - threshold : stored + 1;
    const values: Record<string, AttributeValue> = {
      ...held,
      ':count': { N: String(next) },
      ':generation': { N: String(reached ? generation + 1 : generation) },
      ':pending': { S: eventId },
      ':expires': { N: seconds(now + COUNTER_DAYS * 86_400_000) },
      ...(reached ? { ':due': { NS: [String(generation + 1)] } } : {}),
    };
    const counted = await this.#db
      .send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: key,
          UpdateExpression:
            'SET eventCount = :count, generation = :generation, pending = :pending, expiresAt = :expires' +
            (reached ? ' ADD due :due' : ''),
          ConditionExpression: 'leaseOwner = :owner',
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      )
      .catch((error: unknown) => {
        if ((error as Error).name === 'ConditionalCheckFailedException') return undefined;
        throw error;
      });
    if (!counted) throw new C2Error(C2ErrorCode.ConcurrentUpdate, 'the event counter was taken over; count again');
    await this.#putMarker(tenantId, policyId, counter, eventId, now);
    await this.#release(key, owner);
    return { counted: true, count: next, due: dueOf(counted.Attributes) };
  }

  settleEventRun = async (tenantId: string, policyId: string, counter: string, generation: number): Promise<void> => {
    if (!isPolicyId(policyId)) return;
    await writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#key(tenantId, counterKey(policyId, counter)),
        UpdateExpression: 'DELETE due :generation',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':generation': { NS: [String(generation)] } },
      }),
    );
  };

  /** Takes the counter's lease (free, expired, or ours): the counter as it is then. */
  async #lease(key: Item, owner: string, now: number): Promise<Item> {
    for (let attempt = 0; attempt < LEASE_TRIES; attempt++) {
      try {
        const { Attributes } = await this.#db.send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: key,
            UpdateExpression: 'SET leaseOwner = :owner, leaseUntil = :until',
            ConditionExpression: 'attribute_not_exists(leaseOwner) OR leaseUntil < :now OR leaseOwner = :owner',
            ExpressionAttributeValues: {
              ':owner': { S: owner },
              ':until': { N: String(now + LEASE_MS) },
              ':now': { N: String(now) },
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return Attributes ?? {};
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        await sleep(5 + Math.random() * 35);
      }
    }
    throw new C2Error(C2ErrorCode.ConcurrentUpdate, 'the event counter stayed busy; count again later');
  }

  /** Gives the lease back and clears `pending` (its marker is written); refused if the lease was lost. */
  async #release(key: Item, owner: string): Promise<void> {
    await writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: key,
        UpdateExpression: 'REMOVE leaseOwner, leaseUntil, pending',
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': { S: owner } },
      }),
    );
  }

  async #markerExists(tenantId: string, policyId: string, counter: string, eventId: string): Promise<boolean> {
    const { Item: item } = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: this.#key(tenantId, markerKey(policyId, counter, eventId)),
        ConsistentRead: true,
        ProjectionExpression: 'PK',
      }),
    );
    return item !== undefined;
  }

  async #putMarker(tenantId: string, policyId: string, counter: string, eventId: string, now: number) {
    await this.#db.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          ...this.#key(tenantId, markerKey(policyId, counter, eventId)),
          expiresAt: { N: seconds(now + MARKER_DAYS * 86_400_000) },
        },
      }),
    );
  }

  #key(tenantId: string, sortKey: string): Item {
    return { PK: { S: partition(tenantId) }, SK: { S: sortKey } };
  }
}
