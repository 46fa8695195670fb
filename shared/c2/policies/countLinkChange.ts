/**
 * The policies' event triggers on a link change (a LinkChangeMessage of the work queue: a link created, or deleted by
 * an unlink or a client's deletion, as committed in the store). Each enabled policy with a `client.subscribed`
 * (created) or `client.unsubscribed` (deleted) event whose target matches the topic counts it on that topic's own
 * counter (PolicyStore.countEvent, with the change's identity, changeIdOf: a change delivered twice counts once,
 * changes at once all count); every `count`
 * events a run falls due, which rotates that topic only (runPolicy, reason `event`, keyed by the counter and its
 * generation: repeated, it rotates once) and is then settled. A deletion also goes to the policies' `client.removed`
 * events (fireRemovalWindow.ts). A change of a topic deleted since (its deletion takes its links) counts nothing. Runs left due by a crash run at the next count of the
 * counter (the redelivery of the event that made them due, at the latest). A disabled policy counts nothing: its
 * events while it is off are not counted later.
 */
import { bytesToHex, sha3, utf8 } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { eachPage } from '../pages.js';
import type { RunEvent } from '../ports/PolicyStore.js';
import type { LinkChangeMessage } from '../ports/WorkQueue.js';
import { noteRemoval } from './fireRemovalWindow.js';
import { matchesTarget } from './matchesTarget.js';
import type { PolicyRecord } from './PolicyRecord.js';
import { policyStoreOf } from './policyStoreOf.js';
import { runPolicy } from './runPolicy.js';

/** Who event runs are recorded as started by. */
export const EVENT_ACTOR = 'events';

const COUNTED_TYPES = { created: 'client.subscribed', deleted: 'client.unsubscribed' } as const;

/**
 * What makes a change the same change, whichever record brought it: created or deleted, the link (its names'
 * hash) and the link's `createdAt`. A link created, deleted and created again within one millisecond would count
 * once (a frozen clock only).
 */
export function changeIdOf(change: LinkChangeMessage): string {
  const link = bytesToHex(sha3(utf8(`${change.topic}\n${change.client}`)).subarray(0, 16));
  return `${change.change}:${link}:${change.linkCreatedAt}`;
}

/** A counter's name: its event type and topic (one counter per policy, type and topic). */
export const counterOf = (event: RunEvent): string => `${event.type}\n${event.topic ?? ''}`;

export async function countLinkChange(deps: C2Deps, change: LinkChangeMessage): Promise<void> {
  if (!deps.policies) return;
  const type = COUNTED_TYPES[change.change];
  let topicThere: Promise<boolean> | undefined;
  for await (const policies of eachPage((page) => policyStoreOf(deps).listPolicies(change.tenantId, page))) {
    for (const policy of policies) {
      if (!policy.enabled || !matchesTarget(policy.target, { topic: change.topic })) continue;
      topicThere ??= deps.store.getTopic(change.tenantId, change.topic).then((topic) => topic !== undefined);
      if (!(await topicThere)) return;
      const removed = change.change === 'deleted' && policy.events?.find((event) => event.type === 'client.removed');
      if (removed && removed.type === 'client.removed') {
        await noteRemoval(deps, policy, removed, change, changeIdOf(change));
      }
      const trigger = policy.events?.find((event) => event.type === type);
      if (trigger?.type !== type) continue;
      const { due } = await policyStoreOf(deps).countEvent({
        tenantId: change.tenantId,
        policyId: policy.id,
        counter: counterOf({ type, topic: change.topic }),
        eventId: changeIdOf(change),
        threshold: trigger.count,
        now: deps.clock(),
      });
      await runDue(deps, policy, { type, topic: change.topic }, due, change.at);
    }
  }
}

/** Runs each due generation of a counter, then settles it (a policy deleted meanwhile settles without a run). */
export async function runDue(
  deps: C2Deps,
  policy: PolicyRecord,
  event: RunEvent,
  due: readonly number[],
  at: string,
): Promise<void> {
  const counter = counterOf(event);
  for (const generation of due) {
    try {
      await runPolicy(deps, { tenantId: policy.tenantId, actor: EVENT_ACTOR }, policy.id, {
        reason: 'event',
        event,
        key: `${counter}\n${generation}`,
        at,
      });
    } catch (error) {
      if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
    }
    await policyStoreOf(deps).settleEventRun(policy.tenantId, policy.id, counter, generation);
  }
}
