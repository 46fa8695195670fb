/**
 * Deletes a policy (NOT_FOUND when there is none): its schedule and its age check first (none is fine), then the record, so that a
 * failure leaves a policy the caller can delete again; its runs are no longer listed and expire with the event log.
 */
import type { C2Deps } from '../C2Deps.js';
import type { Caller } from '../ports.js';
import { ageCheckName } from './ageCheckSchedule.js';
import { policyStoreOf } from './policyStoreOf.js';
import { requirePolicy } from './requirePolicy.js';
import { removeSchedule } from './syncPolicySchedule.js';

export async function deletePolicy(deps: C2Deps, caller: Caller, id: string): Promise<{ id: string; deleted: true }> {
  const { id: stored } = await requirePolicy(deps, caller.tenantId, id);
  if (deps.scheduler) await removeSchedule(deps.scheduler, caller.tenantId, stored);
  if (deps.scheduler) await removeSchedule(deps.scheduler, caller.tenantId, ageCheckName(stored));
  await policyStoreOf(deps).deletePolicy(caller.tenantId, stored);
  return { id: stored, deleted: true };
}
