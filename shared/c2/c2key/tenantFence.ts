/**
 * The tenant's fence: a new C2 key against every other fan-out of its tenant. In public-key mode a command is
 * protected with a key derived from the C2 private key, which a device replaces when it applies SetC2Key: a command
 * protected with the old key that reaches it after that is lost (it cannot open it), and one protected with the new
 * key before that too. So no other command to a public-key client may go out from the first SetC2Key until the new
 * key is in force (every later sender opens it).
 *
 * A readers-writer lock on one item per tenant (FenceStore), every change one conditional write:
 * - readers: each command sender, as soon as it addresses a public-key client (it opens the C2 key then), enters
 *   under its own random id with a stay of {@link READER_STAY_MS}, extended while it sends, and leaves when closed.
 *   Entering is refused while a writer holds the fence (a {@link FencedOut} error: an operation's slice is queued
 *   again a little later, an API call answers 409). A reader in stays in: it is the writer that waits.
 * - the writer, a C2 key rotation (owner `op-<id>`): raises the fence (refused while another rotation holds it), then
 *   waits until no reader is in (readers that crashed stop counting at the end of their stay), and only then sends
 *   SetC2Key. Its own sender is not a reader. The fence is a lease of {@link FENCE_LEASE_MS}, extended at each step:
 *   a rotation that crashed blocks the tenant that long at most, and a resumed one takes it back (same owner).
 * The raise and every entry being conditional writes on the same item, a reader is either in before the raise (the
 * writer reads it there and waits) or refused after it: no command under the old key crosses a SetC2Key.
 */

import { bytesToHex } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { randomBytesOf } from '../randomBytesOf.js';

/** How long a reader's stay lasts, extended when half of it is left at its next send. */
export const READER_STAY_MS = 30_000;
/** How long the writer's lease lasts, extended at each of its steps. */
export const FENCE_LEASE_MS = 60_000;
/** Clocks of workers may differ by this much: a reader counts until this long after its stay ended. */
const CLOCK_SKEW_MS = 2_000;
/** How soon work refused by the fence is tried again. */
export const FENCED_RETRY_MS = 1_000;
/** How often a writer waiting for readers to leave looks again. */
const DRAIN_POLL_MS = 100;

/** Refused by the fence: the tenant's C2 key is being replaced. */
export class FencedOut extends C2Error {
  constructor() {
    super(C2ErrorCode.ConcurrentUpdate, "the tenant's C2 key is being replaced: retry shortly");
  }
}

/** A command sender's place among the readers (see CommandSender.ts). */
export class FenceReader {
  readonly #deps: C2Deps;
  readonly #tenantId: string;
  readonly #id: string;
  #until: number | undefined;

  constructor(deps: C2Deps, tenantId: string) {
    this.#deps = deps;
    this.#tenantId = tenantId;
    this.#id = bytesToHex(randomBytesOf(deps)(12));
  }

  /**
   * In (or its stay extended when half of it is gone); FencedOut when the fence is raised and it was not in. Whether a
   * new stay began (the first, or one after the last had ended): a C2 key may have come into force in between, so
   * what the reader opened under the C2 key before is stale (a writer takes a reader off at its stay's end plus
   * {@link CLOCK_SKEW_MS}: by the reader's clock, skewed by less than that, the stay has ended then).
   */
  async enter(): Promise<boolean> {
    const now = this.#deps.clock();
    if (this.#until !== undefined && this.#until - now > READER_STAY_MS / 2) return false;
    const fresh = this.#until === undefined || this.#until <= now;
    const until = now + READER_STAY_MS;
    try {
      await this.#deps.store.enterFence(this.#tenantId, { reader: this.#id, now, until });
    } catch (error) {
      if (error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate) throw new FencedOut();
      throw error;
    }
    this.#until = until;
    return fresh;
  }

  async leave(): Promise<void> {
    if (this.#until === undefined) return;
    this.#until = undefined;
    await this.#deps.store.leaveFence(this.#tenantId, this.#id);
  }
}

/**
 * Runs `change` as a reader of the fence: refused (FencedOut, 409) while a C2 key rotation holds it, and waited for
 * by one that starts meanwhile. For a change the rotation must not miss, such as a public-key client enrolled after
 * the rotation listed the clients it sends the new key to (configured with the old C2 key, it would be cut off).
 */
export async function asFenceReader<T>(deps: C2Deps, tenantId: string, change: () => Promise<T>): Promise<T> {
  const reader = new FenceReader(deps, tenantId);
  await reader.enter();
  try {
    return await change();
  } finally {
    await reader.leave();
  }
}

/** Raises (or extends) the fence for `owner`; CONCURRENT_UPDATE while another rotation holds it. */
export async function raiseFence(deps: C2Deps, tenantId: string, owner: string): Promise<void> {
  const now = deps.clock();
  await deps.store.raiseFence(tenantId, { owner, now, until: now + FENCE_LEASE_MS });
}

/**
 * Waits until no reader is in, for up to `waitMs` but never a third of the writer's lease (the caller raised it just
 * before; a longer wait would let it lapse: the step is tried again, raising it again, instead); whether none is.
 * Readers whose stay is over (a sender that died without leaving: a Lambda timed out) are taken off the item, so that
 * they do not pile up in it.
 */
export async function readersGone(deps: C2Deps, tenantId: string, waitMs: number): Promise<boolean> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + Math.min(waitMs, FENCE_LEASE_MS / 3);
  for (;;) {
    const { readers } = await deps.store.getFence(tenantId);
    const now = deps.clock();
    const gone = Object.entries(readers).filter(([, until]) => until + CLOCK_SKEW_MS <= now);
    for (const [reader] of gone) await deps.store.leaveFence(tenantId, reader);
    if (gone.length === Object.keys(readers).length) return true;
    if (Date.now() >= deadline) return false;
    await sleep(DRAIN_POLL_MS);
  }
}

export const lowerFence = (deps: C2Deps, tenantId: string, owner: string): Promise<void> =>
  deps.store.lowerFence(tenantId, owner);
