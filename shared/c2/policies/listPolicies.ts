import type { C2Deps } from '../C2Deps.js';
import { mapPage } from '../pages.js';
import type { Caller, Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import { type PolicyView, policyView } from './PolicyView.js';
import { policyStoreOf } from './policyStoreOf.js';

/** The tenant's policies in creation order, a page at a time. */
export async function listPolicies(deps: C2Deps, caller: Caller, page: PageRequest): Promise<Page<PolicyView>> {
  const result = await policyStoreOf(deps).listPolicies(caller.tenantId, validatePageRequest(page));
  const now = deps.clock();
  return mapPage(result, (record) => policyView(record, now));
}
