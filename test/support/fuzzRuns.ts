/**
 * Run counts, time limits and the outcome check shared by the property and fuzz suites.
 *
 * `E4_FUZZ_RUNS` sets the number of fast-check runs of the fuzz suites (default 1,000, so that `npm test` stays
 * fast; `npm run fuzz` sets 100,000). A failure prints fast-check's seed and path: rerun with
 * `fc.assert(property, { seed, path })` (or the same `E4_FUZZ_RUNS` and seed) to replay it.
 */
import { E4Error, E4ErrorCode } from '../../shared/e4/index.js';

const DEFAULT_RUNS = 1_000;

/** The number of runs asked for by `E4_FUZZ_RUNS`, times `fraction` (for the costly suites), at least `min`. */
export function fuzzRuns(fraction = 1, min = 50): number {
  const raw = process.env.E4_FUZZ_RUNS;
  let runs = DEFAULT_RUNS;
  if (raw !== undefined && raw !== '') {
    runs = Number(raw);
    if (!Number.isSafeInteger(runs) || runs <= 0) {
      throw new RangeError(`E4_FUZZ_RUNS must be a positive integer, got ${JSON.stringify(raw)}`);
    }
  }
  return Math.max(min, Math.ceil(runs * fraction));
}

/**
 * A vitest time limit for `runs` runs costing about `msPerRun` each on a quiet machine, with a wide margin for
 * loaded CI runners (the limit only catches a hang; it asserts nothing about speed).
 */
export function fuzzTimeout(runs: number, msPerRun: number): number {
  return 60_000 + Math.ceil(runs * msPerRun * 10);
}

/** Every code an {@link E4Error} may carry. */
export const E4_ERROR_CODES: ReadonlySet<string> = new Set<string>(Object.values(E4ErrorCode));

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E4Error };

/**
 * Runs `act` and returns its value, or the {@link E4Error} it threw. Anything else thrown (a TypeError, a
 * RangeError, an E4Error with an unknown code) is a decoder bug: it is rethrown, failing the property with its stack.
 */
export function outcome<T>(act: () => T): Outcome<T> {
  try {
    return { ok: true, value: act() };
  } catch (error) {
    assertE4Error(error);
    return { ok: false, error };
  }
}

/** Rethrows `error` unless it is an {@link E4Error} with a known code. */
export function assertE4Error(error: unknown): asserts error is E4Error {
  if (!(error instanceof E4Error && E4_ERROR_CODES.has(error.code))) throw error;
}

/** The code of the E4Error thrown by `act`, or 'returned' when it returns (other exceptions propagate). */
export function codeOf(act: () => unknown): string {
  const result = outcome(act);
  return result.ok ? 'returned' : result.error.code;
}
