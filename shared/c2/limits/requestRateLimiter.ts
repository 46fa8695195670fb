/**
 * A tenant's request rate: each authenticated API request is counted in the tenant's window of the minute (a fixed
 * window, one conditional increment in the store), and refused past its `requestsPerMinute` until the window ends.
 * The limit is read through a cache of {@link LIMIT_TTL_MS} (a change takes effect within that time). A store
 * failure lets the request through (fail open): the route that follows needs the same store and answers the failure
 * itself, and the HTTP API's stage throttle still bounds every tenant together; `onStoreFailure` hears of it.
 */
import type { C2Deps } from '../C2Deps.js';
import { expiringCache } from '../expiringCache.js';
import { tenantLimits } from './tenantLimits.js';

/** The window of the count. */
export const REQUEST_WINDOW_MS = 60_000;
/** How long a tenant's limit is kept before it is read again. */
export const LIMIT_TTL_MS = 30_000;
/** How long a window's counter is kept after its end (the table's TTL deletes it some time after that). */
const COUNTER_GRACE_MS = 60_000;

export type RequestRateVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly limit: number; readonly retryAfterSeconds: number };

export type RequestRateLimiter = (tenantId: string) => Promise<RequestRateVerdict>;

export function requestRateLimiter(
  deps: C2Deps,
  options: {
    /** The deps of a tenant (AWS: its scoped credentials); default `deps` for every tenant. */
    readonly depsFor?: (tenantId: string) => C2Deps;
    readonly onStoreFailure?: (error: unknown) => void;
  } = {},
): RequestRateLimiter {
  const depsFor = options.depsFor ?? (() => deps);
  const limits = expiringCache<number>({ ttlMs: LIMIT_TTL_MS, clock: deps.clock });
  const failed = (error: unknown): RequestRateVerdict => {
    try {
      options.onStoreFailure?.(error);
    } catch {
      // A failing logger changes nothing.
    }
    return { allowed: true };
  };
  return async (tenantId) => {
    let limit: number;
    try {
      limit = await limits(tenantId, async () => (await tenantLimits(depsFor(tenantId), tenantId)).requestsPerMinute);
    } catch (error) {
      return failed(error);
    }
    const now = deps.clock();
    const windowStart = now - (now % REQUEST_WINDOW_MS);
    const windowEnd = windowStart + REQUEST_WINDOW_MS;
    const refused = {
      allowed: false,
      limit,
      retryAfterSeconds: Math.max(1, Math.ceil((windowEnd - now) / 1000)),
    } as const;
    if (limit <= 0) return refused;
    try {
      const expiresAt = Math.ceil((windowEnd + COUNTER_GRACE_MS) / 1000);
      const { store } = depsFor(tenantId);
      return (await store.countRequest(tenantId, windowStart, limit, expiresAt)) ? { allowed: true } : refused;
    } catch (error) {
      return failed(error);
    }
  };
}
