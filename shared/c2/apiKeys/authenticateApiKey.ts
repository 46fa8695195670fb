/**
 * The principal an API key stands for: its tenant, key id, scope and the actor `apikey:<key id>`. Undefined for
 * anything that is not a well-formed token of a stored key with that secret, and for a revoked or expired key (the
 * caller cannot tell which: never throws for bad input; a failing store still rejects). One read per request; the
 * key's `lastUsedAt` is written (recordKeyUse.ts). A platform key (`e4c2p.`) goes to authenticatePlatformKey. The
 * tenant's registry item is read with the key (in parallel): a suspended tenant's (or one being deleted) principal
 * carries `tenantStatus`, which the API turns into 403 TENANT_SUSPENDED; a tenant without one (made before the
 * registry) is active.
 */
import type { C2Deps } from '../C2Deps.js';
import { authenticatePlatformKey } from '../platform/authenticatePlatformKey.js';
import { isPlatformKeyToken } from '../platform/platformKeyToken.js';
import type { Principal } from '../ports.js';
import { apiKeyStatus } from './ApiKeyView.js';
import { parseApiKeyToken } from './apiKeyToken.js';
import { recordKeyUse } from './recordKeyUse.js';
import { secretMatches } from './secretMatches.js';

export async function authenticateApiKey(deps: C2Deps, token: string): Promise<Principal | undefined> {
  if (isPlatformKeyToken(token)) return authenticatePlatformKey(deps, token);
  const parsed = parseApiKeyToken(token);
  if (!parsed) return undefined;
  const { tenantId, keyId, secret } = parsed;
  const [record, tenant] = await Promise.all([deps.store.getApiKey(tenantId, keyId), deps.store.getTenant(tenantId)]);
  if (!secretMatches(secret, record, keyId) || record?.tenantId !== tenantId) return undefined;
  const now = deps.clock();
  // A deleted tenant's keys are no keys (a key made after its sweep, by a request its cache let through, included).
  if (apiKeyStatus(record, now) !== 'active' || tenant?.status === 'deleted') return undefined;
  await recordKeyUse(deps, tenantId, record, now);
  const tenantStatus = tenant?.status === 'suspended' || tenant?.status === 'deleting' ? tenant.status : undefined;
  return { tenantId, keyId, scope: record.scope, actor: `apikey:${keyId}`, ...(tenantStatus ? { tenantStatus } : {}) };
}
