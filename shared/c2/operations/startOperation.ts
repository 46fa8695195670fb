/**
 * Starts an operation: records it (status `pending`) with the key it installs, minted here once and enveloped, then
 * hands it to the work queue, with a watch that queues it again should its messages be lost (watchOperation.ts).
 * Nothing is sent before the record exists, so a crash at any point leaves either no
 * change at all or a visible operation that the worker carries out (and a retry of the request with the same
 * idempotency key answers with that same operation, queued again if it has not finished: the message may be what
 * was lost). An operation that starts another as one of its steps (a client deletion's revocations, the resyncs
 * after a new identity key or C2 key) uses {@link startStep}: a refusal fails that operation visibly.
 */
import { KEY_LEN } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { OperationKind, OperationOptions, OperationRecord, OperationTarget } from '../ports/OperationStore.js';
import type { Caller } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { newOperationId } from './newOperationId.js';
import { operationKeyBinding } from './operationKeyBinding.js';
import { freeOperationSlot, holdsSlot, takeOperationSlot } from './operationSlots.js';
import { startWatch } from './watchOperation.js';

export interface OperationRequest {
  readonly kind: OperationKind;
  readonly target: OperationTarget;
  /** Mint the key the operation installs (a topic rotation or revocation). */
  readonly mintsKey: boolean;
  /** The request's `Idempotency-Key`: the same key (a day long) answers with the same operation. */
  readonly idempotencyKey?: string;
  /** The operation this one is a step of (see OperationRecord.parentId). */
  readonly parentId?: string;
  readonly options?: OperationOptions;
}

export interface StartedOperation {
  readonly operation: OperationRecord;
  /** False when an earlier request (same idempotency key, or a rotation it joined) had recorded it. */
  readonly created: boolean;
}

export async function startOperation(
  deps: C2Deps,
  caller: Caller,
  request: OperationRequest,
): Promise<StartedOperation> {
  const { operations, queue } = deps;
  const id = newOperationId(deps);
  const now = new Date(deps.clock()).toISOString();
  const key = request.mintsKey ? randomBytesOf(deps)(KEY_LEN) : undefined;
  let wrappedKey: Uint8Array | undefined;
  try {
    wrappedKey = key && (await deps.vault.wrap(key, operationKeyBinding(caller.tenantId, id)));
  } finally {
    key?.fill(0);
  }
  const record: OperationRecord = {
    tenantId: caller.tenantId,
    id,
    kind: request.kind,
    target: request.target,
    actor: caller.actor,
    ...(request.parentId === undefined ? {} : { parentId: request.parentId }),
    ...(request.options === undefined ? {} : { options: request.options }),
    createdAt: now,
    updatedAt: now,
    status: 'pending',
    counts: { total: 0, pending: 0, sent: 0, confirmed: 0, failed: 0 },
    ...(wrappedKey ? { wrappedKey } : {}),
    revision: 1,
  };
  // The tenant's quota of operations in progress (operationSlots.ts): a slot first, freed if none is recorded.
  const slotted = holdsSlot(caller, request.parentId);
  if (slotted) {
    try {
      await takeOperationSlot(deps, caller.tenantId, id);
    } catch (error) {
      // At the limit, a repeat of a request that was recorded still answers with its operation.
      const earlier =
        error instanceof C2Error && error.code === C2ErrorCode.LimitReached && request.idempotencyKey !== undefined
          ? await operations.operationOfIdempotencyKey(caller.tenantId, request.idempotencyKey)
          : undefined;
      if (!earlier || earlier.kind !== request.kind || earlier.target.name !== request.target.name) throw error;
      return { operation: earlier, created: false };
    }
  }
  let started: StartedOperation;
  try {
    started = await operations.createOperation(
      record,
      request.idempotencyKey === undefined ? {} : { idempotencyKey: request.idempotencyKey },
    );
  } catch (error) {
    if (slotted) await freeOperationSlot(deps, caller.tenantId, id).catch(() => undefined);
    throw error;
  }
  if (slotted && started.operation.id !== id) {
    // The operation an earlier request with this idempotency key recorded (or claimed and this one recorded): the
    // slot taken for this id goes back; one it recorded just now takes a slot of its own if one is free (it goes on
    // either way: it is recorded).
    await freeOperationSlot(deps, caller.tenantId, id);
    if (started.created) await takeOperationSlot(deps, caller.tenantId, started.operation.id).catch(() => undefined);
  }
  if (started.operation.finishedAt === undefined) {
    const operationId = started.operation.id;
    // A repeat of a request whose operation never started may be one whose messages were lost: watched again.
    if (started.created || started.operation.status === 'pending') await startWatch(deps, caller.tenantId, operationId);
    await queue.enqueue([{ type: 'operation', tenantId: caller.tenantId, operationId }]);
  }
  return started;
}

/**
 * Starts an operation as a step of another; a refusal of the request (INVALID_INPUT: its idempotency key was claimed
 * by another change, e.g. an API request that chose the same key) is returned as the error the calling operation
 * finishes with: thrown, it would be handed back by the queue again and again, refused every time.
 */
export async function startStep(
  deps: C2Deps,
  caller: Caller,
  request: OperationRequest,
): Promise<StartedOperation | { readonly refused: { readonly code: string; readonly message: string } }> {
  try {
    return await startOperation(deps, caller, request);
  } catch (error) {
    if (!(error instanceof C2Error && error.code === C2ErrorCode.InvalidInput)) throw error;
    const message = `the ${request.kind} operation of ${request.target.type} "${request.target.name}" could not be started: ${error.message}`;
    return { refused: { code: error.code, message } };
  }
}
