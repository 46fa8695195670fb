/**
 * How the import waits before trying again what a busy C2 refused (sendClientBatch.ts, a link answered
 * CONCURRENT_UPDATE): a backoff that doubles from `firstDelayMs` up to `maxDelayMs`, up to half of it random so that
 * concurrent batches do not come back together, for at most `attempts` tries.
 */
export interface RetryPolicy {
  /** Tries, the first included. */
  readonly attempts: number;
  /** The first backoff; doubled each time, up to `maxDelayMs`. */
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 10, firstDelayMs: 250, maxDelayMs: 4000 };

/** Waits the backoff that follows try `attempt` (0 for the first). */
export function backoff(attempt: number, retry: RetryPolicy): Promise<void> {
  const base = Math.min(retry.firstDelayMs * 2 ** attempt, retry.maxDelayMs);
  return new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * (base / 2)));
}

/** `work` tried again after a backoff while it throws what `retriable` accepts, at most `retry.attempts` times. */
export async function withRetries<T>(
  work: () => Promise<T>,
  retriable: (error: unknown) => boolean,
  retry: RetryPolicy,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= retry.attempts - 1 || !retriable(error)) throw error;
      await backoff(attempt, retry);
    }
  }
}
