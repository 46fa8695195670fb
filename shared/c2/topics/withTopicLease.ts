/**
 * Runs a change of a topic's key distribution (link, unlink, rotate, delete) under the topic's lease, so that two
 * such changes never interleave their commands: without it, a rotation's SetTopicKey could reach a device after a
 * later rotation's, leaving devices on different keys. A lease outlives a crashed holder by at most
 * {@link TOPIC_LEASE_MS}; the change is then retried by its caller.
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { bytesToHex } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';

export const TOPIC_LEASE_MS = 5 * 60_000;

export async function withTopicLease<T>(
  deps: C2Deps,
  tenantId: string,
  topic: string,
  change: () => Promise<T>,
): Promise<T> {
  const owner = bytesToHex(randomBytes(8));
  const now = deps.clock();
  await deps.store.acquireTopicLease(tenantId, topic, { owner, now, until: now + TOPIC_LEASE_MS });
  try {
    return await change();
  } finally {
    await deps.store.releaseTopicLease(tenantId, topic, owner);
  }
}
