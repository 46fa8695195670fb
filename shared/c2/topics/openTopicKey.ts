import type { C2Deps } from '../C2Deps.js';
import type { TopicRecord } from '../ports.js';

/** The topic's current key, opened (the caller wipes it). */
export function openTopicKey(deps: C2Deps, record: TopicRecord): Promise<Uint8Array> {
  const { tenantId, topic, keyVersion } = record;
  return deps.vault.unwrap(record.wrappedKey, { tenantId, kind: 'topic', name: topic, version: keyVersion });
}
