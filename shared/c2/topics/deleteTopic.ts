/**
 * Deletes a topic, as an operation (`topic.delete`): recorded here, carried out by the worker
 * (operations/topicDeletionOperation.ts): every linked client told to forget the key (RemoveTopic; E4's C2 told no
 * one) and, in public-key mode, the public keys of the peers it shared only this topic with withdrawn; the links go,
 * then the topic record, then the policies naming the topic. The topic must exist (NOT_FOUND, audited, before
 * anything is recorded); a deletion of it not finished yet answers for a second request (`created: false`).
 */
import type { C2Deps } from '../C2Deps.js';
import { refusalAudited } from '../events/audited.js';
import { type StartedOperation, startOperation } from '../operations/startOperation.js';
import type { OperationRecord } from '../ports/OperationStore.js';
import type { Caller } from '../ports.js';
import { requireTopic } from './requireTopic.js';
import { validateTopic } from './validateTopic.js';

export interface TopicDeletionStarted extends StartedOperation {
  readonly topic: string;
}

export async function deleteTopic(
  deps: C2Deps,
  caller: Caller,
  topicName: string,
  options: { readonly idempotencyKey?: string } = {},
): Promise<TopicDeletionStarted> {
  const topic = validateTopic(topicName);
  const target = { type: 'topic', name: topic } as const;
  return refusalAudited(deps, caller, 'topic.delete', target, async () => {
    await requireTopic(deps, caller.tenantId, topic);
    // A deletion of the topic not finished yet answers for this one (the worker does it once).
    const unfinished = await unfinishedDeletion(deps, caller.tenantId, topic);
    if (unfinished) return { topic, operation: unfinished, created: false };
    const started = await startOperation(deps, caller, {
      kind: 'topic.delete',
      target,
      mintsKey: false,
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    });
    return { topic, ...started };
  });
}

async function unfinishedDeletion(deps: C2Deps, tenantId: string, topic: string): Promise<OperationRecord | undefined> {
  for (const status of ['pending', 'running'] as const) {
    const target = { type: 'topic', name: topic } as const;
    const page = await deps.operations.listOperations(tenantId, { kind: 'topic.delete', target, status }, { limit: 1 });
    if (page.items[0]) return page.items[0];
  }
  return undefined;
}
