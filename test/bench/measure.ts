/**
 * Timing: an operation is repeated for a fixed time per run, after a warm-up, and the median rate of the runs is
 * kept (the machines are shared and noisy; the median ignores a run disturbed by a neighbour).
 */

export interface Timing {
  /**
   * Passes over all the cases, each case in a fresh process every time: the runs of a case are spread over the
   * whole benchmark, so that a neighbour busy for a while slows a few runs of every case, not every run of a few.
   */
  readonly passes: number;
  /** Timed runs per pass; the median of all runs of all passes is reported. */
  readonly runs: number;
  /** Length of one run in seconds. */
  readonly runSeconds: number;
  /** Untimed repetitions first (JIT, caches), in seconds. */
  readonly warmupSeconds: number;
}

export const FULL: Timing = { passes: 3, runs: 3, runSeconds: 0.4, warmupSeconds: 0.3 };
export const QUICK: Timing = { passes: 1, runs: 3, runSeconds: 0.15, warmupSeconds: 0.1 };

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Calls `op` for `seconds`, in batches between clock reads; returns operations per second. */
function runFor(op: () => unknown, seconds: number, batch: number): number {
  const start = performance.now();
  const end = start + seconds * 1000;
  let count = 0;
  let now = start;
  do {
    for (let i = 0; i < batch; i++) op();
    count += batch;
    now = performance.now();
  } while (now < end);
  return (count * 1000) / (now - start);
}

/** The rates (operations per second) of `timing.runs` runs of `op`, after the warm-up. */
export function measure(op: () => unknown, timing: Timing): number[] {
  // Batches of about a millisecond keep the clock out of the figures.
  const rate = runFor(op, timing.warmupSeconds, 1);
  const batch = Math.max(1, Math.round(rate / 1000));
  const runs: number[] = [];
  for (let r = 0; r < timing.runs; r++) runs.push(runFor(op, timing.runSeconds, batch));
  return runs;
}
