/**
 * Puts and deletes items with BatchWriteItem, 25 requests per call, `inFlight` calls at once, sending again what
 * DynamoDB leaves unprocessed (untilProcessed.ts). Each item is written or deleted unconditionally.
 */
import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { untilProcessed } from './untilProcessed.js';

/** BatchWriteItem's most requests per call. */
const BATCH_WRITE_ITEMS = 25;

export async function batchWriteItems(
  db: DynamoDBClient,
  table: string,
  requests: readonly WriteRequest[],
  inFlight: number,
): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += BATCH_WRITE_ITEMS) batches.push(requests.slice(i, i + BATCH_WRITE_ITEMS));
  let next = 0;
  const writer = async () => {
    while (next < batches.length) {
      await untilProcessed(batches[next++]!, 'items unwritten', async (pending) => {
        const { UnprocessedItems } = await db.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
        return UnprocessedItems?.[table] ?? [];
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, batches.length) }, writer));
}
