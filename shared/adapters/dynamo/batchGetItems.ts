/**
 * Reads items by key with BatchGetItem (consistent reads), 100 keys per request one after the other, asking again for
 * the keys DynamoDB leaves unprocessed (untilProcessed.ts). The keys must be distinct (BatchGetItem refuses a request
 * that names a key twice); the items come back in no particular order.
 */
import { type AttributeValue, BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { untilProcessed } from './untilProcessed.js';

type Item = Record<string, AttributeValue>;

/** BatchGetItem's most keys per request. */
const BATCH_GET_KEYS = 100;

export async function batchGetItems(db: DynamoDBClient, table: string, keys: readonly Item[]): Promise<Item[]> {
  const items: Item[] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_KEYS) {
    await untilProcessed(keys.slice(i, i + BATCH_GET_KEYS), 'keys unread', async (pending) => {
      const { Responses, UnprocessedKeys } = await db.send(
        new BatchGetItemCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: true } } }),
      );
      items.push(...(Responses?.[table] ?? []));
      return UnprocessedKeys?.[table]?.Keys ?? [];
    });
  }
  return items;
}
