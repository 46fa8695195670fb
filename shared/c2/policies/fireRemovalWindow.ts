/**
 * The `client.removed` trigger (policies/countLinkChange.ts hands removals to `noteRemoval`): a link deleted (an
 * unlink, or a client's deletion taking it off the topic) on a topic a policy targets runs the policy on that topic
 * `delayMinutes` later, removals within `batchMinutes` after the first making one run. Without delay or batch the run
 * starts at once, keyed by the removal. Otherwise the removal opens (or joins) the policy's window on the topic
 * (PolicyStore.openRemovalWindow: one conditional write), and the window's opener queues a `removalDue` message with
 * the queue's delay (15 minutes at most, queued again until due), then arms the window; a window found unarmed (a
 * crash between the two) is queued again by the next removal or the redelivery of this one. Due, the run is keyed
 * by the window's start: a message delivered twice, or queued twice, rotates once. Durable on both queues (SQS, local
 * mode's persisted queue): a crash never loses a due window. This adds a later rotation to the one the revocation
 * itself made (unless it was `rekey: false`).
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { RunEvent } from '../ports/PolicyStore.js';
import type { LinkChangeMessage, RemovalDueMessage } from '../ports/WorkQueue.js';
import type { PolicyRecord } from './PolicyRecord.js';
import { policyStoreOf } from './policyStoreOf.js';
import { runPolicy } from './runPolicy.js';

/** The queues' longest delay (SQS: 15 minutes). */
export const MAX_QUEUE_DELAY_MS = 15 * 60_000;
const MINUTE_MS = 60_000;
const TYPE = 'client.removed';
const EVENT_ACTOR = 'events';

const counterOf = (topic: string) => `${TYPE}\n${topic}`;

/** A removal of the policy's event (`delayMinutes`, `batchMinutes`), identified by `eventId`. */
export async function noteRemoval(
  deps: C2Deps,
  policy: PolicyRecord,
  trigger: { delayMinutes?: number; batchMinutes?: number },
  change: LinkChangeMessage,
  eventId: string,
): Promise<void> {
  const event: RunEvent = { type: TYPE, topic: change.topic };
  const delayMs = (trigger.delayMinutes ?? 0) * MINUTE_MS;
  const batchMs = (trigger.batchMinutes ?? 0) * MINUTE_MS;
  if (delayMs === 0 && batchMs === 0) {
    return runRemoval(deps, policy.tenantId, policy.id, event, `removal:${eventId}`, change.at);
  }
  const store = policyStoreOf(deps);
  const at = Date.parse(change.at);
  const counter = counterOf(change.topic);
  const opened = await store.openRemovalWindow({
    tenantId: policy.tenantId,
    policyId: policy.id,
    counter,
    eventId,
    at,
    batchMs,
    delayMs,
  });
  if (opened.armed) return;
  await queueDue(deps, {
    type: 'removalDue',
    tenantId: policy.tenantId,
    policyId: policy.id,
    topic: change.topic,
    window: opened.window,
    dueAt: opened.dueAt,
  });
  await store.armRemovalWindow(policy.tenantId, policy.id, counter, opened.window);
}

/** A `removalDue` message: queued again while not due, else the window's run. */
export async function fireRemovalWindow(deps: C2Deps, due: RemovalDueMessage): Promise<void> {
  if (deps.clock() < due.dueAt) return queueDue(deps, due);
  const event: RunEvent = { type: TYPE, topic: due.topic };
  await runRemoval(deps, due.tenantId, due.policyId, event, `window:${due.window}`, new Date(due.dueAt).toISOString());
}

function queueDue(deps: C2Deps, due: RemovalDueMessage): Promise<void> {
  const delayMs = Math.min(MAX_QUEUE_DELAY_MS, Math.max(0, due.dueAt - deps.clock()));
  return deps.queue.enqueue([due], { delayMs });
}

async function runRemoval(
  deps: C2Deps,
  tenantId: string,
  policyId: string,
  event: RunEvent,
  key: string,
  at: string,
): Promise<void> {
  try {
    await runPolicy(deps, { tenantId, actor: EVENT_ACTOR }, policyId, {
      reason: 'event',
      event,
      key: `${counterOf(event.topic ?? '')}\n${key}`,
      at,
    });
  } catch (error) {
    // The policy was deleted since.
    if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
  }
}
