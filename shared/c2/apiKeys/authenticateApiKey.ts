/**
 * The caller an API key stands for: its tenant, and the actor `apikey:<key id>`. Undefined for anything that is not
 * a well-formed token of a stored key with that secret (never throws for bad input; a failing store still rejects).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import type { Caller } from '../ports.js';
import { parseApiKeyToken } from './apiKeyToken.js';

export async function authenticateApiKey(deps: C2Deps, token: string): Promise<Caller | undefined> {
  const parsed = parseApiKeyToken(token);
  if (!parsed) return undefined;
  const { tenantId, keyId, secret } = parsed;
  const hash = sha256(secret);
  secret.fill(0);
  const record = await deps.store.getApiKey(tenantId, keyId);
  // Constant-time comparison of the hashes: the response time tells nothing about how much of a secret was right.
  if (!record || record.tenantId !== tenantId || record.keyId !== keyId || !equalBytes(hash, record.secretHash)) {
    return undefined;
  }
  return { tenantId, actor: `apikey:${keyId}` };
}
