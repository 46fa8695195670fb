import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { TopicRecord } from '../ports.js';

/** The topic's record, or NOT_FOUND. */
export async function requireTopic(deps: C2Deps, tenantId: string, topic: string): Promise<TopicRecord> {
  const record = await deps.store.getTopic(tenantId, topic);
  if (!record) throw new C2Error(C2ErrorCode.NotFound, `no topic "${topic}"`);
  return record;
}
