/**
 * A tenant's quotas and the counters they are checked against: one settings item per tenant (its limits, absent
 * ones at their defaults: limits/tenantLimits.ts) and one counter item (clients, topics). A creation reserves a slot
 * before its record is written (one conditional increment: the counter stays at or below the limit however many
 * creations run at once) and gives it back when the creation fails; a deletion gives its slot back after the record
 * is gone. There are no transactions (dynalite has none): a crash between the record and its counter leaves the
 * counter one high (a slot lost, never one too many).
 */

/** What a tenant may hold. */
export interface TenantLimits {
  readonly maxClients: number;
  readonly maxTopics: number;
  readonly maxPolicies: number;
  /** How long its event log keeps a record: the record's `expiresAt` (the table's TTL) is its time + this many days. */
  readonly eventRetentionDays: number;
}

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
  /** Starts the counter at `count` unless it exists (false then: another call started it). */
  startCount(tenantId: string, kind: CountedKind, count: number): Promise<boolean>;
  /** Decrements the counter if it exists and is above zero; nothing otherwise. */
  releaseSlot(tenantId: string, kind: CountedKind): Promise<void>;
  /** The counters (undefined: not started). */
  getCounts(tenantId: string): Promise<{ readonly [K in CountedKind]?: number }>;
}
