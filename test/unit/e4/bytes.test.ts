import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  concatBytes,
  decodeUtf8,
  equalBytes,
  fromBase64,
  hexToBytes,
  isAllZero,
  isWellFormedString,
  readUint32LE,
  toBase64,
  utf8,
  writeUint64LE,
} from '../../../shared/e4/index.js';

// Node's Buffer is the reference implementation of base64 and hex here (it is not used by the library).
const nodeBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const nodeHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('base64: agrees with Buffer', () => {
  it('encodes random byte strings exactly as Buffer does (padded, standard alphabet)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        // Act
        const encoded = toBase64(bytes);

        // Assess
        expect(encoded).toBe(nodeBase64(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('decodes what Buffer encodes back to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        // Prepare
        const text = nodeBase64(bytes);

        // Act
        const decoded = fromBase64(text);

        // Assess
        expect(decoded).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('handles the RFC 4648 section 10 test strings', () => {
    // Prepare
    const cases: Array<[string, string]> = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];

    for (const [plain, encoded] of cases) {
      // Act
      const out = toBase64(utf8(plain));
      const back = fromBase64(encoded);

      // Assess
      expect(out).toBe(encoded);
      expect(back).toEqual(utf8(plain));
    }
  });

  it('encodes bytes whose sextets use the last alphabet characters (+ and /)', () => {
    // Prepare
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf, 0xfe]);

    // Act
    const encoded = toBase64(bytes);

    // Assess
    expect(encoded).toBe('+/+//g==');
    expect(fromBase64(encoded)).toEqual(bytes);
  });
});

describe('base64: strict decoding (Go StdEncoding, padded, zero trailing bits)', () => {
  const rejected: Array<[string, string]> = [
    ['length not a multiple of 4', 'Zm9vY'],
    ['missing padding', 'Zg'],
    ['missing one padding character', 'Zg='],
    ['too much padding', 'Zg==='],
    ['padding only', '===='],
    ['three padding characters in a group', 'Z==='],
    ['padding in the middle of the text', 'Zg==Zm9v'],
    ['padding before a data character', 'Zm=v'],
    ['padding character at the start', '=Zm9'],
    ['URL-safe alphabet (-)', 'Zm-v'],
    ['URL-safe alphabet (_)', 'Zm_v'],
    ['space', 'Zm9 v'],
    ['newline', 'Zm9v\nYmFy'],
    ['non-ASCII letter', 'Zm9é'],
    ['character above U+FFFF (two UTF-16 units)', 'Zm\u{1F600}'],
    ['NUL', 'Zm9\u0000'],
    ['non-zero trailing bits, one byte', 'Zh=='],
    ['non-zero trailing bits, one byte (low bit)', 'ZB=='],
    ['non-zero trailing bits, two bytes', 'Zm9='],
  ];

  for (const [label, text] of rejected) {
    it(`rejects ${label}: ${JSON.stringify(text)}`, () => {
      // Act
      const decoded = fromBase64(text);

      // Assess
      expect(decoded).toBeUndefined();
    });
  }

  it('accepts the canonical forms next to the rejected ones', () => {
    // Act + Assess
    expect(fromBase64('Zg==')).toEqual(new Uint8Array([0x66]));
    expect(fromBase64('Zm8=')).toEqual(new Uint8Array([0x66, 0x6f]));
    expect(fromBase64('')).toEqual(new Uint8Array(0));
  });

  it('never throws, and whatever it accepts re-encodes to the same text', () => {
    const alphabet = fc.constantFrom(
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n'.split(''),
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }), (chars) => {
        // Prepare
        const text = chars.join('');

        // Act
        const decoded = fromBase64(text);

        // Assess
        if (decoded !== undefined) expect(toBase64(decoded)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('hex', () => {
  it('encodes lowercase, as Buffer does, and decodes back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        // Act
        const text = bytesToHex(bytes);

        // Assess
        expect(text).toBe(nodeHex(bytes));
        expect(hexToBytes(text)).toEqual(bytes);
      }),
    );
  });

  it('rejects odd lengths and non-hex characters', () => {
    // Act + Assess
    expect(() => hexToBytes('abc')).toThrow();
    expect(() => hexToBytes('zz')).toThrow();
    expect(() => hexToBytes('0g')).toThrow();
  });
});

describe('equalBytes', () => {
  it('is true for equal contents and false for any single-byte difference', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (a, i, d) => {
          // Prepare
          const same = a.slice();
          const other = a.slice();
          const at = i % a.length;
          other[at] = other[at]! ^ d;

          // Act + Assess
          expect(equalBytes(a, same)).toBe(true);
          expect(equalBytes(a, other)).toBe(false);
        },
      ),
    );
  });

  it('is false when lengths differ, even for a prefix', () => {
    // Prepare
    const a = new Uint8Array([1, 2, 3]);

    // Act + Assess
    expect(equalBytes(a, a.subarray(0, 2))).toBe(false);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });
});

