/**
 * Runs a policy: one operation per name its target stands for now (policyTargetNames.ts), started by the use case
 * of its action (rotateTopicKey, newClientKey, rotateC2Key), then the run recorded with those operations (the first
 * {@link RUN_OPERATIONS_LISTED} with their targets, the ids of the rest). A disabled policy runs only when asked by
 * hand (a scheduled or event run of it is recorded `skipped`).
 *
 * A run never rotates twice: it has a key (a scheduled run: its scheduled time; a manual one: the request's
 * Idempotency-Key, or nothing), from which come its id (sortable by its time; for a manual run, its random part)
 * and the idempotency key of each of its operations (`policy:<policy id>:<hash of the run key and the target>`). A
 * scheduled run repeated (a retried invocation) finds its record and answers with it; one cut short before its
 * record starts the same operations again, which answer with those it started (for a day, as every idempotency key:
 * longer than the Scheduler retries a run). A manual run repeated with the same Idempotency-Key finds the first's
 * record among the policy's latest runs and answers with it.
 *
 * A scheduled run checks its schedule against the policy: for a policy gone, or a time that is not one of the
 * policy's runs now (a schedule left behind by a change whose put failed), it starts nothing (the latter recorded
 * `skipped`, STALE_SCHEDULE) and queues the schedule's sync for the worker (`policySchedule`), which deletes or
 * puts it again.
 *
 * An event run (policies/countLinkChange.ts, fireRemovalWindow.ts, checkKeyAge.ts) runs on the one name of its event
 * (a topic, a client, or the tenant), its key given by the trigger (a counter's generation, a removal window, a key
 * version), so that a run repeated (a redelivery, a crash) rotates once.
 */
import { bytesToHex, sha3, utf8 } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { rotateC2Key } from '../c2key/rotateC2Key.js';
import { newClientKey } from '../clients/newClientKey.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { newOperationId, OPERATION_ID } from '../operations/newOperationId.js';
import type { StartedOperation } from '../operations/startOperation.js';
import type { OperationRecord } from '../ports/OperationStore.js';
import { type PolicyRunRecord, RUN_OPERATIONS_LISTED, type RunEvent } from '../ports/PolicyStore.js';
import type { Caller } from '../ports.js';
import { rotateTopicKey } from '../topics/rotateTopicKey.js';
import { isRunTimeOf } from './isRunTimeOf.js';
import type { PolicyAction, PolicyRecord } from './PolicyRecord.js';
import { policyStoreOf } from './policyStoreOf.js';
import { policyTargetNames, type TargetNames } from './policyTargetNames.js';
import { requirePolicy } from './requirePolicy.js';

/** The most operations one run starts (a target matching more fails before starting any). */
export const MAX_RUN_OPERATIONS = 1000;
/** How many of a policy's latest runs a repeated manual run looks through for its first record. */
const RECENT_RUNS = 100;
/** The time part of a run id (operations/newOperationId.ts). */
const TIME_CHARS = 10;

export type RunTrigger =
  | { readonly reason: 'manual'; readonly idempotencyKey?: string }
  | {
      readonly reason: 'schedule';
      readonly scheduledTime: string;
      /** It stands for runs that fell due while nothing ran the schedule (local mode's scheduler, once restarted). */
      readonly missed?: boolean;
    }
  | {
      readonly reason: 'event';
      /** The event, and the one name the run rotates. */
      readonly event: RunEvent;
      /** What makes a repeat the same run (the counter and its generation). */
      readonly key: string;
      /** ISO 8601: the time of the event that made it due. */
      readonly at: string;
    };

export interface PolicyRun {
  readonly run: PolicyRunRecord;
  /** The operations of the run, as they are now. */
  readonly operations: OperationRecord[];
}

const hashHex = (text: string, bytes: number) => bytesToHex(sha3(utf8(text)).subarray(0, bytes));

/** When the run happens (ms), and its key (what makes a repeat the same run), if it has one. */
function timingOf(deps: C2Deps, trigger: RunTrigger): { at: number; key?: string } {
  if (trigger.reason === 'manual') {
    const at = deps.clock();
    return trigger.idempotencyKey === undefined ? { at } : { at, key: `manual:${trigger.idempotencyKey}` };
  }
  const at = Date.parse(trigger.reason === 'event' ? trigger.at : trigger.scheduledTime);
  if (!Number.isFinite(at)) throw new C2Error(C2ErrorCode.InvalidInput, 'the scheduled time must be an ISO 8601 time');
  if (trigger.reason === 'event') return { at, key: `event:${trigger.key}` };
  return { at, key: `${trigger.reason}:${new Date(at).toISOString()}` };
}

/** Starts the action's operation on one name. */
function startAction(
  deps: C2Deps,
  caller: Caller,
  action: PolicyAction,
  name: string,
  idempotencyKey: string,
): Promise<StartedOperation> {
  switch (action) {
    case 'rotate-topic-key':
      return rotateTopicKey(deps, caller, name, { idempotencyKey });
    case 'new-client-key':
      return newClientKey(deps, caller, name, { idempotencyKey });
    case 'rotate-c2-key':
      return rotateC2Key(deps, caller, { idempotencyKey });
  }
}

/** The one name of an event run. */
function eventTarget(event: RunEvent): TargetNames {
  if (event.topic !== undefined) return { kind: 'topic', names: [event.topic] };
  if (event.client !== undefined) return { kind: 'client', names: [event.client] };
  return { kind: 'tenant' };
}

