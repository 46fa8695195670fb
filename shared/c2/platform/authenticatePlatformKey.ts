/**
 * The principal a platform key stands for: scope `platform`, the platform's records as its tenant and the actor
 * `platform:<key id>`. Undefined, as for tenant keys (authenticateApiKey.ts, which hands platform tokens here), for
 * anything but a well-formed token of a stored, usable platform key with that secret; `lastUsedAt` written as there.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../../e4/index.js';
import { apiKeyStatus } from '../apiKeys/ApiKeyView.js';
import type { C2Deps } from '../C2Deps.js';
import type { Principal } from '../ports.js';
import { PLATFORM_TENANT, parsePlatformKeyToken } from './platformKeyToken.js';

/** How often `lastUsedAt` is written at most (as for tenant keys; not imported: authenticateApiKey imports this). */
const LAST_USED_INTERVAL_MS = 60_000;

export async function authenticatePlatformKey(deps: C2Deps, token: string): Promise<Principal | undefined> {
  const parsed = parsePlatformKeyToken(token);
  if (!parsed) return undefined;
  const { keyId, secret } = parsed;
  const hash = sha256(secret);
  secret.fill(0);
  const record = await deps.store.getApiKey(PLATFORM_TENANT, keyId);
  // Constant-time comparison of the hashes.
  if (!record || record.keyId !== keyId || !equalBytes(hash, record.secretHash)) return undefined;
  const now = deps.clock();
  if (apiKeyStatus(record, now) !== 'active') return undefined;
  const notAfter = now - LAST_USED_INTERVAL_MS;
  if (record.lastUsedAt === undefined || Date.parse(record.lastUsedAt) <= notAfter) {
    const at = new Date(now).toISOString();
    await deps.store
      .recordApiKeyUsed(PLATFORM_TENANT, keyId, at, new Date(notAfter).toISOString())
      .catch(() => undefined);
  }
  return { tenantId: PLATFORM_TENANT, keyId, scope: 'platform', actor: `platform:${keyId}` };
}
