/**
 * A tenant's quotas and the counters they are checked against: one settings item per tenant (its limits, absent
 * ones at their defaults: limits/tenantLimits.ts) and one counter item (clients, topics). A creation reserves a slot
 * before its record is written (one conditional increment: the counter stays at or below the limit however many
 * creations run at once) and gives it back when the creation fails; a deletion gives its slot back after the record
 * is gone. There are no transactions (dynalite has none): a crash between the record and its counter leaves the
 * counter one high (a slot lost, never one too many). Requests are counted per tenant and window (one counter item
 * per window, expiring by the table's TTL).
 */

/** The names of the limits, the one list of them (settings, schemas, the `limits` script). */
export const TENANT_LIMIT_NAMES = [
  'maxClients',
  'maxTopics',
  'maxPolicies',
  'maxConcurrentOperations',
  'requestsPerMinute',
  'eventRetentionDays',
] as const;

/**
 * What a tenant may hold: clients, topics, policies, operations asked through the API in progress at once
 * (operations/operationSlots.ts); the authenticated API requests it may make per minute (a fixed window:
 * limits/requestRateLimiter.ts); how long its event log keeps a record (`eventRetentionDays`: the record's
 * `expiresAt`, the table's TTL, is its time + this many days).
 */
export type TenantLimitName = (typeof TENANT_LIMIT_NAMES)[number];
export type TenantLimits = { readonly [K in TenantLimitName]: number };

/** What is counted per tenant. */
export type CountedKind = 'clients' | 'topics';

/** `reserved`: the counter went up by one; `full`: it is at the limit; `uncounted`: the tenant has no counter yet. */
export type SlotOutcome = 'reserved' | 'full' | 'uncounted';

export interface TenantLimitStore {
  /** The limits set for the tenant (only those set; none when nothing is). A strongly consistent read. */
  getTenantLimits(tenantId: string): Promise<Partial<TenantLimits>>;
  /** Sets the given limits (the others keep their value); `null` takes one back to its default. */
  setTenantLimits(tenantId: string, limits: { readonly [K in keyof TenantLimits]?: number | null }): Promise<void>;
  /**
   * A conditional increment: granted while the counter is below `max`; nothing written otherwise.
   * CONCURRENT_UPDATE if the counter kept changing under it.
   */
  reserveSlot(tenantId: string, kind: CountedKind, max: number): Promise<SlotOutcome>;
  /**
   * Sets the counter to `count` if it still stands at `expected` (undefined: not started); false when it moved (a
   * creation or deletion meanwhile: count again). With `expected` undefined it starts the counter.
   */
  setCount(tenantId: string, kind: CountedKind, count: number, expected: number | undefined): Promise<boolean>;
  /** Decrements the counter if it exists and is above zero; nothing otherwise. */
  releaseSlot(tenantId: string, kind: CountedKind): Promise<void>;
  /**
   * Counts one request of the tenant in the window starting at `windowStart` (epoch ms) while fewer than `max` are
   * counted there (one conditional increment); false when `max` are (nothing written). The counter may be deleted
   * from `expiresAt` (epoch seconds) on.
   */
  countRequest(tenantId: string, windowStart: number, max: number, expiresAt: number): Promise<boolean>;
  /** The counters (undefined: not started). */
  getCounts(tenantId: string): Promise<{ readonly [K in CountedKind]?: number }>;
}
