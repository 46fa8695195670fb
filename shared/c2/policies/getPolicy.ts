import type { C2Deps } from '../C2Deps.js';
import type { Caller } from '../ports.js';
import { type PolicyView, policyView } from './PolicyView.js';
import { requirePolicy } from './requirePolicy.js';

/** One policy of the caller's tenant; NOT_FOUND when there is none. */
export async function getPolicy(deps: C2Deps, caller: Caller, id: string): Promise<PolicyView> {
  return policyView(await requirePolicy(deps, caller.tenantId, id), deps.clock());
}
