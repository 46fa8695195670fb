/**
 * Deletes a topic, as an operation (`topic.delete`): recorded here, carried out by the worker
 * (operations/topicDeletionOperation.ts): every linked client told to forget the key (RemoveTopic; E4's C2 told no
 * one) and, in public-key mode, the public keys of the peers it shared only this topic with withdrawn; the links go,
 * then the topic record, then the policies naming the topic. The topic must exist (NOT_FOUND, audited, before
 * anything is recorded).
 */
import type { C2Deps } from '../C2Deps.js';
import { refusalAudited } from '../events/audited.js';
import { type StartedOperation, startOperation } from '../operations/startOperation.js';
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
    const started = await startOperation(deps, caller, {
      kind: 'topic.delete',
      target,
      mintsKey: false,
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    });
    return { topic, ...started };
  });
}
