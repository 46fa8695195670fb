/**
 * Sends a TransactWriteItems and answers which of its items' conditions failed (none: every write was made; any: none
 * was). A transaction that met another one on an item (DynamoDB cancels it with `TransactionConflict`, or refuses a
 * write with TransactionConflictException) is sent again after a random pause growing twofold (10 ms, 20 ms, ... at most
 * 1 s: about 4 s in all), at most 10 times, then BUSY (429 with Retry-After: a client tries again later, as the CLI's
 * import does), not a conflict of the caller's own making. All of a tenant's creations and deletions of clients and
 * topics meet on its counter item, so many at once (a bulk enrolment) do conflict; any other cancellation reason
 * (throughput, validation) is thrown as it came.
 */
import {
  type DynamoDBClient,
  TransactionCanceledException,
  TransactionConflictException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';

const ATTEMPTS = 10;
const FIRST_PAUSE_MS = 10;
const MAX_PAUSE_MS = 1_000;

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
  throw new C2Error(C2ErrorCode.Busy, 'too many changes of the same records at once: try again in a moment');
}

/** Full jitter: a random pause below a bound that doubles each attempt (spreads contenders apart). */
function pause(attempt: number): Promise<void> {
  const bound = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * bound));
}
