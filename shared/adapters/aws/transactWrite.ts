/**
 * Sends a TransactWriteItems and answers which of its items' conditions failed (none: every write was made; any: none
 * was). A transaction that met another one on an item (DynamoDB cancels it with `TransactionConflict`, or refuses a
 * write with TransactionConflictException) is sent again after a short random pause, at most 8 times, then
 * CONCURRENT_UPDATE; any other cancellation reason (throughput, validation) is thrown as it came.
 */
import {
  type DynamoDBClient,
  TransactionCanceledException,
  TransactionConflictException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';

const ATTEMPTS = 8;
const PAUSE_MS = 20;

export async function transactWrite(db: DynamoDBClient, items: TransactWriteItem[]): Promise<ReadonlySet<number>> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    try {
      await db.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return new Set();
    } catch (error) {
      if (error instanceof TransactionConflictException) {
        await pause(attempt);
        continue;
      }
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
      if (codes.some((code) => code === 'TransactionConflict')) {
        await pause(attempt);
        continue;
      }
      if (codes.some((code) => code !== 'None' && code !== 'ConditionalCheckFailed') || codes.length === 0) {
        throw error;
      }
      return new Set(codes.flatMap((code, index) => (code === 'ConditionalCheckFailed' ? [index] : [])));
    }
  }
  throw new C2Error(C2ErrorCode.ConcurrentUpdate, 'other changes kept writing the same items: try again');
}

function pause(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * PAUSE_MS * (attempt + 1)));
}
