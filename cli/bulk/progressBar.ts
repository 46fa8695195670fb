/**
 * A progress bar on stderr (cli-progress) when stderr is a terminal; nothing otherwise (scripts and tests read the
 * final summary instead).
 */
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  /** Adds `n` (1 by default) to the bar. */
  tick(n?: number): void;
  stop(): void;
}

export function progressBar(total: number, what: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || total === 0) return { tick: () => {}, stop: () => {} };
  const bar = new SingleBar(
    { stream, format: `${what} [{bar}] {value}/{total} ({percentage}%, {eta_formatted} left)`, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return { tick: (n = 1) => bar.increment(n), stop: () => bar.stop() };
}
