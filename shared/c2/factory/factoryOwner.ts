/**
 * Who holds the E4 id of an unclaimed factory device in the ClientIdRegistry: `~factory/<batch id>` (no tenant id
 * holds `~` or `/`), so that no tenant creates a client of that name meanwhile, and a claim moves the id from the
 * batch to the tenant in one conditional write.
 */
import { PLATFORM_TENANT } from '../platform/platformKeyToken.js';

export const factoryOwner = (batchId: string): string => `~factory/${batchId}`;

/** What a factory device's key is bound to at rest (platform records; re-wrapped to its tenant's client). */
export const factoryKeyBinding = (batchId: string, idHex: string) =>
  ({ tenantId: PLATFORM_TENANT, kind: 'factory-device', name: `${batchId}/${idHex}`, version: 1 }) as const;
