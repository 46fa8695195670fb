/**
 * The tenant's quota of operations asked through the API in progress at once (`maxConcurrentOperations`, default
 * 100): an operation whose actor is an API key (`apikey:<key id>`) and that is no step of another holds one slot of
 * the quota (OperationSlotStore) from its start, or its retry, to its end. Steps of an operation (a deletion's
 * revocations) and runs of rotation policies hold none: they are bounded by what started them; nor does an operation
 * running again to send its key to devices that did not confirm it (checkConfirmations.ts): at most MAX_SENDS times. A slot is taken before
 * the operation is recorded; when every slot is held, those of operations that have finished (an end that could not
 * free its slot: a crash) or were never recorded (a start that failed after taking one) are freed first, then the
 * request is LIMIT_REACHED. Exact under concurrency: a slot is one item taken with a conditional write.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { limitReached, tenantLimits } from '../limits/tenantLimits.js';
import type { OperationSlot } from '../ports/OperationSlotStore.js';
import type { Caller } from '../ports.js';

/** A slot whose operation is not recorded this long after it was taken belongs to a start that failed. */
const UNRECORDED_MS = 60_000;
const ATTEMPTS = 10;

/** Whether an operation of `caller` (a step of another when `parentId` is set) counts against the quota. */
export function holdsSlot(caller: Pick<Caller, 'actor'>, parentId?: string): boolean {
  return parentId === undefined && caller.actor.startsWith('apikey:');
}

/**
 * Takes a slot for `operationId`: true when taken now, false when it held one already; LIMIT_REACHED when the tenant
 * is at its limit.
 */
export async function takeOperationSlot(deps: C2Deps, tenantId: string, operationId: string): Promise<boolean> {
  const { maxConcurrentOperations: max } = await tenantLimits(deps, tenantId);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const held = await deps.operations.listOperationSlots(tenantId);
    if (held.some((slot) => slot.operationId === operationId)) return false;
    const taken = new Set(held.map((slot) => slot.slot));
    // Slots held above a limit lowered since count too: the tenant is full until enough of them are freed.
    const frees =
      held.length >= max ? [] : Array.from({ length: max }, (_, slot) => slot).filter((slot) => !taken.has(slot));
    // A free slot at random: starts at the same moment seldom try the same one.
    const free = frees[Math.floor(Math.random() * frees.length)];
    if (free === undefined) {
      if (await freeAbandoned(deps, tenantId, held)) continue;
      throw limitReached(
        'maxConcurrentOperations',
        max,
        'operations in progress',
        ' (wait for one to finish: GET /v1/operations?status=running)',
      );
    }
    const takenAt = new Date(deps.clock()).toISOString();
    if (await deps.operations.takeOperationSlot(tenantId, { slot: free, operationId, takenAt })) return true;
  }
  throw new C2Error(C2ErrorCode.ConcurrentUpdate, 'operations kept starting at the same time: try again');
}

/** Frees the slot `operationId` holds, if any. */
export async function freeOperationSlot(deps: C2Deps, tenantId: string, operationId: string): Promise<void> {
  const held = await deps.operations.listOperationSlots(tenantId);
  const mine = held.find((slot) => slot.operationId === operationId);
  if (mine) await deps.operations.freeOperationSlot(tenantId, mine.slot, operationId);
}

/**
 * Frees the slots of finished and of never recorded operations; whether it freed any. The operations are read in
 * batches (up to 1,000 slots: ten reads of 100), not one by one.
 */
async function freeAbandoned(deps: C2Deps, tenantId: string, held: readonly OperationSlot[]): Promise<boolean> {
  const now = deps.clock();
  const recorded = await deps.operations.getOperations(
    tenantId,
    held.map((slot) => slot.operationId),
  );
  const byId = new Map(recorded.map((operation) => [operation.id, operation]));
  let freed = false;
  for (const slot of held) {
    const operation = byId.get(slot.operationId);
    const abandoned = operation ? operation.finishedAt !== undefined : now - Date.parse(slot.takenAt) >= UNRECORDED_MS;
    if (abandoned) {
      await deps.operations.freeOperationSlot(tenantId, slot.slot, slot.operationId);
      freed = true;
    }
  }
  return freed;
}
