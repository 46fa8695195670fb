/**
 * One AES-SIV suite for every implementation: the pure one (browsers, edge runtimes) and the node:crypto one, the
 * latter with a threshold of 0 (every message through OpenSSL: the C2's engine), of 16 bytes (every message of 16
 * bytes or more goes through OpenSSL) and with its default threshold (short messages through its pure fallback). Sizes cross the 4096-byte scratch limit of the
 * node:crypto path. The reference is @noble/ciphers' RFC 5297 `aessiv` under E4's double key K‖K.
 *
 * RFC 5297 appendix A.1 cannot serve directly (it uses two different halves, E4 uses K‖K), so the known answers
 * are E4's (docs/protocol.md, section 10): e4go's own test, and a worked example computed with independent primitives.
 */
import { aessiv, unsafe } from '@noble/ciphers/aes.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CryptoEngine, SivKey } from '../../../shared/e4/crypto/CryptoEngine.js';
import { ed25519PrivateKeyFromSeed } from '../../../shared/e4/crypto/keys.js';
import { PureSivKey } from '../../../shared/e4/crypto/PureSivKey.js';
import { pureEngine } from '../../../shared/e4/crypto/pureEngine.js';
import { NODE_SIV_THRESHOLD, NodeSivKey } from '../../../shared/e4/node/NodeSivKey.js';
import { nodeEngine } from '../../../shared/e4/node/nodeEngine.js';
import { pseudoRandomBytes } from '../../support/fuzzDevices.js';

type MakeSiv = (key: Uint8Array) => SivKey;

const implementations: Array<[string, MakeSiv]> = [
  ['PureSivKey', (key) => new PureSivKey(key)],
  ['NodeSivKey, threshold 16 (OpenSSL path)', (key) => new NodeSivKey(key, 16)],
  ['NodeSivKey, threshold 0 (OpenSSL only: the C2)', (key) => new NodeSivKey(key, 0)],
  [`NodeSivKey, default threshold ${NODE_SIV_THRESHOLD}`, (key) => new NodeSivKey(key)],
];

const SIZES = [
  ...Array.from({ length: 301 }, (_, i) => i),
  ...Array.from({ length: 19 }, (_, i) => 4095 + i),
  5000,
  65536 + 7,
];
const FAST_CHECK_RUNS = 200;

/** Deterministic pseudo-random bytes, so failures reproduce. */
const bytes = pseudoRandomBytes;

function reference(key: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const doubleKey = new Uint8Array(64);
  doubleKey.set(key);
  doubleKey.set(key, 32);
  return aessiv(doubleKey, ad).encrypt(plaintext);
}

function seal(siv: SivKey, ad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const out = new Uint8Array(16 + plaintext.length);
  siv.sealInto(ad, plaintext, out, 0);
  return out;
}

/** A copy of `data` placed at an odd offset of a larger buffer (an unaligned view). */
function unaligned(data: Uint8Array, offset = 3): Uint8Array {
  const host = new Uint8Array(data.length + offset + 5).fill(0xa5);
  host.set(data, offset);
  return host.subarray(offset, offset + data.length);
}

const range = (from: number, length: number): Uint8Array => Uint8Array.from({ length }, (_, i) => from + i);

/** Byte equality that stays fast at 64 KiB (a deep toEqual walks every element). */
function same(actual: Uint8Array | undefined, expected: Uint8Array): boolean {
  return actual !== undefined && actual.length === expected.length && Buffer.compare(actual, expected) === 0;
}