/**
 * Starts the operations; stops at the first error (a C2Error), which the run records, except a name of a prefix or
 * all topics gone since it was listed (NOT_FOUND), which is left out.
 */
async function startAll(
  deps: C2Deps,
  caller: Caller,
  policy: PolicyRecord,
  runKey: string,
  event: RunEvent | undefined,
): Promise<{ started: StartedOperation[]; error?: { code: string; message: string } }> {
  const started: StartedOperation[] = [];
  try {
    const targets: TargetNames = event
      ? eventTarget(event)
      : await policyTargetNames(deps, caller.tenantId, policy.target, MAX_RUN_OPERATIONS);
    const names = targets.kind === 'tenant' ? ['c2'] : targets.names;
    const listed = !('topic' in policy.target || 'client' in policy.target);
    for (const name of names) {
      const key = `policy:${policy.id}:${hashHex(`${runKey}\n${targets.kind}\n${name}`, 20)}`;
      try {
        started.push(await startAction(deps, caller, policy.action, name, key));
      } catch (error) {
        if (!(listed && error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
      }
    }
    return { started };
  } catch (error) {
    if (!(error instanceof C2Error)) throw error;
    return { started, error: { code: error.code, message: error.message } };
  }
}

export async function runPolicy(deps: C2Deps, caller: Caller, id: string, trigger: RunTrigger): Promise<PolicyRun> {
  const store = policyStoreOf(deps);
  const policy = await requirePolicy(deps, caller.tenantId, id).catch(async (error: unknown) => {
    if (trigger.reason === 'schedule' && OPERATION_ID.test(id)) await syncLater(deps, caller.tenantId, id);
    throw error;
  });
  const timing = timingOf(deps, trigger);
  const runId = newOperationId(
    timing.key === undefined
      ? { clock: () => timing.at, ...(deps.random ? { random: deps.random } : {}) }
      : { clock: () => timing.at, random: (length) => sha3(utf8(timing.key!)).slice(0, length) },
  );
  const stored =
    trigger.reason !== 'manual'
      ? await store.getRun(caller.tenantId, policy.id, runId)
      : timing.key === undefined
        ? undefined
        : await earlierRun(deps, caller.tenantId, policy.id, runId);
  if (stored) return { run: stored, operations: await operationsOf(deps, stored) };
  const base = {
    tenantId: caller.tenantId,
    policyId: policy.id,
    id: runId,
    at: new Date(timing.at).toISOString(),
    reason: trigger.reason,
    ...(trigger.reason === 'schedule' ? { scheduledTime: new Date(timing.at).toISOString() } : {}),
    ...(trigger.reason === 'schedule' && trigger.missed ? { missed: true as const } : {}),
    ...(trigger.reason === 'event' ? { event: trigger.event } : {}),
    actor: caller.actor,
    operations: [],
    operationCount: 0,
  };
  if (!policy.enabled && trigger.reason !== 'manual') {
    const { run } = await store.appendRun({ ...base, outcome: 'skipped' });
    return { run, operations: [] };
  }
  if (trigger.reason === 'schedule' && !isRunTimeOf(policy, timing.at)) {
    await syncLater(deps, caller.tenantId, policy.id);
    const error = {
      code: 'STALE_SCHEDULE',
      message: "not a run time of the policy's schedule (changed since): its schedule is being put again",
    };
    const { run } = await store.appendRun({ ...base, outcome: 'skipped', error });
    return { run, operations: [] };
  }
  const event = trigger.reason === 'event' ? trigger.event : undefined;
  const { started, error } = await startAll(deps, caller, policy, timing.key ?? runId, event);
  const operations = started.map(({ operation }) => operation);
  const listed = operations.slice(0, RUN_OPERATIONS_LISTED);
  const more = operations.slice(RUN_OPERATIONS_LISTED).map((operation) => operation.id);
  const run: PolicyRunRecord = {
    ...base,
    operations: listed.map(({ id: operationId, target }) => ({ id: operationId, target })),
    operationCount: operations.length,
    ...(more.length > 0 ? { moreOperationIds: more } : {}),
    outcome: error ? 'failed' : operations.length > 0 ? 'started' : 'empty',
    ...(error ? { error } : {}),
  };
  return { run: (await store.appendRun(run)).run, operations };
}

/** Queues the policy's schedule sync for the worker (syncPolicySchedule.ts); a failure is the caller's error. */
function syncLater(deps: C2Deps, tenantId: string, policyId: string): Promise<void> {
  return deps.queue.enqueue([{ type: 'policySchedule', tenantId, policyId }]);
}

/**
 * A manual run made earlier with the same Idempotency-Key: among the policy's latest {@link RECENT_RUNS}, the one whose
 * id has the same random part (the key's hash; its time part is the first request's).
 */
async function earlierRun(
  deps: C2Deps,
  tenantId: string,
  policyId: string,
  runId: string,
): Promise<PolicyRunRecord | undefined> {
  const recent = await policyStoreOf(deps).listRuns(tenantId, policyId, { limit: RECENT_RUNS });
  return recent.items.find(
    (earlier) => earlier.reason === 'manual' && earlier.id.slice(TIME_CHARS) === runId.slice(TIME_CHARS),
  );
}

/** The run's operations as they are now (those that expired are left out). */
async function operationsOf(deps: C2Deps, run: PolicyRunRecord): Promise<OperationRecord[]> {
  const records = await Promise.all(run.operations.map(({ id }) => deps.operations.getOperation(run.tenantId, id)));
  return records.filter((record) => record !== undefined);
}
