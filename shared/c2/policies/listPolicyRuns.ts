import type { C2Deps } from '../C2Deps.js';
import { mapPage } from '../pages.js';
import type { Caller, Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import { type PolicyRunView, policyRunView } from './PolicyRunView.js';
import { policyStoreOf } from './policyStoreOf.js';
import { requirePolicy } from './requirePolicy.js';

/** A policy's runs, newest first, a page at a time; NOT_FOUND without the policy. */
export async function listPolicyRuns(
  deps: C2Deps,
  caller: Caller,
  id: string,
  page: PageRequest,
): Promise<Page<PolicyRunView>> {
  const checked = validatePageRequest(page);
  const policy = await requirePolicy(deps, caller.tenantId, id);
  return mapPage(await policyStoreOf(deps).listRuns(caller.tenantId, policy.id, checked), policyRunView);
}