describe.each(implementations)('AES-SIV (E4 double key): %s', (_, make) => {
  describe('known answers', () => {
    it('reproduces the e4go known answer', () => {
      // Prepare
      const siv = make(range(0, 32));

      // Act
      const sealed = seal(siv, range(0, 8), range(0, 64));

      // Assess
      expect(bytesToHex(sealed)).toBe(
        'a3aa7116fa4df9d24e1ca02ded5da4c845b190581922cb00de091fc8fb7f065b91e691bb559ad69a8298624aa31df4bb' +
          '8a3a8cfe556becf5d4e996bb93ac1416b14c4b8939f96ec5daae22d0ebe4af53',
      );
      expect(siv.open(range(0, 8), sealed)).toEqual(range(0, 64));
    });

    it('reproduces the symmetric-mode "hello" message of the worked example', () => {
      // Prepare
      const siv = make(range(0x10, 32));
      const timestamp = hexToBytes('00f5a65e00000000');

      // Act
      const sealed = seal(siv, timestamp, new TextEncoder().encode('hello'));

      // Assess
      expect(bytesToHex(sealed)).toBe('3c7ca7e3ab361f966dac95dff3f19da01a0a67b74a');
    });

    it('reproduces the SetTopicKey command of the worked example (49 bytes, client key)', () => {
      // Prepare
      const siv = make(range(0xa0, 32));
      const timestamp = hexToBytes('00f5a65e00000000');
      const command = hexToBytes(
        '03101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2fd582ab3f5d844c7a4ce73d7b7dd36fc0',
      );

      // Act
      const sealed = seal(siv, timestamp, command);

      // Assess
      expect(bytesToHex(sealed)).toBe(
        '4b46b5b4a1607962eeb44b3b4af88e0155bfcd97811d1eff9a6cc4b892522b02ac3630e90aa0f0db235340e8e2453db3' +
          'bccdfdb26b558cf9ed8a743d0768565acd',
      );
      expect(siv.open(timestamp, sealed)).toEqual(command);
    });

    it('reproduces the C2 database encryption of the worked example (one EMPTY associated-data item)', () => {
      // Prepare
      const dbKey = hexToBytes('d0d1d2d3d4d5d6d7d8d9dadbdcdddedfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf');
      const topicKey = range(0x10, 32);

      // Act
      const sealed = seal(make(dbKey), new Uint8Array(0), topicKey);

      // Assess
      expect(bytesToHex(sealed)).toBe(
        'bf2202bba094b12a910eed794aff08c947088314d478d2c04734c061621cad4176f2c691f1b65ed0d0c81ca9acc44132',
      );
      expect(make(dbKey).open(new Uint8Array(0), sealed)).toEqual(topicKey);
    });
  });

  describe('against @noble/ciphers aessiv(K‖K, ad)', () => {
    it(`matches at every size of ${SIZES.length} (0..300, 4095..4113, 5000, 65543) and round-trips`, () => {
      // Prepare
      const key = bytes(32, 1);
      const siv = make(key);
      const ad = bytes(8, 2);
      const mismatches: number[] = [];

      // Act
      for (const size of SIZES) {
        const plaintext = bytes(size, size + 3);
        const sealed = seal(siv, ad, plaintext);
        if (!same(sealed, reference(key, ad, plaintext))) mismatches.push(size);
        else if (!same(siv.open(ad, sealed), plaintext)) mismatches.push(-size - 1);
      }

      // Assess
      expect(mismatches).toEqual([]);
    });

    it('matches for random keys, associated data (0..40 bytes) and plaintexts (property)', () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ maxLength: 40 }),
          fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ maxLength: 1100 })),
          (key, ad, plaintext) => {
            // Act
            const siv = make(key);
            const sealed = seal(siv, ad, plaintext);

            // Assess
            expect(bytesToHex(sealed)).toBe(bytesToHex(reference(key, ad, plaintext)));
            expect(siv.open(ad, sealed)).toEqual(plaintext);
          },
        ),
        { numRuns: FAST_CHECK_RUNS },
      );
    });

    it('keeps every result right when sizes and keys are interleaved (no state leaks between calls)', () => {
      // Prepare
      const keys = [bytes(32, 7), bytes(32, 8)];
      const sivs = keys.map(make);
      const ad = bytes(8, 9);
      const sizes = [1024, 17, 4113, 0, 600, 65543, 16, 4096, 1024, 33, 5000, 1];

      // Act + Assess
      for (let round = 0; round < 3; round++) {
        sizes.forEach((size, i) => {
          const which = (i + round) % 2;
          const plaintext = bytes(size, 100 * round + i);
          const sealed = seal(sivs[which]!, ad, plaintext);
          expect(same(sealed, reference(keys[which]!, ad, plaintext))).toBe(true);
          expect(sivs[1 - which]!.open(ad, sealed)).toBeUndefined();
          expect(same(sivs[which]!.open(ad, sealed), plaintext)).toBe(true);
        });
      }
    });
  });

  describe('authentication', () => {
    it('rejects any single bit flip in V ‖ C (every bit, several sizes)', () => {
      // Prepare
      const siv = make(bytes(32, 11));
      const ad = bytes(8, 12);
      const accepted: string[] = [];

      // Act
      for (const size of [0, 1, 15, 16, 17, 31, 32, 33, 64]) {
        const sealed = seal(siv, ad, bytes(size, size));
        for (let bit = 0; bit < sealed.length * 8; bit++) {
          const tampered = sealed.slice();
          tampered[bit >>> 3]! ^= 1 << (bit & 7);
          if (siv.open(ad, tampered) !== undefined) accepted.push(`${size}:${bit}`);
        }
      }

      // Assess
      expect(accepted).toEqual([]);
    });

    it('rejects a single bit flip anywhere, at any size (property)', () => {
      const siv = make(bytes(32, 13));
      const ad = bytes(8, 14);
      fc.assert(
        fc.property(fc.constantFrom(...SIZES.filter((s) => s % 7 === 0 || s > 4000)), fc.nat(), (size, position) => {
          // Prepare
          const sealed = seal(siv, ad, bytes(size, size + 1));
          const bit = position % (sealed.length * 8);
          sealed[bit >>> 3]! ^= 1 << (bit & 7);

          // Act + Assess
          expect(siv.open(ad, sealed)).toBeUndefined();
        }),
        { numRuns: Math.min(FAST_CHECK_RUNS, 300) },
      );
    });

    it('rejects changed associated data and a wrong key', () => {
      // Prepare
      const ad = bytes(8, 15);
      for (const size of [0, 5, 16, 100, 1024, 4097, 65543]) {
        const sealed = seal(make(bytes(32, 16)), ad, bytes(size, 17));
        const otherAd = ad.slice();
        otherAd[7]! ^= 0x80;

        // Act + Assess
        expect(make(bytes(32, 18)).open(ad, sealed)).toBeUndefined();
        expect(make(bytes(32, 16)).open(otherAd, sealed)).toBeUndefined();
        expect(make(bytes(32, 16)).open(new Uint8Array(0), sealed)).toBeUndefined();
      }
    });
  });

  describe('buffers', () => {
    it('writes only its own range when sealing at an offset into a larger buffer', () => {
      // Prepare
      const key = bytes(32, 19);
      const siv = make(key);
      const ad = bytes(8, 20);

      for (const size of [0, 7, 16, 100, 600, 4096, 4100, 65543]) {
        for (const offset of [0, 1, 24, 41]) {
          const plaintext = bytes(size, size + offset);
          const out = new Uint8Array(offset + 16 + size + 9).fill(0xee);

          // Act
          siv.sealInto(ad, plaintext, out, offset);

          // Assess
          expect(out.subarray(0, offset).every((b) => b === 0xee)).toBe(true);
          expect(out.subarray(offset + 16 + size).every((b) => b === 0xee)).toBe(true);
          expect(bytesToHex(out.subarray(offset, offset + 16 + size))).toBe(bytesToHex(reference(key, ad, plaintext)));
        }
      }
    });

    it('works on unaligned views (inputs and output at odd offsets) and does not change its inputs', () => {
      // Prepare
      const key = bytes(32, 21);
      const siv = make(unaligned(key, 1));

      for (const size of [0, 3, 16, 17, 250, 1024, 1031, 4096, 4111, 65543]) {
        const ad = unaligned(bytes(8, size), 5);
        const plaintext = unaligned(bytes(size, size + 2), 3);
        const plaintextBefore = plaintext.slice();
        const expected = reference(key, ad, plaintext);
        const host = new Uint8Array(16 + size + 10);

        // Act
        siv.sealInto(ad, plaintext, host, 7);
        const sealed = unaligned(host.subarray(7, 7 + 16 + size), 1);
        const sealedBefore = sealed.slice();
        const opened = siv.open(ad, sealed);

        // Assess
        expect(same(host.subarray(7, 7 + 16 + size), expected)).toBe(true);
        expect(same(opened, plaintextBefore)).toBe(true);
        expect(opened).toBeInstanceOf(Uint8Array);
        expect(same(plaintext, plaintextBefore)).toBe(true);
        expect(same(sealed, sealedBefore)).toBe(true);
      }
    });

    it('returns plaintexts that later calls do not change', () => {
      // Prepare
      const siv = make(bytes(32, 22));
      const ad = bytes(8, 23);
      const sizes = [5, 40, 1024, 4096, 5000];
      const plaintexts = sizes.map((size) => bytes(size, size));
      const sealed = plaintexts.map((p) => seal(siv, ad, p));

      // Act
      const opened = sealed.map((s) => siv.open(ad, s));
      for (const s of sealed) siv.open(ad, s);
      seal(siv, ad, bytes(4096, 99));

      // Assess
      expect(opened).toEqual(plaintexts);
    });
  });
});

