/**
 * Keeps a policy's schedule (deps.scheduler; nothing without one) in step with the policy as stored: put from the
 * stored record (scheduleOfPolicy.ts), deleted when the policy has no schedule or is gone (NOT_FOUND tolerated).
 * The record is read again after each put and the put repeated while it changed meanwhile, so two changes racing
 * leave the schedule of the later one. A failure is the caller's error, never swallowed: a change whose record was
 * written but whose schedule was not answers with it, and the same change sent again puts it (see replacePolicy.ts).
 * A schedule left behind by a policy deleted meanwhile only starts runs that find no policy (the rotation function
 * skips them). The policy's hourly `key.age` check (ageCheckSchedule.ts) is put or deleted first.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { Scheduler } from '../ports.js';
import { syncAgeCheck } from './ageCheckSchedule.js';
import { policyStoreOf } from './policyStoreOf.js';
import { scheduleOfPolicy } from './scheduleOfPolicy.js';

/** Puts before giving up on a policy that keeps changing (the last change's own call puts it). */
const MAX_PUTS = 3;

export async function syncPolicySchedule(deps: C2Deps, tenantId: string, policyId: string): Promise<void> {
  const { scheduler } = deps;
  if (!scheduler) return;
  await syncAgeCheck(deps, tenantId, policyId);
  const store = policyStoreOf(deps);
  let policy = await store.getPolicy(tenantId, policyId);
  for (let put = 0; put < MAX_PUTS; put++) {
    const schedule = policy && scheduleOfPolicy(policy, deps.clock());
    if (!schedule) return removeSchedule(scheduler, tenantId, policyId);
    await scheduler.putSchedule(tenantId, schedule);
    const now = await store.getPolicy(tenantId, policyId);
    if (now?.revision === policy?.revision) return;
    policy = now;
  }
}

/** Deletes the policy's schedule; none is not an error. */
export async function removeSchedule(scheduler: Scheduler, tenantId: string, policyId: string): Promise<void> {
  try {
    await scheduler.deleteSchedule(tenantId, policyId);
  } catch (error) {
    if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
  }
}
