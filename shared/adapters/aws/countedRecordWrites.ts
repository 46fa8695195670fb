/**
 * The writes of a counted record (a client or a topic) and of its tenant's counter (`T#counts`, DynamoTenantLimits.ts)
 * as one transaction, both items in the tenant's partition: a creation puts the record (only if new) and adds one to
 * the counter (only if started and below the limit); a deletion deletes the record (only if there) and takes one
 * from the counter (only if above zero). No crash can separate a record from its count, and a deletion done again
 * finds the record gone and takes nothing. A tenant without a counter (records from before the quotas) has its
 * records deleted without one, in a transaction that checks the counter is still not started.
 */
import {
  type ConditionCheck,
  type Delete,
  type DynamoDBClient,
  GetItemCommand,
  type Put,
  type Update,
} from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { CountedCreation, CountedKind } from '../../c2/ports/TenantLimitStore.js';
import { COUNTS_KEY } from './DynamoTenantLimits.js';
import { partition } from './keyStoreItems.js';
import { transactWrite } from './transactWrite.js';

/** The counter's moves tried before CONCURRENT_UPDATE (each after another change of the counter). */
const ATTEMPTS = 5;

/** Where a counter is: its table, tenant and kind. */
export interface Counter {
  readonly table: string;
  readonly tenantId: string;
  readonly kind: CountedKind;
}

/**
 * Puts the record (its condition: not there yet) and counts it below `max`: `exists` when the record's condition
 * failed, else the creation's outcome. Nothing is written but for `created`.
 */
export async function putCounted(
  db: DynamoDBClient,
  put: Put,
  counter: Counter,
  max: number,
): Promise<CountedCreation | 'exists'> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const failed = await transactWrite(db, [{ Put: put }, { Update: increment(counter, max) }]);
    if (failed.size === 0) return 'created';
    if (failed.has(0)) return 'exists';
    const count = await readCount(db, counter);
    if (count === undefined) return 'uncounted';
    if (count >= max) return 'full';
    // Below the limit now: a deletion came in between.
  }
  throw new C2Error(C2ErrorCode.ConcurrentUpdate, `the tenant's count of ${counter.kind} kept changing: try again`);
}

/** Deletes the record (its condition: there) and uncounts it: false when the record was not there (nothing changed). */
export async function deleteCounted(db: DynamoDBClient, del: Delete, counter: Counter): Promise<boolean> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const counted = await transactWrite(db, [{ Delete: del }, { Update: decrement(counter) }]);
    if (counted.size === 0) return true;
    if (counted.has(0)) return false;
    // The counter is not started (or at zero): the record goes without it, if it still is not.
    const uncounted = await transactWrite(db, [{ Delete: del }, { ConditionCheck: notCounted(counter) }]);
    if (uncounted.size === 0) return true;
    if (uncounted.has(0)) return false;
  }
  throw new C2Error(C2ErrorCode.ConcurrentUpdate, `the tenant's count of ${counter.kind} kept changing: try again`);
}

function counterKey({ tenantId }: Counter) {
  return { PK: { S: partition(tenantId) }, SK: { S: COUNTS_KEY } };
}

function increment(counter: Counter, max: number): Update {
  return {
    TableName: counter.table,
    Key: counterKey(counter),
    UpdateExpression: 'ADD #count :one',
    ConditionExpression: 'attribute_exists(#count) AND #count < :max',
    ExpressionAttributeNames: { '#count': counter.kind },
    ExpressionAttributeValues: { ':one': { N: '1' }, ':max': { N: String(max) } },
  };
}

function decrement(counter: Counter): Update {
  return {
    TableName: counter.table,
    Key: counterKey(counter),
    UpdateExpression: 'ADD #count :minus',
    ConditionExpression: '#count > :zero',
    ExpressionAttributeNames: { '#count': counter.kind },
    ExpressionAttributeValues: { ':minus': { N: '-1' }, ':zero': { N: '0' } },
  };
}

function notCounted(counter: Counter): ConditionCheck {
  return {
    TableName: counter.table,
    Key: counterKey(counter),
    ConditionExpression: 'attribute_not_exists(#count) OR #count <= :zero',
    ExpressionAttributeNames: { '#count': counter.kind },
    ExpressionAttributeValues: { ':zero': { N: '0' } },
  };
}

async function readCount(db: DynamoDBClient, counter: Counter): Promise<number | undefined> {
  const { Item } = await db.send(
    new GetItemCommand({ TableName: counter.table, Key: counterKey(counter), ConsistentRead: true }),
  );
  const value = Item?.[counter.kind]?.N;
  return value === undefined ? undefined : Number(value);
}
