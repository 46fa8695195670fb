/**
 * Runs a change of a topic's key distribution (link, unlink, rotate, delete) under the topic's lease, so that two
 * such changes never interleave their commands: without it, a rotation's SetTopicKey could reach a device after a
 * later rotation's, leaving devices on different keys. A change that finds the topic busy waits its turn (up to
 * `options.topicLeaseWaitMs`, then CONCURRENT_UPDATE). A lease outlives a crashed holder by at most
 * {@link TOPIC_LEASE_MS}; the change is then retried by its caller.
 */
import { bytesToHex } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { randomBytesOf } from '../randomBytesOf.js';

export const TOPIC_LEASE_MS = 5 * 60_000;
export const DEFAULT_LEASE_WAIT_MS = 10_000;

export async function withTopicLease<T>(
  deps: C2Deps,
  tenantId: string,
  topic: string,
  change: () => Promise<T>,
): Promise<T> {
  const owner = bytesToHex(randomBytesOf(deps)(8));
  await acquire(deps, tenantId, topic, owner);
  try {
    return await change();
  } finally {
    await deps.store.releaseTopicLease(tenantId, topic, owner);
  }
}

/** Takes the lease, waiting (with backoff) while another change holds it, for at most the configured time. */
async function acquire(deps: C2Deps, tenantId: string, topic: string, owner: string): Promise<void> {
  const deadline = Date.now() + (deps.options?.topicLeaseWaitMs ?? DEFAULT_LEASE_WAIT_MS);
  for (let pause = 10; ; pause = Math.min(pause * 2, 250)) {
    const now = deps.clock();
    try {
      return await deps.store.acquireTopicLease(tenantId, topic, { owner, now, until: now + TOPIC_LEASE_MS });
    } catch (error) {
      const busy = error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate;
      if (!busy || Date.now() + pause > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, pause * (0.5 + Math.random())));
  }
}
