/**
 * After a policy's record changed: its schedule put in step at once (syncPolicySchedule.ts) or, when that fails,
 * by the worker (a `policySchedule` work message, retried until it holds), so a committed change never leaves its
 * schedule behind silently. Throws the put's error only when the message could not be queued either.
 */
import type { C2Deps } from '../C2Deps.js';
import { syncPolicySchedule } from './syncPolicySchedule.js';

export async function keepScheduleInStep(deps: C2Deps, tenantId: string, policyId: string): Promise<void> {
  try {
    await syncPolicySchedule(deps, tenantId, policyId);
  } catch (error) {
    await deps.queue.enqueue([{ type: 'policySchedule', tenantId, policyId }]).catch(() => {
      throw error;
    });
  }
}
