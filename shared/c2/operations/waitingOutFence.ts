/**
 * An operation's step refused by the tenant's fence (its sender could not enter: the C2 key is being replaced, see
 * c2key/tenantFence.ts) is queued again a little later instead of failing: nothing it did is lost (a page is
 * committed only once sent, and a step is safe to repeat), and it goes on once the new key is in force.
 */
import type { C2Deps } from '../C2Deps.js';
import { FENCED_RETRY_MS, FencedOut } from '../c2key/tenantFence.js';
import type { OperationMessage } from '../ports/WorkQueue.js';
import { queueAgain } from './queueAgain.js';

export async function waitingOutFence(deps: C2Deps, message: OperationMessage, step: Promise<void>): Promise<void> {
  try {
    await step;
  } catch (error) {
    if (!(error instanceof FencedOut)) throw error;
    const operation = await deps.operations.getOperation(message.tenantId, message.operationId);
    if (operation) await queueAgain(deps, operation, { minMs: FENCED_RETRY_MS, maxMs: FENCED_RETRY_MS });
  }
}
