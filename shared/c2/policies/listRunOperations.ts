/**
 * The operations a policy run started (GET /v1/operations?policy=&run=), in the order it started them, a page at a
 * time: the run's record names them (the first listed with their targets, the ids of the rest), so a page is the
 * run's record and one batched read of the operations on it, whatever the numbers of the tenant's operations. The other
 * filters of the list (status, kind, target) apply to the page read: it may be short while its cursor says more may
 * follow. What a page polled by the web UI while a run's operations go on.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { OPERATION_ID } from '../operations/newOperationId.js';
import { type OperationView, operationView } from '../operations/OperationView.js';
import { validateOperationFilter } from '../operations/validateOperationFilter.js';
import type { OperationFilter, OperationRecord } from '../ports/OperationStore.js';
import type { Caller, Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import { policyStoreOf } from './policyStoreOf.js';

/** A cursor: how many of the run's operations the pages before held. */
const CURSOR = /^r([1-9][0-9]{0,5})$/;

function matches(record: OperationRecord, filter: OperationFilter): boolean {
  return (
    (filter.status === undefined || record.status === filter.status) &&
    (filter.kind === undefined || record.kind === filter.kind) &&
    (filter.parentId === undefined || record.parentId === filter.parentId) &&
    (filter.target === undefined ||
      (record.target.type === filter.target.type && record.target.name === filter.target.name))
  );
}

export async function listRunOperations(
  deps: C2Deps,
  caller: Caller,
  run: { readonly policyId: string; readonly runId: string },
  filter: OperationFilter,
  page: PageRequest,
): Promise<Page<OperationView>> {
  const checked = validateOperationFilter(filter);
  const { limit, cursor } = validatePageRequest(page);
  for (const [field, id] of [
    ['policy', run?.policyId],
    ['run', run?.runId],
  ] as const) {
    if (typeof id !== 'string' || !OPERATION_ID.test(id)) {
      throw new C2Error(C2ErrorCode.InvalidInput, `"${field}" must be 26 characters of Crockford base32`);
    }
  }
  const record = await policyStoreOf(deps).getRun(caller.tenantId, run.policyId, run.runId);
  if (!record) throw new C2Error(C2ErrorCode.NotFound, `no run ${run.runId} of policy ${run.policyId}`);
  const ids = [...record.operations.map((operation) => operation.id), ...(record.moreOperationIds ?? [])];
  let start = 0;
  if (cursor !== undefined) {
    const match = CURSOR.exec(cursor);
    if (!match || Number(match[1]) >= ids.length) {
      throw new C2Error(C2ErrorCode.InvalidCursor, 'invalid pagination cursor');
    }
    start = Number(match[1]);
  }
  const end = Math.min(start + limit, ids.length);
  // One batched read (the store answers in no order): put back in the run's order.
  const wanted = ids.slice(start, end);
  const byId = new Map((await deps.operations.getOperations(caller.tenantId, wanted)).map((op) => [op.id, op]));
  const items = wanted.flatMap((id) => {
    const operation = byId.get(id);
    return operation && matches(operation, checked) ? [operation] : [];
  });
  return {
    items: items.map(operationView),
    ...(end < ids.length ? { cursor: `r${end}` } : {}),
  };
}
