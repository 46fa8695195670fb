/** Deletes a policy's schedule; none is not an error. */
import { C2Error, C2ErrorCode } from '../errors.js';
import type { Scheduler } from '../ports.js';

export async function removeSchedule(scheduler: Scheduler, tenantId: string, policyId: string): Promise<void> {
  try {
    await scheduler.deleteSchedule(tenantId, policyId);
  } catch (error) {
    if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
  }
}
