/**
 * A new secret for an API key: same key id, scope, name and expiry. The old secret is refused at once (no overlap:
 * a rotation is what one does after a leak; a caller wanting a smooth switch creates a second key, moves to it, then
 * revokes the first). Conditional on the hash read, so that of two concurrent rotations one gets a token that works
 * and the other a CONCURRENT_UPDATE, never a dead token. A revoked or expired key is not rotated (WRONG_MODE).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import type { Caller } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { apiKeyStatus, apiKeyView } from './ApiKeyView.js';
import { API_KEY_SECRET_LENGTH, apiKeyPrefix, formatApiKeyToken } from './apiKeyToken.js';
import type { CreatedApiKey } from './createApiKey.js';
import { requireApiKey } from './requireApiKey.js';

export async function rotateApiKey(deps: C2Deps, caller: Caller, keyId: string): Promise<CreatedApiKey> {
  const { tenantId } = caller;
  const record = await requireApiKey(deps, tenantId, keyId);
  const now = deps.clock();
  const status = apiKeyStatus(record, now);
  if (status !== 'active') throw new C2Error(C2ErrorCode.WrongMode, `API key "${keyId}" is ${status}`);
  const secret = randomBytesOf(deps)(API_KEY_SECRET_LENGTH);
  try {
    const token = formatApiKeyToken({ tenantId, keyId, secret });
    const rotated = { ...record, secretHash: sha256(secret), prefix: apiKeyPrefix(token) };
    const rotatedAt = new Date(now).toISOString();
    await audited(deps, caller, 'apikey.rotate', { type: 'apikey', name: keyId }, async () => {
      await deps.store.replaceApiKeySecret(tenantId, keyId, {
        secretHash: rotated.secretHash,
        prefix: rotated.prefix,
        rotatedAt,
        expectedHash: record.secretHash,
      });
      return { value: undefined, details: { prefix: rotated.prefix, previousPrefix: record.prefix } };
    });
    return { ...apiKeyView({ ...rotated, rotatedAt }, now), token };
  } finally {
    secret.fill(0);
  }
}
