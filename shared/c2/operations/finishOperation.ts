/**
 * The end of an operation: its outcome recorded in the event log (the operation record is the intent, this entry
 * the outcome), then its final status: `failed` with an error when it could not be carried out, else `partial` when
 * some devices' commands failed, `succeeded` when every device's command was taken by the broker (or confirmed).
 * Devices that confirm what they apply and have not yet are looked at later (checkConfirmations.ts). An operation
 * finished again (a retry, a resend) gets an entry for each end (the id holds the operation's revision). Safe to
 * repeat: the event is the operation's (its id and time are the operation's creation: the log lists it where
 * it was asked for, its end in its details), so a second write finds it there.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { OperationRecord, OperationStatus } from '../ports/OperationStore.js';
import { CONFIRMATION_DELAY_MS } from './checkConfirmations.js';
import { freeOperationSlot, holdsSlot } from './operationSlots.js';

export async function finishOperation(
  deps: C2Deps,
  operation: OperationRecord,
  failure?: { readonly code: string; readonly message: string },
  options: { readonly failed?: boolean; readonly details?: Readonly<Record<string, unknown>> } = {},
): Promise<OperationRecord> {
  const { operations } = deps;
  const at = new Date(deps.clock()).toISOString();
  const { pending } = operation.counts;
  // Devices the fan-out did not reach (a page that failed and was not sent again) make it partial, never succeeded.
  const error =
    failure ??
    (pending > 0 ? { code: 'INCOMPLETE', message: `${pending} devices were not sent their command` } : undefined);
  const status: OperationStatus =
    options.failed || (error && operation.status !== 'running')
      ? 'failed'
      : error || operation.counts.failed > 0
        ? 'partial'
        : 'succeeded';
  const { tenantId, id, kind, target, keyVersion, counts, actor } = operation;
  try {
    await deps.store.appendEvent({
      tenantId,
      id: `${operation.createdAt}#${id}#${operation.revision}`,
      at: operation.createdAt,
      actor,
      action: kind,
      target,
      result: status === 'failed' ? 'error' : 'ok',
      ...(error ? { errorCode: error.code } : {}),
      details: {
        operationId: id,
        status,
        finishedAt: at,
        ...(keyVersion === undefined ? {} : { keyVersion }),
        counts,
        ...options.details,
      },
    });
  } catch (failure) {
    if (!(failure instanceof C2Error && failure.code === C2ErrorCode.AlreadyExists)) throw failure;
  }
  const finished = await operations.updateOperation(
    tenantId,
    id,
    { status, finishedAt: at, updatedAt: at, ...(error ? { error } : {}) },
    operation.revision,
  );
  // Its slot of the tenant's quota (one that fails to go back is freed when the quota is next full).
  if (holdsSlot(operation, operation.parentId)) await freeOperationSlot(deps, tenantId, id).catch(() => undefined);
  if (status !== 'failed' && keyVersion !== undefined && finished.counts.sent > 0) {
    await deps.queue.enqueue([{ type: 'confirmation', tenantId, operationId: id }], {
      delayMs: CONFIRMATION_DELAY_MS,
    });
  }
  return finished;
}
