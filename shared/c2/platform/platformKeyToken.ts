/**
 * The platform operator's keys: `e4c2p.<key id>.<secret>` (key id 16 lowercase hex digits, secret 32 bytes in
 * base64url without padding), a class of their own, told from tenant keys (`e4c2.<tenant>. ...`) by their prefix.
 * They are stored as API key records (secret hashed) of the platform's own records, {@link PLATFORM_TENANT}: a
 * partition no tenant id can name (tenant ids are `[a-z0-9-]`), which also holds the platform's event log and its
 * operations (tenant deletions). Parsing is strict: one spelling per key.
 */
import { fromBase64, toBase64 } from '../../e4/index.js';

export const PLATFORM_KEY_PREFIX = 'e4c2p';
/** The tenant id of the platform's own records (`T#~platform`): never a valid tenant id. */
export const PLATFORM_TENANT = '~platform';
const KEY_ID_PATTERN = /^[0-9a-f]{16}$/;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** 5 + 1 + 16 + 1 + 43. */
const TOKEN_LENGTH = 66;

export interface PlatformKeyToken {
  readonly keyId: string;
  readonly secret: Uint8Array;
}

export function formatPlatformKeyToken({ keyId, secret }: PlatformKeyToken): string {
  const base64url = toBase64(secret).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
  return `${PLATFORM_KEY_PREFIX}.${keyId}.${base64url}`;
}

/** Whether `token` claims to be a platform key (well-formed or not): such a token is never a tenant key. */
export function isPlatformKeyToken(token: unknown): boolean {
  return typeof token === 'string' && token.startsWith(`${PLATFORM_KEY_PREFIX}.`);
}

/** The parts of a well-formed platform key, or undefined (never throws, whatever `token` is). */
export function parsePlatformKeyToken(token: unknown): PlatformKeyToken | undefined {
  if (typeof token !== 'string' || token.length !== TOKEN_LENGTH) return undefined;
  const [prefix, keyId, secretText, ...rest] = token.split('.');
  if (prefix !== PLATFORM_KEY_PREFIX || rest.length > 0 || keyId === undefined || secretText === undefined) {
    return undefined;
  }
  if (!KEY_ID_PATTERN.test(keyId) || !SECRET_PATTERN.test(secretText)) return undefined;
  // Strict decoding (zero trailing bits) makes the spelling of a secret unique.
  const secret = fromBase64(`${secretText.replaceAll('-', '+').replaceAll('_', '/')}=`);
  if (secret?.length !== 32) return undefined;
  return { keyId, secret };
}

/** The visible prefix of a platform key: `<key id>.<4 characters of the secret>` (as tenant keys' prefixes). */
export function platformKeyPrefix(token: string): string {
  const [, keyId, secretText] = token.split('.') as [string, string, string];
  return `${keyId}.${secretText.slice(0, 4)}`;
}
