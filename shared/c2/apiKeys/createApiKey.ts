/**
 * Issues an API key of the caller's tenant: a random key id and secret, of which only the SHA-256 of the secret is
 * stored. The token is returned once; a lost token is replaced by a new key.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { C2Deps } from '../C2Deps.js';
import { validateClientName } from '../clients/validateClientName.js';
import { audited } from '../events/audited.js';
import type { ApiKeyRecord, Caller } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { API_KEY_SECRET_LENGTH, formatApiKeyToken } from './apiKeyToken.js';
import { validateTenantId } from './validateTenantId.js';

export interface CreatedApiKey {
  readonly keyId: string;
  readonly name: string;
  readonly role: 'admin';
  readonly createdAt: string;
  /** `e4c2.<tenant id>.<key id>.<secret>`: shown once, never stored. */
  readonly token: string;
}

export async function createApiKey(deps: C2Deps, caller: Caller, input: { name: string }): Promise<CreatedApiKey> {
  const tenantId = validateTenantId(caller.tenantId);
  // Key names follow the rules of client names (1 to 255 bytes of UTF-8, no NUL).
  const name = validateClientName(input?.name);
  const keyId = bytesToHex(randomBytesOf(deps)(8));
  const secret = randomBytesOf(deps)(API_KEY_SECRET_LENGTH);
  try {
    const record: ApiKeyRecord = {
      keyId,
      tenantId,
      name,
      role: 'admin',
      secretHash: sha256(secret),
      createdAt: new Date(deps.clock()).toISOString(),
    };
    await audited(deps, caller, 'apikey.create', { type: 'apikey', name: keyId }, async () => {
      await deps.store.createApiKey(record);
      return { value: undefined, details: { name, role: record.role } };
    });
    const { role, createdAt } = record;
    return { keyId, name, role, createdAt, token: formatApiKeyToken({ tenantId, keyId, secret }) };
  } finally {
    secret.fill(0);
  }
}
