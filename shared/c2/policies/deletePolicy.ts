/**
 * Deletes a policy (NOT_FOUND when there is none): its schedules first, then the record (removePolicy.ts); its runs are
 * no longer listed and expire with the event log.
 */
import type { C2Deps } from '../C2Deps.js';
import type { Caller } from '../ports.js';
import { removePolicy } from './removePolicy.js';
import { requirePolicy } from './requirePolicy.js';

export async function deletePolicy(deps: C2Deps, caller: Caller, id: string): Promise<{ id: string; deleted: true }> {
  const { id: stored } = await requirePolicy(deps, caller.tenantId, id);
  await removePolicy(deps, caller.tenantId, stored);
  return { id: stored, deleted: true };
}
