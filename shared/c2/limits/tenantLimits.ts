/**
 * A tenant's quotas: the limits set for it (TenantLimitStore, by the platform operator: `npm run limits`), the
 * defaults below for those not set. Beyond a limit a creation is LIMIT_REACHED (409), with a message naming the limit;
 * beyond `requestsPerMinute` a request is RATE_LIMITED (429, requestRateLimiter.ts).
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { TenantLimits } from '../ports/TenantLimitStore.js';

/** What a tenant may hold when nothing else is set for it. */
export const DEFAULT_TENANT_LIMITS: TenantLimits = {
  maxClients: 10_000,
  maxTopics: 10_000,
  maxPolicies: 100,
  maxConcurrentOperations: 100,
  requestsPerMinute: 6_000,
  eventRetentionDays: 400,
};

/** The bounds of `eventRetentionDays`: a day to ten years. */
export const RETENTION_DAYS = { min: 1, max: 3650 } as const;

/** The largest limit that can be set (DynamoDB numbers are exact well beyond it). */
export const MAX_LIMIT = 1_000_000_000;

/**
 * The values each limit can be set to: 0 to {@link MAX_LIMIT}, but operations in progress at most 1,000 (each is a
 * slot item read when an operation starts: operations/operationSlots.ts) and the event log's retention 1 to 3,650
 * days.
 */
export const LIMIT_BOUNDS: { readonly [K in keyof TenantLimits]: { readonly min: number; readonly max: number } } = {
  maxClients: { min: 0, max: MAX_LIMIT },
  maxTopics: { min: 0, max: MAX_LIMIT },
  maxPolicies: { min: 0, max: MAX_LIMIT },
  maxConcurrentOperations: { min: 0, max: 1_000 },
  requestsPerMinute: { min: 0, max: MAX_LIMIT },
  eventRetentionDays: RETENTION_DAYS,
};

/** The tenant's limits, one read. */
export async function tenantLimits(deps: C2Deps, tenantId: string): Promise<TenantLimits> {
  return { ...DEFAULT_TENANT_LIMITS, ...(await deps.store.getTenantLimits(tenantId)) };
}

/** LIMIT_REACHED for `limit` (e.g. maxClients) at `max` `what` (e.g. clients); `also` another way out. */
export function limitReached(limit: keyof TenantLimits, max: number, what: string, also = ''): C2Error {
  return new C2Error(
    C2ErrorCode.LimitReached,
    `a tenant has at most ${max} ${what} (its ${limit}): delete one${also}, or ask the platform operator to raise ${limit}`,
  );
}
