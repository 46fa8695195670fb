/**
 * A due run of a policy's schedule (syncPolicySchedule.ts), as the AWS rotation function (EventBridge Scheduler's
 * target) and local mode's scheduler hand it over: the input `{ tenantId, policyId, scheduledTime, missed? }` runs
 * the policy (runPolicy, reason `schedule`, actor `scheduler`), which starts its operations (the worker carries them
 * out) and records the run. The Scheduler delivers a run at least once: runPolicy is idempotent per scheduled time,
 * so a run delivered twice rotates once and answers with the first's record. A malformed input, or a policy that no
 * longer exists (its schedule is then deleted by the worker), is reported and not retried; any other failure is
 * thrown, for the Scheduler to retry (then its dead-letter queue).
 */
import * as z from 'zod';
import { validateTenantId } from '../apiKeys/validateTenantId.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { RunOutcome } from '../ports/PolicyStore.js';
import { runPolicy } from './runPolicy.js';

const ScheduledRunSchema = z.object({
  tenantId: z.string().min(1).max(63),
  policyId: z.string().min(1).max(64),
  scheduledTime: z.iso.datetime(),
  missed: z.boolean().optional(),
});

export type ScheduledRotationOutcome =
  | {
      readonly status: 'ran';
      readonly runId: string;
      readonly outcome: RunOutcome;
      readonly operationIds: readonly string[];
    }
  | { readonly status: 'skipped'; readonly reason: string };

export async function handleScheduledRun(deps: C2Deps, input: unknown): Promise<ScheduledRotationOutcome> {
  const parsed = ScheduledRunSchema.safeParse(input);
  if (!parsed.success) return { status: 'skipped', reason: `malformed input: ${parsed.error.issues[0]?.message}` };
  const { tenantId, policyId, scheduledTime, missed } = parsed.data;
  try {
    validateTenantId(tenantId);
  } catch {
    return { status: 'skipped', reason: 'malformed input: tenantId' };
  }
  try {
    const { run } = await runPolicy(deps, { tenantId, actor: 'scheduler' }, policyId, {
      reason: 'schedule',
      scheduledTime,
      ...(missed ? { missed } : {}),
    });
    return {
      status: 'ran',
      runId: run.id,
      outcome: run.outcome,
      operationIds: run.operations.map((operation) => operation.id),
    };
  } catch (error) {
    if (error instanceof C2Error && (error.code === C2ErrorCode.NotFound || error.code === C2ErrorCode.InvalidInput)) {
      return { status: 'skipped', reason: error.message };
    }
    throw error;
  }
}
