/**
 * A key's `lastUsedAt`, written when it is a minute old or more (so at most about once a minute per key); a failure
 * to write it does not refuse the request.
 */
import type { C2Deps } from '../C2Deps.js';
import type { ApiKeyRecord } from '../ports.js';

/** How often `lastUsedAt` is written at most. */
export const LAST_USED_INTERVAL_MS = 60_000;

export async function recordKeyUse(deps: C2Deps, tenantId: string, record: ApiKeyRecord, now: number): Promise<void> {
  const notAfter = now - LAST_USED_INTERVAL_MS;
  if (record.lastUsedAt !== undefined && Date.parse(record.lastUsedAt) > notAfter) return;
  await deps.store
    .recordApiKeyUsed(tenantId, record.keyId, new Date(now).toISOString(), new Date(notAfter).toISOString())
    .catch(() => undefined);
}
