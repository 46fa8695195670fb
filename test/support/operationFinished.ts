/**
 * Waits for an operation to finish (the worker of the C2 under test carries it out: local mode's queue, or the
 * worker function), reading its record as the API does; fails the test after `timeoutMs`.
 */
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import type { OperationRecord } from '../../shared/c2/ports/OperationStore.js';

export async function operationFinished(
  deps: C2Deps,
  operation: Pick<OperationRecord, 'tenantId' | 'id'>,
  timeoutMs = 20_000,
): Promise<OperationRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await deps.operations.getOperation(operation.tenantId, operation.id);
    if (!record) throw new Error(`no operation ${operation.id}`);
    if (record.finishedAt !== undefined) return record;
    if (Date.now() > deadline) {
      throw new Error(
        `operation ${operation.id} still ${record.status} after ${timeoutMs} ms: ${JSON.stringify(record.counts)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
