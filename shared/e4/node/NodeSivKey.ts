/**
 * AES-SIV on node:crypto (OpenSSL, AES-NI) for larger payloads, behind the same interface as the pure
 * implementation, which it uses below {@link NODE_SIV_THRESHOLD} bytes (there, a call into OpenSSL costs more than
 * the AES work itself).
 *
 * Node has no AES-SIV, so it is composed from long-lived cipher objects of the key:
 * - S2V: the timestamp step runs in the pure context (one block); the CMAC over the plaintext is a CBC-MAC on a
 *   streaming `aes-256-cbc` encryptor with a zero IV. A streaming CBC encryptor chains from its last output block c,
 *   so XORing c into the first block of the next message restarts the chain from zero: no cipher object per message.
 * - CTR: up to {@link SCRATCH_BYTES}, the counter blocks go through a streaming `aes-256-ecb` encryptor and are
 *   XORed with the data here; above, a per-message `aes-256-ctr` cipher does the XOR natively.
 * Input blocks are assembled in one module-level scratch buffer: every use is synchronous and `update()` copies.
 */
import { type Cipher, createCipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { SivKey } from '../crypto/CryptoEngine.js';
import { PureSivKey } from '../crypto/PureSivKey.js';

/** Payload size from which node:crypto beats the pure path (measured by `npm run bench`, see docs/benchmarks.md). */
export const NODE_SIV_THRESHOLD = 512;
const SCRATCH_BYTES = 4096;
const scratch = new Uint8Array(SCRATCH_BYTES + 32);
const scratch32 = new Uint32Array(scratch.buffer);
const ZERO_IV = new Uint8Array(16);

function bswap(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** RFC 5297 dbl() on a 16-byte block. */
function dbl(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  const carry = block[0]! >>> 7;
  for (let i = 0; i < 15; i++) out[i] = (block[i]! << 1) | (block[i + 1]! >>> 7);
  out[15] = (block[15]! << 1) ^ (0x87 & -carry);
  return out;
}

export class NodeSivKey implements SivKey {
  readonly #pure: PureSivKey;
  readonly #key: KeyObject;
  readonly #cbc: Cipher;
  readonly #ecb: Cipher;
  /** Last output block of the streaming CBC encryptor (its chaining value). */
  readonly #chain = new Uint8Array(16);
  readonly #k1: Uint8Array;
  readonly #k2: Uint8Array;
  readonly #d = new Uint8Array(16);
  readonly #threshold: number;

  constructor(key: Uint8Array, threshold = NODE_SIV_THRESHOLD) {
    this.#threshold = Math.max(16, threshold);
    this.#pure = new PureSivKey(key);
    this.#key = createSecretKey(key);
    this.#cbc = createCipheriv('aes-256-cbc', this.#key, ZERO_IV).setAutoPadding(false);
    this.#ecb = createCipheriv('aes-256-ecb', this.#key, null).setAutoPadding(false);
    this.#k1 = dbl(this.#ecb.update(new Uint8Array(16)));
    this.#k2 = dbl(this.#k1);
  }

  sealInto(ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    if (plaintext.length < this.#threshold) {
      this.#pure.sealInto(ad, plaintext, out, offset);
      return;
    }
    const v = this.#s2v(ad, plaintext);
    out.set(v, offset);
    const c = this.#ctr(v, plaintext, out, offset + 16);
    if (c) out.set(c, offset + 16);
  }

  open(ad: Uint8Array, sivAndCiphertext: Uint8Array): Uint8Array | undefined {
    const n = sivAndCiphertext.length - 16;
    if (n < this.#threshold) return this.#pure.open(ad, sivAndCiphertext);
    const v = sivAndCiphertext.subarray(0, 16);
    let plaintext: Uint8Array = new Uint8Array(n <= SCRATCH_BYTES ? n : 0);
    plaintext = this.#ctr(v, sivAndCiphertext.subarray(16), plaintext, 0) ?? plaintext;
    const t = this.#s2v(ad, plaintext);
    let diff = 0;
    for (let i = 0; i < 16; i++) diff |= t[i]! ^ v[i]!;
    if (diff !== 0) {
      plaintext.fill(0);
      return undefined;
    }
    return plaintext;
  }

  /** S2V(ad, p) for |p| >= 16: V = CMAC(p xorend D). */
  #s2v(ad: Uint8Array, p: Uint8Array): Uint8Array {
    const d = this.#d;
    this.#pure.s2vPrefix(ad, d);
    const n = p.length;
    const complete = n % 16 === 0;
    const padded = complete ? n : (Math.floor(n / 16) + 1) * 16;
    const k = complete ? this.#k1 : this.#k2;
    const chain = this.#chain;
    let last: Uint8Array;
    if (padded <= SCRATCH_BYTES) {
      // One update: the whole (padded, modified) message in the scratch buffer.
      scratch.set(p);
      scratch.fill(0, n, padded);
      if (!complete) scratch[n] = 0x80;
      for (let i = 0; i < 16; i++) scratch[n - 16 + i]! ^= d[i]!;
      for (let i = 0; i < 16; i++) scratch[padded - 16 + i]! ^= k[i]!;
      for (let i = 0; i < 16; i++) scratch[i]! ^= chain[i]!;
      last = this.#cbc.update(scratch.subarray(0, padded));
    } else {
      // Three updates, no copy of the message: first block (chain restart), middle blocks as they are, and the last
      // two blocks (xorend, padding, subkey) assembled in the scratch buffer.
      const tailStart = padded - 32;
      for (let i = 0; i < 16; i++) scratch[i] = p[i]! ^ chain[i]!;
      this.#cbc.update(scratch.subarray(0, 16));
      this.#cbc.update(p.subarray(16, tailStart));
      scratch.fill(0, 0, 32);
      scratch.set(p.subarray(tailStart));
      if (!complete) scratch[n - tailStart] = 0x80;
      for (let i = 0; i < 16; i++) scratch[n - tailStart - 16 + i]! ^= d[i]!;
      for (let i = 0; i < 16; i++) scratch[16 + i]! ^= k[i]!;
      last = this.#cbc.update(scratch.subarray(0, 32));
    }
    const v = new Uint8Array(16);
    v.set(last.subarray(last.length - 16));
    chain.set(v);
    return v;
  }

  /**
   * AES-CTR from V with bits 31 and 63 cleared (RFC 5297), src XOR keystream. Small inputs are written into dst at
   * dstOffset (undefined returned); large ones come back as a new buffer from the native CTR cipher.
   */
  #ctr(v: Uint8Array, src: Uint8Array, dst: Uint8Array, dstOffset: number): Uint8Array | undefined {
    const n = src.length;
    if (n > SCRATCH_BYTES) {
      const q = new Uint8Array(v);
      q[8]! &= 0x7f;
      q[12]! &= 0x7f;
      return createCipheriv('aes-256-ctr', this.#key, q).update(src);
    }
    const blocks = (n + 15) >>> 4;
    const w0 = v[0]! | (v[1]! << 8) | (v[2]! << 16) | (v[3]! << 24);
    const w1 = v[4]! | (v[5]! << 8) | (v[6]! << 16) | (v[7]! << 24);
    const w2 = (v[8]! & 0x7f) | (v[9]! << 8) | (v[10]! << 16) | (v[11]! << 24);
    let counter = ((v[12]! & 0x7f) << 24) | (v[13]! << 16) | (v[14]! << 8) | v[15]!;
    for (let i = 0; i < blocks * 4; i += 4) {
      scratch32[i] = w0;
      scratch32[i + 1] = w1;
      scratch32[i + 2] = w2;
      scratch32[i + 3] = bswap(counter);
      counter = (counter + 1) | 0;
    }
    const ks = this.#ecb.update(scratch.subarray(0, blocks * 16));
    for (let i = 0; i < n; i++) dst[dstOffset + i] = src[i]! ^ ks[i]!;
    return undefined;
  }
}
