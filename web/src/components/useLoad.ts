/**
 * Loads data for a page: `{ data, error, loading, reload }`, loaded again when `keys` change and, with `everyMs`,
 * polled while the page shows (live progress; every `everyMs`, or as long as it says for the data loaded) until
 * `stop(data)` says it is final. A late answer of an earlier load is dropped, and its requests aborted (the signal
 * given to `load`: the page left, or the keys changed).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  keys: readonly unknown[],
  poll: { everyMs: number | ((data: T) => number); stop?: (data: T) => boolean } | undefined = undefined,
): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  const reload = useCallback(() => setRound((n) => n + 1), []);

  // Loaded again when the caller's keys change, or on reload.
  useEffect(() => {
    const id = ++latest.current;
    const aborted = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const data = await load(aborted.signal);
        if (id !== latest.current) return;
        setState({ data, error: undefined, loading: false });
        if (poll && !poll.stop?.(data)) {
          timer = setTimeout(run, typeof poll.everyMs === 'number' ? poll.everyMs : poll.everyMs(data));
        }
      } catch (error) {
        if (id !== latest.current) return;
        setState((previous) => ({ data: previous.data, error, loading: false }));
      }
    };
    setState((previous) => ({ ...previous, loading: true }));
    void run();
    return () => {
      latest.current++;
      aborted.abort();
      if (timer) clearTimeout(timer);
    };
  }, [...keys, round]);

  return { ...state, reload };
}
