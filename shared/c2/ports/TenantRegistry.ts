/**
 * The registry of tenants, kept by the platform operator: one item per tenant outside every tenant's records (its
 * status, display name, times and, while it is being deleted, the deletion's operation), and the sweep of a deleted
 * tenant's records. A tenant without an item (one made before the registry, by `npm run api-key`) is active.
 */
/**
 * `active`: its keys work; `suspended`: refused (403 TENANT_SUSPENDED); `deleting`: refused, being deleted;
 * `deleted`: its records swept, its item kept as a tombstone (its keys refused as unknown ones, 401, so that a key a
 * cache still held cannot bring it back; its id taken again only by a creation that finds nothing of it left).
 */
export type TenantStatus = 'active' | 'suspended' | 'deleting' | 'deleted';

export interface TenantRecord {
  readonly id: string;
  readonly displayName?: string;
  readonly status: TenantStatus;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The `tenant.delete` operation (in the platform's records), once a deletion started. */
  readonly deletionId?: string;
}

export interface TenantRegistry {
  /** ALREADY_EXISTS when the id is registered (one conditional write). */
  createTenant(record: TenantRecord): Promise<void>;
  /** A strongly consistent read. */
  getTenant(tenantId: string): Promise<TenantRecord | undefined>;
  /** In tenant id order (a Page of ports.ts, spelled out: ports.ts imports this file). */
  listTenants(page: {
    readonly limit: number;
    readonly cursor?: string;
  }): Promise<{ readonly items: TenantRecord[]; readonly cursor?: string }>;
  /**
   * Sets the status (and `deletionId`, when given) if the tenant is registered with one of `from` (NOT_FOUND when it
   * is not registered, CONCURRENT_UPDATE when its status is another); answers the record as written.
   */
  setTenantStatus(
    tenantId: string,
    change: {
      readonly status: TenantStatus;
      readonly from: readonly TenantStatus[];
      readonly at: string;
      readonly deletionId?: string;
    },
  ): Promise<TenantRecord>;
  /** Deletes the registry item (nothing when there is none). */
  deleteTenantRecord(tenantId: string): Promise<void>;
  /** Deletes up to `limit` (1..100) items of the tenant's records, whatever their kind; answers how many it deleted. */
  deleteTenantItems(tenantId: string, limit: number): Promise<number>;
}
