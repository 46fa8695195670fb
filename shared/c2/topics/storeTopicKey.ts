import type { C2Deps } from '../C2Deps.js';
import type { TopicRecord } from '../ports.js';

/**
 * Stores `key` as the topic's next version, wrapped for the topic at that version, with the second its commands go
 * out at (a revocation also marks the version as revoking, see sendTopicKey.ts; an operation, its id): how a topic
 * operation installs its key (operations/topicOperation.ts).
 * CONCURRENT_UPDATE when the topic's version is no longer `record`'s. The record as stored.
 */
export async function storeTopicKey(
  deps: C2Deps,
  record: TopicRecord,
  key: Uint8Array,
  change: { readonly keySecond: number; readonly revoking: boolean; readonly operationId?: string },
): Promise<TopicRecord> {
  const { tenantId, topic } = record;
  const keyVersion = record.keyVersion + 1;
  const updatedAt = new Date(deps.clock()).toISOString();
  const wrappedKey = await deps.vault.wrap(key, { tenantId, kind: 'topic', name: topic, version: keyVersion });
  const revokedVersion = change.revoking ? keyVersion : record.revokedVersion;
  const { keySecond, operationId } = change;
  await deps.store.updateTopicKey(tenantId, topic, {
    wrappedKey,
    keyVersion,
    expectedVersion: record.keyVersion,
    updatedAt,
    keySecond,
    ...(change.revoking ? { revokedVersion: keyVersion } : {}),
    ...(operationId === undefined ? {} : { operationId }),
  });
  const { keyOperationId: _previous, ...rest } = record;
  return {
    ...rest,
    wrappedKey,
    keyVersion,
    updatedAt,
    keySecond,
    ...(revokedVersion === undefined ? {} : { revokedVersion }),
    ...(operationId === undefined ? {} : { keyOperationId: operationId }),
  };
}
