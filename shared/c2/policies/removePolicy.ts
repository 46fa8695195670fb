/**
 * Removes a stored policy: its schedule and its age check first (none is fine), then its record (gone already is
 * fine), so that a failure leaves a policy that can be deleted again, never a schedule without its policy.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { ageCheckName } from './ageCheckSchedule.js';
import { policyStoreOf } from './policyStoreOf.js';
import { removeSchedule } from './removeSchedule.js';

export async function removePolicy(deps: C2Deps, tenantId: string, id: string): Promise<void> {
  if (deps.scheduler) {
    await removeSchedule(deps.scheduler, tenantId, id);
    await removeSchedule(deps.scheduler, tenantId, ageCheckName(id));
  }
  try {
    await policyStoreOf(deps).deletePolicy(tenantId, id);
  } catch (error) {
    if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
  }
}