describe("@noble/ciphers' unstable export used by PureSivKey", () => {
  it('unsafe.expandKeyLE gives the FIPS 197 A.3 AES-256 key schedule, 60 little-endian words', () => {
    // Prepare: FIPS 197 appendix A.3; the last four words are w56..w59.
    const key = hexToBytes('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');

    // Act
    const expanded = unsafe.expandKeyLE(key);

    // Assess
    expect(expanded).toBeInstanceOf(Uint32Array);
    expect(expanded).toHaveLength(60);
    const bytes = new Uint8Array(expanded.buffer, expanded.byteOffset, expanded.byteLength);
    expect(bytesToHex(bytes.subarray(0, 32))).toBe(bytesToHex(key));
    expect(bytesToHex(bytes.subarray(224))).toBe('fe4890d1e6188d0b046df344706c631e');
  });
});

describe('engines: pure (noble) and node (OpenSSL) agree', () => {
  const engines: Array<[string, CryptoEngine]> = [
    ['pure', pureEngine],
    ['node', nodeEngine],
  ];
  // The worked example of docs/protocol.md, section 10 (public-key mode).
  const seed = range(0x40, 32);
  const publicKey = hexToBytes('2543b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d');
  const privateKey = new Uint8Array([...seed, ...publicKey]);
  const otherPublic = ed25519PrivateKeyFromSeed(range(0x60, 32)).publicKey;

  it.each(engines)('%s sivKey seals as the reference and opens what it sealed', (_, engine) => {
    for (const size of [0, 5, 100, 1024, 5000]) {
      // Prepare
      const key = bytes(32, size + 50);
      const ad = bytes(8, size + 51);
      const plaintext = bytes(size, size + 52);

      // Act
      const siv = engine.sivKey(key);
      const sealed = seal(siv, ad, plaintext);

      // Assess
      expect(same(sealed, reference(key, ad, plaintext))).toBe(true);
      expect(same(siv.open(ad, sealed), plaintext)).toBe(true);
    }
  });

  it('sign: both engines produce the same (deterministic) signature, and each verifies the other', () => {
    for (const size of [0, 1, 64, 1024, 5000]) {
      // Prepare
      const message = bytes(size, size + 30);

      // Act
      const pureSig = pureEngine.sign(privateKey, message);
      const nodeSig = nodeEngine.sign(privateKey, message);

      // Assess
      expect(bytesToHex(nodeSig)).toBe(bytesToHex(pureSig));
      expect(pureEngine.verify(publicKey, message, nodeSig)).toBe(true);
      expect(nodeEngine.verify(publicKey, message, pureSig)).toBe(true);
    }
  });

  it.each(engines)('%s verify returns false, never throws, on a bad signature, key or message', (_, engine) => {
    // Prepare
    const message = bytes(100, 31);
    const signature = pureEngine.sign(privateKey, message);
    const flipped = (b: Uint8Array, i: number): Uint8Array => {
      const copy = b.slice();
      copy[i]! ^= 1;
      return copy;
    };

    // Act + Assess
    expect(engine.verify(publicKey, message, signature)).toBe(true);
    for (const i of [0, 31, 32, 63]) expect(engine.verify(publicKey, message, flipped(signature, i))).toBe(false);
    expect(engine.verify(publicKey, flipped(message, 50), signature)).toBe(false);
    expect(engine.verify(flipped(publicKey, 0), message, signature)).toBe(false);
    expect(engine.verify(otherPublic, message, signature)).toBe(false);
    expect(engine.verify(new Uint8Array(32).fill(0xff), message, signature)).toBe(false); // not a canonical point
    expect(engine.verify(new Uint8Array(32), message, signature)).toBe(false);
    for (const length of [0, 31, 33, 64]) {
      expect(engine.verify(new Uint8Array(length).fill(7), message, signature)).toBe(false);
    }
    for (const length of [0, 63, 65]) {
      expect(engine.verify(publicKey, message, new Uint8Array(length).fill(7))).toBe(false);
    }
    expect(engine.verify(publicKey, message, signature.subarray(0, 63))).toBe(false);
  });

  it("x25519: both engines compute the worked example's shared secret and agree on random keys", () => {
    // Prepare
    const clientCurvePrivate = hexToBytes('6028d4276d036d787ba4df5803e7d15ae9165e486417ad3ae5e48b49290cd656');
    const c2Public = hexToBytes('23b7bb8c91ae008711fb12846780bcdf1e065f821bdfec49f57e7c7dcd4c4823');
    const expected = '8ed6cbb0ba79a4d19fe91a9a46c30ccbad1da7028b3e3357f9bb4b37c3246525';

    // Act + Assess
    for (const [, engine] of engines) expect(bytesToHex(engine.x25519(clientCurvePrivate, c2Public))).toBe(expected);
    for (let i = 0; i < 20; i++) {
      const priv = bytes(32, 40 + i);
      const pub = bytes(32, 80 + i);
      pub[31]! &= 0x7f;
      expect(bytesToHex(nodeEngine.x25519(priv, pub))).toBe(bytesToHex(pureEngine.x25519(priv, pub)));
    }
  });

  it.each(engines)('%s x25519 throws on a low-order public key', (_, engine) => {
    expect(() => engine.x25519(bytes(32, 5), new Uint8Array(32))).toThrow();
  });

  it('sha3: both engines agree (and match SHA3-256("abc"))', () => {
    // Prepare
    const abc = new TextEncoder().encode('abc');

    // Act + Assess
    for (const [, engine] of engines) {
      expect(bytesToHex(engine.sha3(abc))).toBe('3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532');
    }
    for (const size of [0, 1, 135, 136, 137, 1000, 65543]) {
      const data = unaligned(bytes(size, size + 60));
      expect(bytesToHex(nodeEngine.sha3(data))).toBe(bytesToHex(pureEngine.sha3(data)));
    }
  });
});
