/**
 * The OperationStore of a composition. Optional in C2Deps while composition roots are being given one: a use case
 * that needs it and finds none fails as a server error (500, logged), never as the caller's fault.
 */
import type { C2Deps } from '../C2Deps.js';
import type { OperationStore } from '../ports/OperationStore.js';

export function operationStoreOf(deps: C2Deps): OperationStore {
  if (!deps.operations) {
    throw new Error('no OperationStore in C2Deps: the composition root must provide deps.operations');
  }
  return deps.operations;
}
