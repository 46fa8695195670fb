/**
 * What the API shows of an API key: everything but its secret's hash, with `status` (active, expired or revoked)
 * worked out at the time of the answer.
 */
import type { ApiKeyRecord } from '../ports.js';

export interface ApiKeyView extends Omit<ApiKeyRecord, 'tenantId' | 'secretHash'> {
  readonly status: 'active' | 'expired' | 'revoked';
}

/** Whether the key is refused at `now` (ms): revoked, or expired. */
export function apiKeyStatus(record: ApiKeyRecord, now: number): ApiKeyView['status'] {
  if (record.revokedAt !== undefined) return 'revoked';
  if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now) return 'expired';
  return 'active';
}

export function apiKeyView(record: ApiKeyRecord, now: number): ApiKeyView {
  const { tenantId: _tenant, secretHash: _hash, ...fields } = record;
  return { ...fields, status: apiKeyStatus(record, now) };
}
