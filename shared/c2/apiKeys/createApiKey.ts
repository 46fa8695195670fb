/**
 * Issues an API key of the caller's tenant: a scope, an optional expiry, a random key id and secret, of which only
 * the SHA-256 of the secret is stored. The token is returned once; a lost token is replaced by rotating the key.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { C2Deps } from '../C2Deps.js';
import { validateClientName } from '../clients/validateClientName.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import type { ApiKeyRecord, Caller } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { type ApiKeyScope, isApiKeyScope } from './ApiKeyScope.js';
import { type ApiKeyView, apiKeyView } from './ApiKeyView.js';
import { API_KEY_SECRET_LENGTH, apiKeyPrefix, formatApiKeyToken } from './apiKeyToken.js';
import { validateTenantId } from './validateTenantId.js';

export interface CreatedApiKey extends ApiKeyView {
  /** `e4c2.<tenant id>.<key id>.<secret>`: shown once, never stored. */
  readonly token: string;
}

export interface ApiKeyInput {
  readonly name: string;
  readonly scope: ApiKeyScope;
  /** ISO 8601, in the future. */
  readonly expiresAt?: string;
}

export async function createApiKey(deps: C2Deps, caller: Caller, input: ApiKeyInput): Promise<CreatedApiKey> {
  const tenantId = validateTenantId(caller.tenantId);
  // Key names follow the rules of client names (1 to 255 bytes of UTF-8, no NUL).
  const name = validateClientName(input?.name);
  const scope = input.scope;
  if (!isApiKeyScope(scope)) {
    throw new C2Error(C2ErrorCode.InvalidInput, '"scope" must be one of admin, operator, read-only, enrol');
  }
  const now = deps.clock();
  const expiresAt = validateExpiry(input.expiresAt, now);
  const keyId = bytesToHex(randomBytesOf(deps)(8));
  const secret = randomBytesOf(deps)(API_KEY_SECRET_LENGTH);
  try {
    const token = formatApiKeyToken({ tenantId, keyId, secret });
    const record: ApiKeyRecord = {
      keyId,
      tenantId,
      name,
      scope,
      secretHash: sha256(secret),
      prefix: apiKeyPrefix(token),
      createdAt: new Date(now).toISOString(),
      ...(expiresAt === undefined ? {} : { expiresAt }),
    };
    await audited(deps, caller, 'apikey.create', { type: 'apikey', name: keyId }, async () => {
      await deps.store.createApiKey(record);
      const details = { name, scope, prefix: record.prefix, ...(expiresAt === undefined ? {} : { expiresAt }) };
      return { value: undefined, details };
    });
    return { ...apiKeyView(record, now), token };
  } finally {
    secret.fill(0);
  }
}

/** The expiry as ISO 8601 in UTC, later than `now`; undefined when none is given. */
function validateExpiry(expiresAt: unknown, now: number): string | undefined {
  if (expiresAt === undefined) return undefined;
  const at = typeof expiresAt === 'string' ? Date.parse(expiresAt) : Number.NaN;
  if (!Number.isFinite(at)) throw new C2Error(C2ErrorCode.InvalidInput, '"expiresAt" must be an ISO 8601 time');
  if (at <= now) throw new C2Error(C2ErrorCode.InvalidInput, '"expiresAt" must be in the future');
  return new Date(at).toISOString();
}
