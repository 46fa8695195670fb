/**
/**
 * A due run of a policy's schedule (syncPolicySchedule.ts), as the AWS rotation function (EventBridge Scheduler's
 * target) and local mode's scheduler hand it over: the input `{ tenantId, policyId, scheduledTime, missed? }` runs
 * the policy (runPolicy, reason `schedule`, actor `scheduler`), which starts its operations (the worker carries them
 * out) and records the run. The Scheduler delivers a run at least once: runPolicy is idempotent per scheduled time,
 * so a run delivered twice rotates once and answers with the first's record. The input of a policy's age check
 * (`check: 'key.age'`, ageCheckSchedule.ts) runs checkKeyAge instead (each old key rotated once). A malformed input,
 * or a policy that no longer exists (its schedules are then deleted by the worker), is reported and not retried; any
 * other failure is thrown, for the Scheduler to retry (then its dead-letter queue).
 */
import * as z from 'zod';
import { validateTenantId } from '../apiKeys/validateTenantId.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { OPERATION_ID } from '../operations/newOperationId.js';
import type { RunOutcome } from '../ports/PolicyStore.js';
import { AGE_CHECK } from './ageCheckSchedule.js';
import { checkKeyAge } from './checkKeyAge.js';
import { runPolicy } from './runPolicy.js';

const ScheduledRunSchema = z.object({
  tenantId: z.string().min(1).max(63),
  policyId: z.string().min(1).max(64),
  scheduledTime: z.iso.datetime(),
  missed: z.boolean().optional(),
  /** The policy's hourly `key.age` check (ageCheckSchedule.ts) rather than a run. */
  check: z.literal(AGE_CHECK).optional(),
});

export type ScheduledRotationOutcome =
  | {
      readonly status: 'ran';
      readonly runId: string;
      readonly outcome: RunOutcome;
      readonly operationIds: readonly string[];
    }
  | { readonly status: 'checked'; readonly runIds: readonly string[]; readonly operationIds: readonly string[] }
  | { readonly status: 'skipped'; readonly reason: string };

export async function handleScheduledRun(deps: C2Deps, input: unknown): Promise<ScheduledRotationOutcome> {
  const parsed = ScheduledRunSchema.safeParse(input);
  if (!parsed.success) return { status: 'skipped', reason: `malformed input: ${parsed.error.issues[0]?.message}` };
  const { tenantId, policyId, scheduledTime, missed, check } = parsed.data;
  try {
    validateTenantId(tenantId);
  } catch {
    return { status: 'skipped', reason: 'malformed input: tenantId' };
  }
  try {
    if (check === AGE_CHECK) {
      const runs = await checkKeyAge(deps, { tenantId, actor: 'scheduler' }, policyId).catch(async (error: unknown) => {
        // A check left by a policy gone: the worker deletes it (syncPolicySchedule.ts).
        const gone = error instanceof C2Error && error.code === C2ErrorCode.NotFound && OPERATION_ID.test(policyId);
        if (gone) await deps.queue.enqueue([{ type: 'policySchedule', tenantId, policyId }]);
        throw error;
      });
      return {
        status: 'checked',
        runIds: runs.map(({ run }) => run.id),
        operationIds: runs.flatMap(({ run }) => run.operations.map((operation) => operation.id)),
      };
    }
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
