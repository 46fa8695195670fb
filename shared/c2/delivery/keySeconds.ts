/**
 * Command timestamps for key slots. E4 timestamps are whole seconds, and a device refuses a command older than the
 * one that last set (or removed) the key of the same slot (a topic's key, or its identity key): for the order of two
 * keys to be visible, the C2 never sends one slot two different contents within the same second. Each slot keeps the
 * last second used (`keySecond` of the topic or client record); a new content gets a later second, a content sent
 * again (the same key) a second not before it. A second is never in the future (E4 devices refuse those), so the C2
 * waits for the clock when a slot was used within the last second (docs/security-model.md, "Command ordering").
 */
import type { C2Deps } from '../C2Deps.js';

/** The E4 timestamp of the clock now (Unix seconds). */
export const clockSecond = (deps: C2Deps): number => Math.floor(deps.clock() / 1000);

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once the clock has reached `second`. */
async function reach(deps: C2Deps, second: number): Promise<void> {
  const sleep = deps.sleep ?? timer;
  while (clockSecond(deps) < second) await sleep(Math.max(1, second * 1000 - deps.clock()));
}

/**
 * `count` successive seconds for as many new contents of a slot whose last second is `last`: each after `last`, the
 * latest of them now. They are the `count` seconds up to now when the slot was not used since; otherwise the ones
 * right after `last`, once the clock has reached the latest.
 */
export async function nextSeconds(deps: C2Deps, last: number | undefined, count: number): Promise<number[]> {
  const first = Math.max(clockSecond(deps) - count + 1, (last ?? 0) + 1);
  const seconds = Array.from({ length: count }, (_, i) => first + i);
  await reach(deps, seconds.at(-1)!);
  return seconds;
}

/** A second for sending a slot's current content again: now, once the clock is not behind `last`. */
export async function sameSecond(deps: C2Deps, last: number | undefined): Promise<number> {
  await reach(deps, last ?? 0);
  return clockSecond(deps);
}
