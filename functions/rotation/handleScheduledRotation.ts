/**
 * The target of the policies' EventBridge Scheduler schedules (shared/c2/policies/syncPolicySchedule.ts): the input
 * `{ tenantId, policyId, scheduledTime }` runs the policy (runPolicy, reason `schedule`, actor `scheduler`), which
 * starts its operations (the worker carries them out) and records the run. The Scheduler delivers a run at least
 * once: runPolicy is idempotent per scheduled time, so a run delivered twice rotates once and answers with the
 * first's record. A malformed input, or a policy that no longer exists, is reported (and not retried). The input
 * of a policy's age check (`check: 'key.age'`) runs checkKeyAge instead (each old key rotated once).
 */
import * as z from 'zod';
import { validateTenantId } from '../../shared/c2/apiKeys/validateTenantId.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { C2Error, C2ErrorCode } from '../../shared/c2/errors.js';
import { AGE_CHECK } from '../../shared/c2/policies/ageCheckSchedule.js';
import { checkKeyAge } from '../../shared/c2/policies/checkKeyAge.js';
import { runPolicy } from '../../shared/c2/policies/runPolicy.js';
import type { RunOutcome } from '../../shared/c2/ports/PolicyStore.js';

const ScheduledRunSchema = z.object({
  tenantId: z.string().min(1).max(63),
  policyId: z.string().min(1).max(64),
  scheduledTime: z.iso.datetime(),
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

export async function handleScheduledRotation(deps: C2Deps, input: unknown): Promise<ScheduledRotationOutcome> {
  const parsed = ScheduledRunSchema.safeParse(input);
  if (!parsed.success) return { status: 'skipped', reason: `malformed input: ${parsed.error.issues[0]?.message}` };
  const { tenantId, policyId, scheduledTime, check } = parsed.data;
  try {
    validateTenantId(tenantId);
  } catch {
    return { status: 'skipped', reason: 'malformed input: tenantId' };
  }
  try {
    if (check === AGE_CHECK) {
      const runs = await checkKeyAge(deps, { tenantId, actor: 'scheduler' }, policyId);
      return {
        status: 'checked',
        runIds: runs.map(({ run }) => run.id),
        operationIds: runs.flatMap(({ run }) => run.operations.map((operation) => operation.id)),
      };
    }
    const { run } = await runPolicy(deps, { tenantId, actor: 'scheduler' }, policyId, {
      reason: 'schedule',
      scheduledTime,
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
