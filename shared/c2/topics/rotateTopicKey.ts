/**
 * Rotates a topic's key, as an operation (see operations/topicOperation.ts): recorded with its new key before
 * anything is sent, then carried out by the worker: the key installed (version + 1), SetTopicKey to every linked
 * client, timestamped at a later second than any earlier command about the topic's key. Devices keep the previous
 * key for an hour (E4's key transition), so messages in flight still open.
 *
 * A rotation asked for while another rotation of the topic waits to start joins it (the one waiting installs a key
 * newer than the request), so a burst of requests makes fewer rotations than requests (requests that arrive at the
 * same moment may each start one: 50 at once made about 24 in a test), each request answered with the operation
 * that serves it. A request with an idempotency key always gets its own operation.
 */
import type { C2Deps } from '../C2Deps.js';
import { refusalAudited } from '../events/audited.js';
import { type StartedOperation, startOperation } from '../operations/startOperation.js';
import type { OperationRecord } from '../ports/OperationStore.js';
import type { Caller } from '../ports.js';
import { requireTopic } from './requireTopic.js';
import { type TopicView, topicView } from './TopicView.js';
import { validateTopic } from './validateTopic.js';

export interface RotationStarted extends StartedOperation {
  /** The topic as it is when the rotation is asked for (its key version goes up when the operation installs). */
  readonly topic: TopicView;
}

export async function rotateTopicKey(
  deps: C2Deps,
  caller: Caller,
  topicName: string,
  options: { readonly idempotencyKey?: string } = {},
): Promise<RotationStarted> {
  const topic = validateTopic(topicName);
  const target = { type: 'topic', name: topic } as const;
  return refusalAudited(deps, caller, 'topic.rotate', target, async () => {
    const record = await requireTopic(deps, caller.tenantId, topic);
    if (options.idempotencyKey === undefined) {
      const waiting = await waitingRotation(deps, caller.tenantId, topic);
      if (waiting) {
        // Queued again: its message may be what was lost (the worker does nothing more for a message twice).
        await deps.queue.enqueue([{ type: 'operation', tenantId: caller.tenantId, operationId: waiting.id }]);
        return { topic: topicView(record), operation: waiting, created: false };
      }
    }
    const started = await startOperation(deps, caller, {
      kind: 'topic.rotate',
      target,
      mintsKey: true,
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    });
    return { topic: topicView(record), ...started };
  });
}

/**
 * The newest rotation of the topic recorded and not started yet, if any: `pending` without a key version (one with
 * a version may have installed its key already, before the request came).
 */
async function waitingRotation(deps: C2Deps, tenantId: string, topic: string): Promise<OperationRecord | undefined> {
  const page = await deps.operations.listOperations(
    tenantId,
    { kind: 'topic.rotate', target: { type: 'topic', name: topic }, status: 'pending' },
    { limit: 1 },
  );
  const newest = page.items[0];
  return newest?.keyVersion === undefined ? newest : undefined;
}
