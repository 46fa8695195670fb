/**
 * Which tenant holds an E4 id. A device's control topic is `e4/<hex E4 id>` and the id is a hash of the client's name,
 * so two tenants with a client of the same name would share a control topic (and, on AWS, a thing name): one item
 * per id, outside every tenant's records, claimed by a conditional write before a client record is written and
 * released after it is deleted (clients/clientIdClaim.ts). It also holds the hash of the device's broker password in
 * local mode (clients/mqttCredentials.ts): the broker authenticates a device by its id.
 */

/** A claim as stored. */
export interface ClientIdClaim {
  readonly tenantId: string;
  /** ISO 8601: when the tenant first claimed it (kept by later claims of the same tenant). */
  readonly claimedAt: string;
  /** SHA-256 of the device's broker password (local mode), absent until one is issued. */
  readonly mqttSecretHash?: Uint8Array;
}

/** `claimed`: this call made the claim; `held`: the tenant held it already; `taken`: another tenant holds it. */
export type ClaimOutcome = 'claimed' | 'held' | 'taken';

export interface ClientIdRegistry {
  /** One conditional write: granted when no tenant holds the id or `tenantId` does. */
  claimClientId(tenantId: string, id: Uint8Array, at: string): Promise<ClaimOutcome>;
  /**
   * Deletes the claim if `tenantId` holds it (and, with `claimedAt`, only that claim); nothing otherwise, so that
   * it is safe to repeat and never frees another tenant's id.
   */
  releaseClientId(tenantId: string, id: Uint8Array, options?: { readonly claimedAt?: string }): Promise<void>;
  /** A strongly consistent read. */
  getClientIdClaim(id: Uint8Array): Promise<ClientIdClaim | undefined>;
  /**
   * Moves an id from one holder to another (a factory device claimed by a tenant, shared/c2/factory/): one
   * conditional write, granted when `from` holds it; true too when `to` holds it already (a retry), false otherwise.
   */
  transferClientId(from: string, to: string, id: Uint8Array, at: string): Promise<boolean>;
  /** Replaces the broker password's hash if `tenantId` holds the id (false otherwise: nothing written). */
  setMqttSecretHash(tenantId: string, id: Uint8Array, hash: Uint8Array): Promise<boolean>;
}
