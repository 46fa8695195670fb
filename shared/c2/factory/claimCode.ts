/**
 * Claim codes of factory devices: 24 random characters of Crockford's base32 (120 bits from the CSPRNG) and a
 * check character (Luhn mod 32), printed in five groups of five (`7K3QX-...`). Typing is forgiving (case,
 * separators, O for 0, I and L for 1), and the check character tells a typo (any one wrong character, any two
 * neighbours swapped but 0 and Z: 400)
 * from a code that is well typed but unknown (404). Only the SHA-256 of the canonical 24 characters is stored: with
 * 120 random bits a fast hash is enough (no dictionary to try, unlike a password), and it keeps the lookup one read.
 * Pure.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../../e4/index.js';

export const CLAIM_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Random characters of a code (5 bits each: 120 bits). */
export const CLAIM_CODE_RANDOM_CHARS = 24;
const GROUP = 5;

/** What a typed code is: its canonical form (the random characters), or why it is not one. */
export type ParsedClaimCode =
  | { readonly ok: true; readonly canonical: string }
  | { readonly ok: false; readonly reason: 'malformed' | 'typo' };

/** A new code, formatted for a label: `XXXXX-XXXXX-XXXXX-XXXXX-XXXXX` (the last character is the check). */
export function newClaimCode(random: (length: number) => Uint8Array): string {
  const bytes = random((CLAIM_CODE_RANDOM_CHARS * 5) / 8);
  let bits = 0;
  let value = 0;
  let canonical = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      canonical += CLAIM_CODE_ALPHABET[(value >>> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  bytes.fill(0);
  return formatClaimCode(canonical + checkCharacter(canonical));
}

/** The check character of `canonical` (characters of the alphabet): Luhn mod 32. */
export function checkCharacter(canonical: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = canonical.length - 1; i >= 0; i--) {
    const addend = factor * CLAIM_CODE_ALPHABET.indexOf(canonical[i]!);
    factor = factor === 2 ? 1 : 2;
    sum += Math.floor(addend / 32) + (addend % 32);
  }
  return CLAIM_CODE_ALPHABET[(32 - (sum % 32)) % 32]!;
}

/** Groups of five characters joined by dashes. */
export function formatClaimCode(characters: string): string {
  return characters.match(new RegExp(`.{1,${GROUP}}`, 'g'))!.join('-');
}

/** A code as typed (any case, dashes or spaces, O/I/L for 0/1/1), checked; never throws. */
export function parseClaimCode(text: unknown): ParsedClaimCode {
  if (typeof text !== 'string' || text.length > 64) return { ok: false, reason: 'malformed' };
  const characters = text.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (characters.length !== CLAIM_CODE_RANDOM_CHARS + 1) return { ok: false, reason: 'malformed' };
  for (const character of characters) {
    if (!CLAIM_CODE_ALPHABET.includes(character)) return { ok: false, reason: 'malformed' };
  }
  const canonical = characters.slice(0, CLAIM_CODE_RANDOM_CHARS);
  if (checkCharacter(canonical) !== characters.at(-1)) return { ok: false, reason: 'typo' };
  return { ok: true, canonical };
}

/** What is stored of a code: the SHA-256 of its canonical characters. */
export function claimCodeHash(canonical: string): Uint8Array {
  return sha256(utf8(canonical));
}
