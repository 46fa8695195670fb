/**
 * Deletes a policy (NOT_FOUND when there is none): its schedules first, then the record (removePolicy.ts); its runs are
 * no longer listed and expire with the event log. Recorded there (`policy.delete`).
 */
import type { C2Deps } from '../C2Deps.js';
import { audited } from '../events/audited.js';
import type { Caller } from '../ports.js';
import { removePolicy } from './removePolicy.js';
import { requirePolicy } from './requirePolicy.js';

export async function deletePolicy(deps: C2Deps, caller: Caller, id: string): Promise<{ id: string; deleted: true }> {
  // A policy that is not there is no change: answered, not recorded.
  const { id: stored } = await requirePolicy(deps, caller.tenantId, id);
  return audited(deps, caller, 'policy.delete', { type: 'policy', name: stored }, async () => {
    await removePolicy(deps, caller.tenantId, stored);
    return { value: { id: stored, deleted: true as const } };
  });
}
