/**
 * A tenant's quotas and the counters they are checked against: one settings item per tenant (its limits, absent
 * ones at their defaults: limits/tenantLimits.ts) and one counter item (clients, topics). The counters change only
 * with the records they count: a counted creation writes its record and increments the counter in one transaction,
 * only below the limit (ClientStore.createClient, TopicStore.createTopic with a quota), and a deletion deletes the
 * record and decrements the counter in one (deleteClient, deleteTopic), so that no crash leaves a counter apart from
 * the records and creations at once never pass the limit. Requests are counted per tenant and window (one counter
 * item per window, expiring by the table's TTL).
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

/** A counted creation's limit: the counter goes up only while below `max`. */
export interface Quota {
  readonly max: number;
}

/**
 * `created`: the record written and counted; `full`: the counter is at the limit; `uncounted`: the tenant has no
 * counter yet (start it from a count: {@link TenantLimitStore.setCount}). Nothing written but for `created`.
 */
export type CountedCreation = 'created' | 'full' | 'uncounted';

export interface TenantLimitStore {
  /** The limits set for the tenant (only those set; none when nothing is). A strongly consistent read. */
  getTenantLimits(tenantId: string): Promise<Partial<TenantLimits>>;
  /** Sets the given limits (the others keep their value); `null` takes one back to its default. */
  setTenantLimits(tenantId: string, limits: { readonly [K in keyof TenantLimits]?: number | null }): Promise<void>;
  /**
   * Sets the counter to `count` if it still stands at `expected` (undefined: not started); false when it moved (a
   * creation or deletion meanwhile: count again). With `expected` undefined it starts the counter.
   */
  setCount(tenantId: string, kind: CountedKind, count: number, expected: number | undefined): Promise<boolean>;
  /**
   * Counts one request of the tenant in the window starting at `windowStart` (epoch ms) while fewer than `max` are
   * counted there (one conditional increment); false when `max` are (nothing written). The counter may be deleted
   * from `expiresAt` (epoch seconds) on.
   */
  countRequest(tenantId: string, windowStart: number, max: number, expiresAt: number): Promise<boolean>;
  /** The counters (undefined: not started). */
  getCounts(tenantId: string): Promise<{ readonly [K in CountedKind]?: number }>;
}
