/**
 * Keeps a policy's schedules (deps.scheduler; nothing without one) in step with the policy as stored: its schedule
 * (scheduleOfPolicy.ts) and its hourly age check (ageCheckSchedule.ts) put from the stored record, each deleted when
 * the policy has none or is gone. The record is read again after each round and the round repeated while it changed
 * meanwhile, so two changes racing leave the schedules of the later one (and a deletion racing a change leaves none). A failure is the caller's error: a change queues the sync
 * for the worker then (keepScheduleInStep.ts), which tries again until it holds.
 */
import type { C2Deps } from '../C2Deps.js';
import type { Scheduler, ScheduleSpec } from '../ports.js';
import { ageCheckName, ageCheckOf } from './ageCheckSchedule.js';
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
    await putOrRemove(scheduler, tenantId, policyId, policy && scheduleOfPolicy(policy, deps.clock()));
    await putOrRemove(scheduler, tenantId, ageCheckName(policyId), policy && ageCheckOf(policy));
    const now = await store.getPolicy(tenantId, policyId);
    if (now?.revision === policy?.revision) return;
    policy = now;
  }
}

function putOrRemove(scheduler: Scheduler, tenantId: string, name: string, spec: ScheduleSpec | undefined) {
  return spec ? scheduler.putSchedule(tenantId, spec) : removeSchedule(scheduler, tenantId, name);
}
