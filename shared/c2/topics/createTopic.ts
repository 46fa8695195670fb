/**
 * Creates a topic with a new random key, stored wrapped and bound to (tenant, 'topic', topic, version 1). Unlike
 * E4's C2 (where creating an existing topic rotated its key), an existing topic is ALREADY_EXISTS; rotation is its
 * own use case. Within the tenant's quota of topics: the record and the tenant's count of topics are one write
 * (limits/createCounted.ts).
 */
import { hashTopic, KEY_LEN } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { audited } from '../events/audited.js';
import { createCounted } from '../limits/createCounted.js';
import type { Caller } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { type TopicView, topicView } from './TopicView.js';
import { validateTopic } from './validateTopic.js';

export async function createTopic(deps: C2Deps, caller: Caller, input: { topic: string }): Promise<TopicView> {
  const topic = validateTopic(input?.topic);
  const key = randomBytesOf(deps)(KEY_LEN);
  const now = new Date(deps.clock()).toISOString();
  try {
    const record = {
      tenantId: caller.tenantId,
      topic,
      hash: hashTopic(topic),
      wrappedKey: await deps.vault.wrap(key, { tenantId: caller.tenantId, kind: 'topic', name: topic, version: 1 }),
      keyVersion: 1,
      createdAt: now,
      updatedAt: now,
    };
    return await audited(deps, caller, 'topic.create', { type: 'topic', name: topic }, async () => {
      await createCounted(deps, caller.tenantId, 'topics', (quota) => deps.store.createTopic(record, quota));
      return { value: topicView(record), details: { keyVersion: 1 } };
    });
  } finally {
    key.fill(0);
  }
}
