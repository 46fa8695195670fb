/**
 * One page of a tenant's range holding only the items that match some attribute conditions, shared by the lists that
 * filter (operations, deliveries, events): the conditions are a FilterExpression, so a page read may match few items;
 * several reads make a page, up to a bound, after which a short page answers with a cursor. A sort-key window
 * (`between`) narrows the read itself: a key condition, not a filter.
 */
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { Page, PageRequest } from '../../c2/ports.js';
import { decodeCursor, encodeCursor } from './keyStoreCursors.js';
import { type Item, type ItemRange, partition } from './keyStoreItems.js';

/** A filtered list reads at most this many pages of 100 items before it answers (a short page, with a cursor). */
export const FILTERED_READS = 10;

/** An expression on some attributes: `#f0 = :f0 AND begins_with(#f1, :f1) ...`. */
export interface Condition {
  readonly expression: string;
  readonly names: Record<string, string>;
  readonly values: Item;
}

/** One attribute's test: equal to `value`, or (`prefix`) starting with it. */
export type AttributeTest = readonly [attribute: string, value: string, prefix?: 'prefix'];

/** All the tests at once (undefined for none). */
export function matching(tests: readonly AttributeTest[]): Condition | undefined {
  if (tests.length === 0) return undefined;
  return {
    expression: tests
      .map(([, , prefix], i) => (prefix ? `begins_with(#f${i}, :f${i})` : `#f${i} = :f${i}`))
      .join(' AND '),
    names: Object.fromEntries(tests.map(([attribute], i) => [`#f${i}`, attribute])),
    values: Object.fromEntries(tests.map(([, value], i) => [`:f${i}`, { S: value }])),
  };
}

export interface PageQuery {
  /** Only the matching items (every item without). */
  readonly filter?: Condition | undefined;
  /** Only the items whose sort key is within these two, both included (within the range's prefix). */
  readonly between?: readonly [low: string, high: string] | undefined;
  /** Oldest (lowest key) first, whatever the range's own order. */
  readonly ascending?: boolean;
}

/**
 * A page of the range in its order (newest first or in key order, or `ascending`). Unfiltered: one query of `limit`
 * items. Filtered: queries of 100 items until `limit` match, the range ends, or {@link FILTERED_READS} queries were
 * made (a short page, with a cursor). A cursor outside `between` is INVALID_CURSOR (DynamoDB refuses to start there).
 */
export async function filteredPage<T>(
  db: DynamoDBClient,
  table: string,
  range: ItemRange<T>,
  tenantId: string,
  query: PageQuery,
  page: PageRequest,
): Promise<Page<T>> {
  if (!Number.isSafeInteger(page.limit) || page.limit < 1 || page.limit > 100) {
    throw new RangeError(`list: limit must be 1..100, not ${page.limit}`);
  }
  const { filter, between } = query;
  let start = page.cursor === undefined ? undefined : decodeCursor(page.cursor, tenantId, range.prefix);
  if (start && between && (start.SK!.S! < between[0] || start.SK!.S! > between[1])) {
    throw new C2Error(C2ErrorCode.InvalidCursor, 'invalid pagination cursor');
  }
  const items: Item[] = [];
  for (let reads = 0; reads < (filter ? FILTERED_READS : 1); reads++) {
    const { Items = [], LastEvaluatedKey } = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression:
          between === undefined ? 'PK = :pk AND begins_with(SK, :prefix)' : 'PK = :pk AND SK BETWEEN :low AND :high',
        ...(filter ? { FilterExpression: filter.expression, ExpressionAttributeNames: filter.names } : {}),
        ExpressionAttributeValues: {
          ':pk': { S: partition(tenantId) },
          ...(between === undefined
            ? { ':prefix': { S: range.prefix } }
            : { ':low': { S: between[0] }, ':high': { S: between[1] } }),
          ...filter?.values,
        },
        ScanIndexForward: query.ascending ?? !range.newestFirst,
        ConsistentRead: true,
        Limit: filter ? 100 : page.limit,
        ExclusiveStartKey: start,
      }),
    );
    const room = page.limit - items.length;
    items.push(...Items.slice(0, room));
    if (Items.length > room) {
      // More matched than fit: the next page starts after the last one kept.
      const last = items[items.length - 1]!;
      start = { PK: last.PK!, SK: last.SK! };
      break;
    }
    start = LastEvaluatedKey;
    if (!start || items.length === page.limit) break;
  }
  const cursor = encodeCursor(start);
  return { items: items.map((item) => range.fromItem(tenantId, item)), ...(cursor ? { cursor } : {}) };
}
