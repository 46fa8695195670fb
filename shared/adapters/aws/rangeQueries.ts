/**
 * Queries over a range of a tenant's items (the items whose sort key starts with the range's prefix), shared by the
 * DynamoDB stores: the query's parameters, one page of records, and a count.
 */
import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Page, PageRequest } from '../../c2/ports.js';
import { decodeCursor, encodeCursor } from './keyStoreCursors.js';
import { type ItemRange, partition } from './keyStoreItems.js';

type Item = Record<string, AttributeValue>;

/** The parameters of a consistent query of the range, in sort-key order (or reversed: `newestFirst`). */
export function rangeQuery<T>(table: string, range: ItemRange<T>, tenantId: string) {
  return {
    TableName: table,
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': { S: partition(tenantId) }, ':prefix': { S: range.prefix } },
    ScanIndexForward: !range.newestFirst,
    ConsistentRead: true,
  };
}

/** One page of the range's records (limit 1..100; a cursor of another tenant or range is INVALID_CURSOR). */
export async function queryPage<T>(
  db: DynamoDBClient,
  table: string,
  range: ItemRange<T>,
  tenantId: string,
  page: PageRequest,
): Promise<Page<T>> {
  if (!Number.isSafeInteger(page.limit) || page.limit < 1 || page.limit > 100) {
    throw new RangeError(`list: limit must be 1..100, not ${page.limit}`);
  }
  const { Items = [], LastEvaluatedKey } = await db.send(
    new QueryCommand({
      ...rangeQuery(table, range, tenantId),
      Limit: page.limit,
      ExclusiveStartKey: page.cursor === undefined ? undefined : decodeCursor(page.cursor, tenantId, range.prefix),
    }),
  );
  // DynamoDB may stop a page early (1 MB per response): its LastEvaluatedKey, not a full page, says more may follow.
  const cursor = encodeCursor(LastEvaluatedKey);
  return { items: Items.map((item) => range.fromItem(tenantId, item)), ...(cursor ? { cursor } : {}) };
}

/** How many items the range holds (COUNT queries, page after page). */
export async function countRange<T>(
  db: DynamoDBClient,
  table: string,
  range: ItemRange<T>,
  tenantId: string,
): Promise<number> {
  let count = 0;
  let start: Item | undefined;
  do {
    const result = await db.send(
      new QueryCommand({ ...rangeQuery(table, range, tenantId), Select: 'COUNT', ExclusiveStartKey: start }),
    );
    count += result.Count ?? 0;
    start = result.LastEvaluatedKey;
  } while (start);
  return count;
}

/** A retention in days as the stores take it: a positive integer, 400 by default. */
export function retentionDaysOf(days: number | undefined): number {
  const retentionDays = days ?? 400;
  if (!Number.isSafeInteger(retentionDays) || retentionDays < 1) {
    throw new RangeError('retentionDays must be a positive integer');
  }
  return retentionDays;
}
