/**
 * Keeps a policy's schedule (deps.scheduler; nothing without one) in step with the policy as stored: put from the
 * stored record (scheduleOfPolicy.ts), deleted when the policy has no schedule or is gone. The record is read again
 * after each put and the put repeated while it changed meanwhile, so two changes racing leave the schedule of the
 * later one (and a deletion racing a change leaves none). A failure is the caller's error: a change queues the sync
 * for the worker then (keepScheduleInStep.ts), which tries again until it holds.
 */
import type { C2Deps } from '../C2Deps.js';
import { policyStoreOf } from './policyStoreOf.js';
import { removeSchedule } from './removeSchedule.js';
import { scheduleOfPolicy } from './scheduleOfPolicy.js';

/** Puts before giving up on a policy that keeps changing (the last change's own call puts it). */
const MAX_PUTS = 3;

export async function syncPolicySchedule(deps: C2Deps, tenantId: string, policyId: string): Promise<void> {
  const { scheduler } = deps;
  if (!scheduler) return;
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
