/**
 * DynamoDB's batch calls may leave part of a batch unprocessed (throttling): this sends `batch`, then what `send`
 * reports left over, with exponential back-off, for at most 8 attempts; then it fails, naming `what` was left.
 */
import { setTimeout as sleep } from 'node:timers/promises';

const ATTEMPTS = 8;
const backoffMs = (attempt: number): number => Math.min(1000, 25 * 2 ** attempt);

export async function untilProcessed<T>(batch: T[], what: string, send: (pending: T[]) => Promise<T[]>): Promise<void> {
  let pending = batch;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt === ATTEMPTS) throw new Error(`DynamoDB left ${pending.length} ${what} after ${ATTEMPTS} attempts`);
    if (attempt > 0) await sleep(backoffMs(attempt - 1));
    pending = await send(pending);
  }
}
