/**
 * Whether a token's secret is the stored key's: SHA-256 of the secret compared with the stored hash in constant
 * time (the response time tells nothing about how much of a secret was right). The secret's bytes are wiped.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../../e4/index.js';
import type { ApiKeyRecord } from '../ports.js';

export function secretMatches(secret: Uint8Array, record: ApiKeyRecord | undefined, keyId: string): boolean {
  const hash = sha256(secret);
  secret.fill(0);
  return record !== undefined && record.keyId === keyId && equalBytes(hash, record.secretHash);
}
