/**
 * The text of an API key: `e4c2.<tenant id>.<key id>.<secret>`, the key id 16 lowercase hex digits, the secret 32
 * bytes in base64url without padding (43 characters). Parsing is strict: one spelling per key.
 */
import { fromBase64, toBase64 } from '../../e4/index.js';
import { TENANT_ID_PATTERN } from './validateTenantId.js';

export const API_KEY_PREFIX = 'e4c2';
export const API_KEY_SECRET_LENGTH = 32;
const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Longer than any well-formed token: 4 + 1 + 63 + 1 + 16 + 1 + 43. */
const MAX_TOKEN_LENGTH = 129;

export interface ApiKeyToken {
  readonly tenantId: string;
  readonly keyId: string;
  readonly secret: Uint8Array;
}

export function formatApiKeyToken({ tenantId, keyId, secret }: ApiKeyToken): string {
  const base64url = toBase64(secret).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
  return `${API_KEY_PREFIX}.${tenantId}.${keyId}.${base64url}`;
}

/** The parts of a well-formed token, or undefined (never throws, whatever `token` is). */
export function parseApiKeyToken(token: unknown): ApiKeyToken | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const parts = token.split('.');
  if (parts.length !== 4) return undefined;
  const [prefix, tenantId, keyId, secretText] = parts as [string, string, string, string];
  if (prefix !== API_KEY_PREFIX || !TENANT_ID_PATTERN.test(tenantId) || !KEY_ID_PATTERN.test(keyId)) return undefined;
  if (!SECRET_PATTERN.test(secretText)) return undefined;
  // Strict decoding (zero trailing bits) makes the spelling of a secret unique.
  const secret = fromBase64(`${secretText.replaceAll('-', '+').replaceAll('_', '/')}=`);
  if (secret?.length !== API_KEY_SECRET_LENGTH) return undefined;
  return { tenantId, keyId, secret };
}

/** Characters of the secret shown in a key's prefix: 24 of its 256 bits, leaving 232 unknown. */
const PREFIX_SECRET_CHARS = 4;

/**
 * The visible prefix of a token: what follows the tenant, up to 4 characters of the secret (`<key id>.<4 chars>`).
 * Enough to tell which key and which of its secrets a token is, never enough of the secret to matter.
 */
export function apiKeyPrefix(token: string): string {
  const [, , keyId, secretText] = token.split('.') as [string, string, string, string];
  return `${keyId}.${secretText.slice(0, PREFIX_SECRET_CHARS)}`;
}
