/**
 * Values kept for `ttlMs` (by the given clock) per key: `cached(key, load)` loads a key at most once in that time
 * (the API key decisions of the authorizer, a tenant's request rate limit). A load that rejects is not kept (the next
 * call loads again). At most `maxEntries` values are kept: past that the oldest one goes, so that callers sending ever
 * new keys cannot grow memory without bound.
 */
export interface ExpiringCacheOptions {
  readonly ttlMs: number;
  readonly clock: () => number;
  /** 10,000 by default. */
  readonly maxEntries?: number;
}

export type ExpiringCache<T> = (key: string, load: () => Promise<T>) => Promise<T>;

export function expiringCache<T>({ ttlMs, clock, maxEntries = 10_000 }: ExpiringCacheOptions): ExpiringCache<T> {
  const kept = new Map<string, { value: Promise<T>; until: number }>();
  return (key, load) => {
    const now = clock();
    const found = kept.get(key);
    if (found && now < found.until) return found.value;
    kept.delete(key);
    if (kept.size >= maxEntries) {
      const oldest = kept.keys().next();
      if (!oldest.done) kept.delete(oldest.value);
    }
    const entry = { value: load(), until: now + ttlMs };
    kept.set(key, entry);
    entry.value.catch(() => {
      if (kept.get(key) === entry) kept.delete(key);
    });
    return entry.value;
  };
}
