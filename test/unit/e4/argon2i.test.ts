import { argon2i as nobleArgon2i } from '@noble/hashes/argon2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { argon2i, e4Argon2i } from '../../../shared/e4/crypto/argon2i.js';

// The RFC 9106 §5.2 Argon2i vector uses a secret and associated data, which this implementation
// does not support; noble (non-empty salts) and e4go (empty salt) serve as references instead.

const E4_PARAMS = { t: 1, m: 65536, p: 4, dkLen: 32 };
const SLOW = 20_000; // one 64 MiB derivation takes about a second

describe('argon2i: e4go known answers (empty salt, t=1, m=64 MiB, p=4, 32 bytes)', () => {
  const vectors: Array<[string, string]> = [
    ['testRandomPassword', 'ae153aa9dad7a10b0aed6d5bcfb407c77066acfbb2eaa702a6a88b6cf1b88c33'],
    ['some random password', 'b75a20c39feb46d189a8784eda1a366aa3ea8df44fc5b7fd634da4d7e4af98be'],
    ['very_secure_pass', '28a49878a24033d9a516a741f67744f145f3965f5ff9948656accacd4aadb2b5'],
    ['correct horse battery staple', '83f4c9f2c8cad8efa1de2f90c87770241f490c95d64fd312bf8850c85eb2ac80'],
  ];

  for (const [password, expected] of vectors) {
    it(
      `derives the e4go key for "${password}"`,
      () => {
        // Prepare
        const bytes = utf8ToBytes(password);

        // Act
        const key = argon2i(bytes, new Uint8Array(0), E4_PARAMS);

        // Assess
        expect(bytesToHex(key)).toBe(expected);
      },
      SLOW,
    );
  }

  it(
    'e4Argon2i uses the e4go parameters',
    () => {
      // Prepare
      const password = utf8ToBytes('testRandomPassword');

      // Act
      const key = e4Argon2i(password);

      // Assess
      expect(bytesToHex(key)).toBe('ae153aa9dad7a10b0aed6d5bcfb407c77066acfbb2eaa702a6a88b6cf1b88c33');
    },
    SLOW,
  );
});

describe('argon2i: agrees with @noble/hashes for salts of 8+ bytes', () => {
  it('matches noble argon2i over random inputs and parameters', () => {
    // Prepare
    const params = fc.integer({ min: 1, max: 4 }).chain((p) =>
      fc.record({
        t: fc.integer({ min: 1, max: 3 }),
        m: fc.integer({ min: 8 * p, max: 64 }),
        p: fc.constant(p),
        dkLen: fc.integer({ min: 4, max: 80 }),
      }),
    );
    const password = fc.uint8Array({ minLength: 0, maxLength: 64 });
    const salt = fc.uint8Array({ minLength: 8, maxLength: 32 });

    // Act + Assess
    fc.assert(
      fc.property(password, salt, params, (pw, s, opts) => {
        expect(bytesToHex(argon2i(pw, s, opts))).toBe(bytesToHex(nobleArgon2i(pw, s, opts)));
      }),
      { numRuns: 50 },
    );
  });
});

describe('argon2i: parameter validation', () => {
  const pw = utf8ToBytes('password');
  const salt = new Uint8Array(0);
  const ok = { t: 1, m: 8, p: 1, dkLen: 32 };

  it('accepts an empty salt and password', () => {
    // Prepare
    const empty = new Uint8Array(0);

    // Act
    const key = argon2i(empty, empty, ok);

    // Assess
    expect(key).toHaveLength(32);
  });

  it('rejects out-of-range parameters with RangeError', () => {
    // Prepare
    const bad = [
      { ...ok, t: 0 },
      { ...ok, p: 0 },
      { ...ok, p: 2 ** 24 },
      { ...ok, m: 7 },
      { ...ok, p: 2, m: 15 },
      { ...ok, dkLen: 3 },
    ];

    // Act + Assess
    for (const opts of bad) expect(() => argon2i(pw, salt, opts)).toThrow(RangeError);
  });

  it('rejects non-integer parameters and non-Uint8Array inputs with TypeError', () => {
    // Prepare
    const asBytes = (v: unknown) => v as Uint8Array;

    // Act + Assess
    expect(() => argon2i(asBytes('password'), salt, ok)).toThrow(TypeError);
    expect(() => argon2i(asBytes([1, 2, 3]), salt, ok)).toThrow(TypeError);
    expect(() => argon2i(pw, asBytes(undefined), ok)).toThrow(TypeError);
    expect(() => argon2i(pw, salt, { ...ok, t: 1.5 })).toThrow(TypeError);
    expect(() => argon2i(pw, salt, { ...ok, m: Number.NaN })).toThrow(TypeError);
    expect(() => e4Argon2i(asBytes('password'))).toThrow(/"password" must be a Uint8Array/);
  });
});
