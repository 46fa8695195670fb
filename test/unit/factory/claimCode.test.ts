/**
 * Claim codes: 24 random characters (120 bits) and a check character; every single-character typo and every swap
 * of two different neighbours (but 0 and Z) is told apart from a good code (property tests); forgiving input (case, separators,
 * O/I/L); only a hash is stored, the same for every spelling of one code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CLAIM_CODE_ALPHABET,
  checkCharacter,
  claimCodeHash,
  newClaimCode,
  parseClaimCode,
} from '../../../shared/c2/factory/claimCode.js';
import { bytesToHex } from '../../../shared/e4/index.js';

const randomOf = (bytes: Uint8Array) => (length: number) => {
  expect(length).toBe(15);
  return bytes.slice(0, length);
};
const codeArbitrary = fc.uint8Array({ minLength: 15, maxLength: 15 }).map((bytes) => newClaimCode(randomOf(bytes)));

describe('a claim code', () => {
  it('is five groups of five characters of the alphabet, the last a check character, and parses', () => {
    fc.assert(
      fc.property(codeArbitrary, (code) => {
        expect(code).toMatch(/^([0-9A-HJKMNP-TV-Z]{5}-){4}[0-9A-HJKMNP-TV-Z]{5}$/);
        const parsed = parseClaimCode(code);
        expect(parsed).toEqual({ ok: true, canonical: code.replaceAll('-', '').slice(0, 24) });
      }),
    );
  });

  it('holds 120 bits: every byte of randomness shows in the code', () => {
    const zero = newClaimCode(randomOf(new Uint8Array(15)));
    expect(zero).toBe(`00000-00000-00000-00000-0000${checkCharacter('0'.repeat(24))}`);
    const ones = newClaimCode(randomOf(new Uint8Array(15).fill(0xff)));
    expect(ones.replaceAll('-', '').slice(0, 24)).toBe('Z'.repeat(24));
  });

  it('tells a one-character typo from a code (never ok)', () => {
    fc.assert(
      fc.property(codeArbitrary, fc.nat(24), fc.nat(31), (code, position, shift) => {
        const characters = code.replaceAll('-', '').split('');
        const index = CLAIM_CODE_ALPHABET.indexOf(characters[position]!);
        characters[position] = CLAIM_CODE_ALPHABET[(index + 1 + (shift % 31)) % 32]!;
        expect(parseClaimCode(characters.join(''))).toEqual({ ok: false, reason: 'typo' });
      }),
    );
  });

  it('tells a swap of two different neighbours from a code, but 0 and Z (Luhn mod 32, as 09 and 90 in Luhn)', () => {
    fc.assert(
      fc.property(codeArbitrary, fc.nat(23), (code, position) => {
        const characters = code.replaceAll('-', '').split('');
        const pair = [characters[position], characters[position + 1]].sort().join('');
        fc.pre(characters[position] !== characters[position + 1] && pair !== '0Z');
        [characters[position], characters[position + 1]] = [characters[position + 1]!, characters[position]!];
        const parsed = parseClaimCode(characters.join(''));
        expect(parsed.ok).toBe(false);
      }),
    );
  });

  it('is read in any case, with spaces or dashes, O for 0 and I or L for 1', () => {
    const code = newClaimCode(randomOf(Uint8Array.from({ length: 15 }, (_, i) => i * 17)));
    const canonical = code.replaceAll('-', '').slice(0, 24);
    const messy = ` ${code.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'o').replaceAll('1', 'l')} `;
    expect(parseClaimCode(messy)).toEqual({ ok: true, canonical });
  });

  it('refuses what is not a code as malformed', () => {
    for (const text of ['', 'hello', 'U'.repeat(25), '0'.repeat(24), '0'.repeat(26), 'x'.repeat(100), 42, null]) {
      expect(parseClaimCode(text)).toEqual({ ok: false, reason: 'malformed' });
    }
  });

  it('is stored as the SHA-256 of its canonical characters', () => {
    expect(bytesToHex(claimCodeHash('0'.repeat(24)))).toMatch(/^[0-9a-f]{64}$/);
    expect(claimCodeHash('ABC')).toEqual(claimCodeHash('ABC'));
    expect(claimCodeHash('ABC')).not.toEqual(claimCodeHash('ABD'));
  });
});
