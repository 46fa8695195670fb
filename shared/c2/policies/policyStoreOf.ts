import type { C2Deps } from '../C2Deps.js';
import type { PolicyStore } from '../ports/PolicyStore.js';

/** The deps' PolicyStore: a composition without one cannot serve policies (a wiring error, not the caller's). */
export function policyStoreOf(deps: C2Deps): PolicyStore {
  if (!deps.policies) throw new Error('this C2 was composed without a policy store (deps.policies)');
  return deps.policies;
}
