/**
 * Deletes the policies that name one topic or client (target `{ topic }` or `{ client }`), with their schedules,
 * when that topic or client is deleted: nothing is left to rotate, and a schedule would fire for nothing. Policies
 * naming a prefix or all topics stay (they match names made later). Returns the ids deleted.
 */
import type { C2Deps } from '../C2Deps.js';
import { eachPage } from '../pages.js';
import type { PolicyRecord } from './PolicyRecord.js';
import { policyStoreOf } from './policyStoreOf.js';
import { removePolicy } from './removePolicy.js';

export async function deletePoliciesNaming(
  deps: C2Deps,
  tenantId: string,
  named: { readonly topic: string } | { readonly client: string },
): Promise<string[]> {
  const names = (policy: PolicyRecord) =>
    'topic' in named
      ? 'topic' in policy.target && policy.target.topic === named.topic
      : 'client' in policy.target && policy.target.client === named.client;
  const store = policyStoreOf(deps);
  const deleted: string[] = [];
  for await (const policies of eachPage((page) => store.listPolicies(tenantId, page))) {
    for (const policy of policies.filter(names)) {
      await removePolicy(deps, tenantId, policy.id);
      deleted.push(policy.id);
    }
  }
  return deleted;
}
