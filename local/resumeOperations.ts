/**
 * At a start of local mode, an operation message for every operation of the tenant still `pending` or `running`:
 * belt and braces, since the work queue already keeps what a crashed run left, for an operation whose message was
 * lost (a crash between recording the operation and enqueuing it). Handling an operation twice changes nothing more
 * (handleWork is idempotent). Returns how many were enqueued.
 */
import { eachPage } from '../shared/c2/pages.js';
import type { OperationStatus, OperationStore } from '../shared/c2/ports/OperationStore.js';
import type { WorkQueue } from '../shared/c2/ports/WorkQueue.js';

const UNFINISHED: readonly OperationStatus[] = ['pending', 'running'];

export async function resumeOperations(
  operations: OperationStore,
  queue: WorkQueue,
  tenantId: string,
): Promise<number> {
  let resumed = 0;
  for (const status of UNFINISHED) {
    for await (const page of eachPage((request) => operations.listOperations(tenantId, { status }, request))) {
      await queue.enqueue(page.map((operation) => ({ type: 'operation', tenantId, operationId: operation.id })));
      resumed += page.length;
    }
  }
  return resumed;
}
