/**
 * The tenant a device of local mode's broker belongs to, by its E4 id (the hex of its control topic): the tenant
 * holding the id's claim (every client created since the claims: shared/c2/clients/clientIdClaim.ts), else local
 * mode's own tenant (a client older than the claims, or an id no client holds: its receipt or return then finds
 * nothing, as before). Kept a minute per id, so that a fan-out's receipts cost one read per device at most.
 */

import { expiringCache } from '../shared/c2/expiringCache.js';
import type { ClientIdRegistry } from '../shared/c2/ports/ClientIdRegistry.js';
import { hexToBytes } from '../shared/e4/index.js';

const KEPT_MS = 60_000;

export type DeviceTenant = (clientIdHex: string) => Promise<string>;

export function deviceTenant(claims: ClientIdRegistry, fallback: string, clock: () => number): DeviceTenant {
  const cached = expiringCache<string>({ ttlMs: KEPT_MS, clock, maxEntries: 100_000 });
  return (clientIdHex) =>
    cached(clientIdHex, async () => (await claims.getClientIdClaim(hexToBytes(clientIdHex)))?.tenantId ?? fallback);
}
