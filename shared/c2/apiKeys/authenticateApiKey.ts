/**
 * The principal an API key stands for: its tenant, key id, scope and the actor `apikey:<key id>`. Undefined for
 * anything that is not a well-formed token of a stored key with that secret, and for a revoked or expired key (the
 * caller cannot tell which: never throws for bad input; a failing store still rejects). One read per request; the
 * key's `lastUsedAt` is written when it is a minute old or more (so at most about once a minute per key), and a
 * failure to write it does not refuse the request. A platform key (`e4c2p.`) goes to authenticatePlatformKey. The
 * tenant's registry item is read with the key (in parallel): a suspended tenant's (or one being deleted) principal
 * carries `tenantStatus`, which the API turns into 403 TENANT_SUSPENDED; a tenant without one (made before the
 * registry) is active.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { authenticatePlatformKey } from '../platform/authenticatePlatformKey.js';
import { isPlatformKeyToken } from '../platform/platformKeyToken.js';
import type { Principal } from '../ports.js';
import { apiKeyStatus } from './ApiKeyView.js';
import { parseApiKeyToken } from './apiKeyToken.js';

/** How often `lastUsedAt` is written at most. */
export const LAST_USED_INTERVAL_MS = 60_000;

export async function authenticateApiKey(deps: C2Deps, token: string): Promise<Principal | undefined> {
  if (isPlatformKeyToken(token)) return authenticatePlatformKey(deps, token);
  const parsed = parseApiKeyToken(token);
  if (!parsed) return undefined;
  const { tenantId, keyId, secret } = parsed;
  const hash = sha256(secret);
  secret.fill(0);
  const [record, tenant] = await Promise.all([deps.store.getApiKey(tenantId, keyId), deps.store.getTenant(tenantId)]);
  // Constant-time comparison of the hashes: the response time tells nothing about how much of a secret was right.
  if (!record || record.tenantId !== tenantId || record.keyId !== keyId || !equalBytes(hash, record.secretHash)) {
    return undefined;
  }
  const now = deps.clock();
  // A deleted tenant's keys are no keys (a key made after its sweep, by a request its cache let through, included).
  if (apiKeyStatus(record, now) !== 'active' || tenant?.status === 'deleted') return undefined;
  const notAfter = now - LAST_USED_INTERVAL_MS;
  if (record.lastUsedAt === undefined || Date.parse(record.lastUsedAt) <= notAfter) {
    const at = new Date(now).toISOString();
    await deps.store.recordApiKeyUsed(tenantId, keyId, at, new Date(notAfter).toISOString()).catch(() => undefined);
  }
  const tenantStatus = tenant?.status === 'suspended' || tenant?.status === 'deleting' ? tenant.status : undefined;
  return { tenantId, keyId, scope: record.scope, actor: `apikey:${keyId}`, ...(tenantStatus ? { tenantStatus } : {}) };
}
