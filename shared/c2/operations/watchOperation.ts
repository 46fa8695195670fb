/**
 * The watch over an unfinished operation: every {@link WATCH_INTERVAL_MS} while it has not finished, a look at
 * whether it still moves. One that has not been updated for that long is queued again: its message may have been
 * lost (a worker that died past the queue's retries and went to the dead-letter queue, a crash between recording a
 * change and queuing its next step). Handling an operation twice changes nothing more (handleWork is idempotent),
 * so a watch that finds a slow operation rather than a lost one costs one message. The watch ends with the operation.
 *
 * A watch starts with each operation (startOperation.ts) and each time a finished one is opened again (a retry, a
 * resend to silent devices), queued before the change it watches, so that no crash leaves a change without it.
 */
import type { C2Deps } from '../C2Deps.js';
import type { WatchMessage } from '../ports/WorkQueue.js';

/** How often an unfinished operation is looked at, and how long it may stay untouched before it is queued again. */
export const WATCH_INTERVAL_MS = 5 * 60_000;

export async function watchOperation(deps: C2Deps, message: WatchMessage): Promise<void> {
  const { tenantId, operationId } = message;
  const operation = await deps.operations.getOperation(tenantId, operationId);
  if (!operation || operation.finishedAt !== undefined) return;
  if (deps.clock() - Date.parse(operation.updatedAt) >= WATCH_INTERVAL_MS) {
    await deps.queue.enqueue([{ type: 'operation', tenantId, operationId }]);
  }
  await startWatch(deps, tenantId, operationId);
}

/** Queues the next look at the operation. */
export const startWatch = (deps: C2Deps, tenantId: string, operationId: string): Promise<void> =>
  deps.queue.enqueue([{ type: 'watch', tenantId, operationId }], { delayMs: WATCH_INTERVAL_MS });
