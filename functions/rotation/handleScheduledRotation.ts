/**
 * The target of EventBridge Scheduler schedules (the automation issue creates them): `{ tenantId, action: 'rotate-topic',
 * topic }` starts a rotation of the topic's key, as `POST /v1/topics/{hash}/rotate` does (an operation the worker
 * carries out), with the actor `scheduler:<schedule>`. The Scheduler delivers a run at least once: `scheduledTime` (the
 * time the run was due, which the Scheduler fills in) makes, with the schedule and the topic, the idempotency key of the rotation, so a run delivered
 * twice starts one operation (the operation store's idempotency keys, as for the API's `Idempotency-Key`).
 * A malformed input is reported (and not retried by the scheduler); a topic that no longer exists is a no-op.
 */
import * as z from 'zod';
import { validateTenantId } from '../../shared/c2/apiKeys/validateTenantId.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { C2Error, C2ErrorCode } from '../../shared/c2/errors.js';
import { rotateTopicKey } from '../../shared/c2/topics/rotateTopicKey.js';
import { bytesToHex, sha3 } from '../../shared/e4/index.js';

const ScheduledRotationSchema = z.object({
  tenantId: z.string().min(1).max(63),
  action: z.literal('rotate-topic'),
  topic: z.string().min(1).max(512),
  schedule: z.string().max(64).optional(),
  scheduledTime: z.iso.datetime().optional(),
});

export type ScheduledRotationOutcome =
  | { readonly status: 'started'; readonly operationId: string; readonly created: boolean }
  | { readonly status: 'skipped'; readonly reason: string };

/**
 * The idempotency key of one run: the schedule and the topic hashed (names may hold any character, and two schedules
 * without a name firing at the same time must not share a key), then the time it was due.
 */
function runKey(schedule: string | undefined, topic: string, scheduledTime: string): string {
  const named = sha3(new TextEncoder().encode(`${schedule ?? ''}\n${topic}`)).subarray(0, 16);
  return `schedule:${bytesToHex(named)}:${scheduledTime}`;
}

export async function handleScheduledRotation(deps: C2Deps, input: unknown): Promise<ScheduledRotationOutcome> {
  const parsed = ScheduledRotationSchema.safeParse(input);
  if (!parsed.success) return { status: 'skipped', reason: `malformed input: ${parsed.error.issues[0]?.message}` };
  const { tenantId, topic, schedule, scheduledTime } = parsed.data;
  try {
    validateTenantId(tenantId);
  } catch {
    return { status: 'skipped', reason: 'malformed input: tenantId' };
  }
  try {
    const { operation, created } = await rotateTopicKey(
      deps,
      { tenantId, actor: `scheduler:${schedule ?? 'unnamed'}` },
      topic,
      scheduledTime === undefined ? {} : { idempotencyKey: runKey(schedule, topic, scheduledTime) },
    );
    return { status: 'started', operationId: operation.id, created };
  } catch (error) {
    if (error instanceof C2Error && (error.code === C2ErrorCode.NotFound || error.code === C2ErrorCode.InvalidInput)) {
      return { status: 'skipped', reason: error.message };
    }
    throw error;
  }
}
