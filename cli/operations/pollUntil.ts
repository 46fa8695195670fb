/**
 * Reads a value every `intervalMs` until `done` holds, or until `signal` aborts (Ctrl-C, a timeout: its reason says
 * which). An abort does not wait for a read under way; the last value read is returned with the reason.
 */
export interface PollOptions<T> {
  readonly intervalMs: number;
  readonly signal?: AbortSignal;
  /** Each value read, as it comes. */
  readonly onValue?: (value: T) => void;
}

const ABORTED: unique symbol = Symbol('aborted');

export type PollEnd<T> = { value: T; aborted: false } | { value: T | undefined; aborted: true; reason: unknown };

export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { intervalMs, signal, onValue }: PollOptions<T>,
): Promise<PollEnd<T>> {
  let last: T | undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    if (signal?.aborted) resolve(ABORTED);
    signal?.addEventListener('abort', () => resolve(ABORTED), { once: true });
  });
  for (;;) {
    if (signal?.aborted) return { value: last, aborted: true, reason: signal.reason };
    const value = await Promise.race([read(), aborted]);
    if (value === ABORTED) return { value: last, aborted: true, reason: signal?.reason };
    last = value;
    onValue?.(last);
    if (done(last)) return { value: last, aborted: false };
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, intervalMs))), aborted]);
    clearTimeout(timer);
  }
}
