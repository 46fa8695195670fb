/**
 * Operation ids: sortable by creation time and unique, ULID-like. 26 characters of Crockford base32: 10 for the
 * milliseconds since the epoch (48 bits), 16 for 80 random bits. Ids of one millisecond sort by their random part.
 */
import type { C2Deps } from '../C2Deps.js';
import { randomBytesOf } from '../randomBytesOf.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_BYTES = 10;

/** What an operation id looks like (for checking ids that come from a request or a cursor). */
export const OPERATION_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export function newOperationId(deps: Pick<C2Deps, 'random' | 'clock'>): string {
  const ms = deps.clock();
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new RangeError(`clock out of range: ${ms}`);
  let time = '';
  for (let i = 0, rest = ms; i < TIME_CHARS; i++, rest = Math.floor(rest / 32)) time = ALPHABET[rest % 32] + time;
  // 80 bits as 16 groups of 5, read as one big number.
  let bits = 0n;
  for (const byte of randomBytesOf(deps)(RANDOM_BYTES)) bits = (bits << 8n) | BigInt(byte);
  let random = '';
  for (let i = 0; i < 16; i++, bits >>= 5n) random = ALPHABET[Number(bits & 31n)] + random;
  return time + random;
}
