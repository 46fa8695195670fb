/**
 * The constant-time AES candidates of the issue-15 measurement are right before they are timed: the bitsliced block
 * function gives FIPS 197 C.3 (AES-256) and the T-tables' blocks on random keys and inputs in both slots; every
 * AES-SIV seal built on a candidate (bitsliced TypeScript, WebAssembly scalar and SIMD, WebCrypto) gives
 * PureSivKey's output byte for byte at every length around the block and batch boundaries and at the benchmark sizes.
 */
import { randomBytes } from 'node:crypto';
import { unsafe } from '@noble/ciphers/aes.js';
import { describe, expect, it } from 'vitest';
import { aes, PureSivKey, R } from '../../../shared/e4/crypto/PureSivKey.js';
import { BitslicedAes, OUT } from './BitslicedAes.js';
import { BitslicedSivKey } from './BitslicedSivKey.js';
import { loadWasm, WasmSivKey } from './WasmSivKey.js';
import { WebCryptoSivKey } from './webCryptoSeal.js';

const words = (b: Uint8Array): Int32Array => new Int32Array(Uint8Array.from(b).buffer);
const hex = (w: Int32Array): string => Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('hex');

function expand(key: Uint8Array): Int32Array {
  const e = unsafe.expandKeyLE(key);
  return new Int32Array(e.buffer, e.byteOffset, e.length);
}

describe('BitslicedAes', () => {
  it('encrypts the FIPS 197 C.3 block (AES-256) in either slot', () => {
    const ct = new BitslicedAes(expand(Uint8Array.from({ length: 32 }, (_, i) => i)));
    const p = words(Buffer.from('00112233445566778899aabbccddeeff', 'hex'));
    ct.encrypt2(p[0]!, p[1]!, p[2]!, p[3]!, 0, 0, 0, 0);
    expect(hex(OUT.subarray(0, 4))).toBe('8ea2b7ca516745bfeafc49904b496089');
    ct.encrypt2(0, 0, 0, 0, p[0]!, p[1]!, p[2]!, p[3]!);
    expect(hex(OUT.subarray(4, 8))).toBe('8ea2b7ca516745bfeafc49904b496089');
  });

  it('agrees with the T-table AES on random keys (128, 192, 256 bits) and blocks', () => {
    for (let i = 0; i < 300; i++) {
      const xk = expand(randomBytes([16, 24, 32][i % 3]!));
      const ct = new BitslicedAes(xk);
      const a = words(randomBytes(16));
      const b = words(randomBytes(16));
      ct.encrypt2(a[0]!, a[1]!, a[2]!, a[3]!, b[0]!, b[1]!, b[2]!, b[3]!);
      const got = hex(OUT);
      aes(xk, a[0]!, a[1]!, a[2]!, a[3]!);
      const first = hex(R);
      aes(xk, b[0]!, b[1]!, b[2]!, b[3]!);
      expect(got).toBe(first + hex(R));
    }
  });
});

const LENGTHS = [...Array.from({ length: 300 }, (_, i) => i), 1024, 1031, 65536];

describe('AES-SIV seals on the candidates', () => {
  it('equal PureSivKey (bitsliced TS, WASM scalar, WASM SIMD, WebCrypto)', async () => {
    const key = randomBytes(32);
    const reference = new PureSivKey(key);
    const bitsliced = new BitslicedSivKey(key);
    const scalar = new WasmSivKey(await loadWasm('scalar'), key);
    const simd = new WasmSivKey(await loadWasm('simd'), key);
    const webCrypto = await WebCryptoSivKey.create(key);
    for (const n of LENGTHS) {
      const ad = randomBytes(n % 3 === 0 ? 8 : 20);
      const plaintext = randomBytes(n);
      const expected = new Uint8Array(16 + n);
      reference.sealInto(ad, plaintext, expected, 0);
      for (const candidate of [bitsliced, scalar, simd]) {
        const out = new Uint8Array(16 + n);
        candidate.sealInto(ad, plaintext, out, 0);
        expect(Buffer.from(out).equals(expected), `length ${n}`).toBe(true);
      }
      expect(Buffer.from(await webCrypto.seal(ad, plaintext)).equals(expected), `length ${n}`).toBe(true);
    }
  });
});
