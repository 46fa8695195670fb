/**
 * The principal a platform key stands for: scope `platform`, the platform's records as its tenant and the actor
 * `platform:<key id>`. Undefined, as for tenant keys (authenticateApiKey.ts, which hands platform tokens here), for
 * anything but a well-formed token of a stored, usable platform key with that secret; `lastUsedAt` written as there.
 */
import { apiKeyStatus } from '../apiKeys/ApiKeyView.js';
import { recordKeyUse } from '../apiKeys/recordKeyUse.js';
import { secretMatches } from '../apiKeys/secretMatches.js';
import type { C2Deps } from '../C2Deps.js';
import type { Principal } from '../ports.js';
import { PLATFORM_TENANT, parsePlatformKeyToken } from './platformKeyToken.js';

export async function authenticatePlatformKey(deps: C2Deps, token: string): Promise<Principal | undefined> {
  const parsed = parsePlatformKeyToken(token);
  if (!parsed) return undefined;
  const { keyId, secret } = parsed;
  const record = await deps.store.getApiKey(PLATFORM_TENANT, keyId);
  if (!secretMatches(secret, record, keyId) || !record) return undefined;
  const now = deps.clock();
  if (apiKeyStatus(record, now) !== 'active') return undefined;
  await recordKeyUse(deps, PLATFORM_TENANT, record, now);
  return { tenantId: PLATFORM_TENANT, keyId, scope: 'platform', actor: `platform:${keyId}` };
}
