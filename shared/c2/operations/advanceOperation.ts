/** Advances an operation by one step (being written: the engine of the durable-operations issue). */
import type { C2Deps } from '../C2Deps.js';
import type { OperationMessage } from '../ports/WorkQueue.js';
import type { WorkOptions } from './handleWork.js';

export async function advanceOperation(
  _deps: C2Deps,
  _message: OperationMessage,
  _options: WorkOptions,
): Promise<void> {
  throw new Error('operations are not carried out yet');
}