describe('writeUint64LE / readUint32LE', () => {
  it('writes every safe integer as DataView.setBigUint64 does (little-endian)', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.integer({ min: 0, max: 8 }), (value, offset) => {
        // Prepare
        const out = new Uint8Array(16).fill(0xee);
        const expected = new Uint8Array(16).fill(0xee);
        new DataView(expected.buffer).setBigUint64(offset, BigInt(value), true);

        // Act
        writeUint64LE(out, offset, value);

        // Assess
        expect(out).toEqual(expected);
      }),
    );
  });

  it('writes the edge values 0, 2^32 - 1, 2^32 and 2^53 - 1', () => {
    // Prepare
    const cases: Array<[number, string]> = [
      [0, '0000000000000000'],
      [0xffff_ffff, 'ffffffff00000000'],
      [0x1_0000_0000, '0000000001000000'],
      [Number.MAX_SAFE_INTEGER, 'ffffffffffff1f00'],
      [1700000000, '00f1536500000000'],
    ];

    for (const [value, hex] of cases) {
      const out = new Uint8Array(8);

      // Act
      writeUint64LE(out, 0, value);

      // Assess
      expect(bytesToHex(out)).toBe(hex);
    }
  });

  it('reads 32-bit little-endian values as unsigned', () => {
    // Prepare
    const bytes = new Uint8Array([0xaa, 0x78, 0x56, 0x34, 0x12, 0xff, 0xff, 0xff, 0xff]);

    // Act + Assess
    expect(readUint32LE(bytes, 1)).toBe(0x12345678);
    expect(readUint32LE(bytes, 5)).toBe(0xffff_ffff);
  });
});

describe('utf8 helpers and small predicates', () => {
  it('decodeUtf8 returns undefined for invalid UTF-8 and the text otherwise', () => {
    // Act + Assess
    expect(decodeUtf8(new Uint8Array([0xff, 0xfe]))).toBeUndefined();
    expect(decodeUtf8(new Uint8Array([0xc3]))).toBeUndefined();
    expect(decodeUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBeUndefined(); // an encoded surrogate
    expect(decodeUtf8(utf8('Ünïcødé/トピック'))).toBe('Ünïcødé/トピック');
  });

  it('isWellFormedString finds lone surrogates anywhere', () => {
    // Act + Assess
    expect(isWellFormedString('abc\u{1F600}')).toBe(true);
    expect(isWellFormedString('a\ud800')).toBe(false);
    expect(isWellFormedString('\udc00a')).toBe(false);
    expect(isWellFormedString('\ud800\ud800\udc00')).toBe(false);
    expect(isWellFormedString('')).toBe(true);
  });

  it('isAllZero and concatBytes', () => {
    // Act + Assess
    expect(isAllZero(new Uint8Array(32))).toBe(true);
    expect(isAllZero(new Uint8Array(0))).toBe(true);
    const almost = new Uint8Array(32);
    almost[31] = 1;
    expect(isAllZero(almost)).toBe(false);
    expect(concatBytes(new Uint8Array([1]), new Uint8Array([2, 3]))).toEqual(new Uint8Array([1, 2, 3]));
  });
});
