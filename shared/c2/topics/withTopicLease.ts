/**
 * Runs a change of a topic's key distribution (link, unlink, rotate, delete) under the topic's lease, so that two
 * such changes never interleave their commands: without it, a rotation's SetTopicKey could reach a device after a
 * later rotation's, leaving devices on different keys. A change that finds the topic busy waits its turn (up to
 * `options.topicLeaseWaitMs`, then CONCURRENT_UPDATE). A lease outlives a crashed holder by at most
 * {@link TOPIC_LEASE_MS}; the change is then retried by its caller.
 *
 * The change gets its turn: the topic's record as read once the lease is taken, and the seconds its commands carry
 * (each new key of the topic at a later second than any command before it; see delivery/keySeconds.ts). The last
 * second used is written with the lease's release (a rotation also writes it with its key, before its fan-out). A
 * holder that crashed before its release used only seconds before its lease's end, and the next one comes after.
 */
import { bytesToHex } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { nextSeconds, sameSecond } from '../delivery/keySeconds.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { TopicRecord } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { requireTopic } from './requireTopic.js';

export const TOPIC_LEASE_MS = 5 * 60_000;
export const DEFAULT_LEASE_WAIT_MS = 10_000;

/** A change's turn on a topic: its record and the seconds of the commands about its key. */
export class TopicTurn {
  readonly record: TopicRecord;
  readonly #deps: C2Deps;
  #last: number | undefined;

  constructor(deps: C2Deps, record: TopicRecord) {
    this.#deps = deps;
    this.record = record;
    this.#last = record.keySecond;
  }

  /** The latest second used for the topic's key, before or during this turn. */
  get lastSecond(): number | undefined {
    return this.#last;
  }

  /** Seconds for `count` new contents (keys, a removal), in the order they are to be sent. */
  async next(count: number): Promise<number[]> {
    const seconds = await nextSeconds(this.#deps, this.#last, count);
    this.#last = seconds.at(-1);
    return seconds;
  }

  /** A second for sending the current key again. */
  async same(): Promise<number> {
    const second = await sameSecond(this.#deps, this.#last);
    this.#last = second;
    return second;
  }
}

export async function withTopicLease<T>(
  deps: C2Deps,
  tenantId: string,
  topic: string,
  change: (turn: TopicTurn) => Promise<T>,
): Promise<T> {
  const owner = bytesToHex(randomBytesOf(deps)(8));
  await acquire(deps, tenantId, topic, owner);
  let turn: TopicTurn | undefined;
  try {
    turn = new TopicTurn(deps, await requireTopic(deps, tenantId, topic));
    return await change(turn);
  } finally {
    const used = turn?.lastSecond;
    const changed = used !== undefined && used !== turn?.record.keySecond;
    await deps.store.releaseTopicLease(tenantId, topic, owner, changed ? used : undefined);
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
