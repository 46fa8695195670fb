/**
 * AES-SIV (RFC 5297) with E4's double key K‖K and one associated-data item, on @noble/ciphers' AES core, with a
 * per-key cached context: the expanded key, the CMAC subkeys K1/K2 and the constant first S2V step
 * dbl(CMAC(0^128)) are computed once, so each message costs only its own blocks (one block for the timestamp,
 * ceil(n/16) CMAC blocks and ceil(n/16) CTR blocks).
 *
 * Written on noble's exported low-level AES (`unsafe.encrypt`) because `aessiv` re-expands the key and rebuilds
 * S2V state on every call (24k msg/s at 64 B here). Blocks are held as four little-endian 32-bit words, the layout
 * of noble's AES; byte order only matters for dbl() and the CTR counter, handled below.
 */
import { unsafe } from '@noble/ciphers/aes.js';
import type { SivKey } from './CryptoEngine.js';

const { expandKeyLE, encrypt } = unsafe;

function load32(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

function store32(b: Uint8Array, i: number, v: number): void {
  b[i] = v;
  b[i + 1] = v >>> 8;
  b[i + 2] = v >>> 16;
  b[i + 3] = v >>> 24;
}

function bswap(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** dbl() of RFC 5297 on a block held as LE words: a left shift of the 128-bit big-endian value, then 0x87. */
function dbl(w: Int32Array): void {
  // Big-endian 32-bit limbs: limb j holds bytes 4j..4j+3, most significant first.
  const b0 = bswap(w[0]!);
  const b1 = bswap(w[1]!);
  const b2 = bswap(w[2]!);
  const b3 = bswap(w[3]!);
  const carry = b0 >>> 31;
  w[0] = bswap((b0 << 1) | (b1 >>> 31));
  w[1] = bswap((b1 << 1) | (b2 >>> 31));
  w[2] = bswap((b2 << 1) | (b3 >>> 31));
  w[3] = bswap((b3 << 1) ^ (0x87 & -carry));
}

export class PureSivKey implements SivKey {
  readonly #xk: Uint32Array;
  /** K1, K2 (CMAC subkeys), D0 = dbl(CMAC(0^128)), then scratch words. */
  readonly #k1 = new Int32Array(4);
  readonly #k2 = new Int32Array(4);
  readonly #d0 = new Int32Array(4);
  readonly #d = new Int32Array(4);
  readonly #tail = new Uint8Array(32);
  // CMAC result registers
  #r0 = 0;
  #r1 = 0;
  #r2 = 0;
  #r3 = 0;

  constructor(key: Uint8Array) {
    this.#xk = expandKeyLE(key);
    const l = encrypt(this.#xk, 0, 0, 0, 0);
    this.#k1.set([l.s0, l.s1, l.s2, l.s3]);
    dbl(this.#k1);
    this.#k2.set(this.#k1);
    dbl(this.#k2);
    // CMAC(0^128): one complete block, XOR K1.
    const z = encrypt(this.#xk, this.#k1[0]!, this.#k1[1]!, this.#k1[2]!, this.#k1[3]!);
    this.#d0.set([z.s0, z.s1, z.s2, z.s3]);
    dbl(this.#d0);
  }

  sealInto(ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    this.#s2v(ad, plaintext);
    const v0 = this.#r0;
    const v1 = this.#r1;
    const v2 = this.#r2;
    const v3 = this.#r3;
    store32(out, offset, v0);
    store32(out, offset + 4, v1);
    store32(out, offset + 8, v2);
    store32(out, offset + 12, v3);
    this.#ctr(v0, v1, v2, v3, plaintext, 0, plaintext.length, out, offset + 16);
  }

  open(ad: Uint8Array, sivAndCiphertext: Uint8Array): Uint8Array | undefined {
    const v0 = load32(sivAndCiphertext, 0);
    const v1 = load32(sivAndCiphertext, 4);
    const v2 = load32(sivAndCiphertext, 8);
    const v3 = load32(sivAndCiphertext, 12);
    const plaintext = new Uint8Array(sivAndCiphertext.length - 16);
    this.#ctr(v0, v1, v2, v3, sivAndCiphertext, 16, plaintext.length, plaintext, 0);
    this.#s2v(ad, plaintext);
    if (((this.#r0 ^ v0) | (this.#r1 ^ v1) | (this.#r2 ^ v2) | (this.#r3 ^ v3)) !== 0) {
      plaintext.fill(0);
      return undefined;
    }
    return plaintext;
  }

  /**
   * The S2V state after the associated-data item, D = dbl(CMAC(0)) xor CMAC(ad), written as 16 bytes into `out`
   * (used by the Node engine, which runs the rest of S2V in OpenSSL).
   */
  s2vPrefix(ad: Uint8Array, out: Uint8Array): void {
    this.#prefix(ad);
    for (let j = 0; j < 4; j++) store32(out, 4 * j, this.#d[j]!);
  }

  #prefix(ad: Uint8Array): void {
    const d = this.#d;
    this.#cmac(ad, -1);
    d[0] = this.#d0[0]! ^ this.#r0;
    d[1] = this.#d0[1]! ^ this.#r1;
    d[2] = this.#d0[2]! ^ this.#r2;
    d[3] = this.#d0[3]! ^ this.#r3;
  }

  /** S2V(K, ad, plaintext) into the result registers. */
  #s2v(ad: Uint8Array, p: Uint8Array): void {
    const d = this.#d;
    this.#prefix(ad);
    if (p.length >= 16) {
      // T = p xorend D
      this.#cmac(p, p.length - 16);
      return;
    }
    // T = dbl(D) xor pad(p), one complete block
    dbl(d);
    const t = this.#tail;
    t.fill(0, 0, 16);
    t.set(p);
    t[p.length] = 0x80;
    const k1 = this.#k1;
    const r = encrypt(
      this.#xk,
      load32(t, 0) ^ d[0]! ^ k1[0]!,
      load32(t, 4) ^ d[1]! ^ k1[1]!,
      load32(t, 8) ^ d[2]! ^ k1[2]!,
      load32(t, 12) ^ d[3]! ^ k1[3]!,
    );
    this.#r0 = r.s0;
    this.#r1 = r.s1;
    this.#r2 = r.s2;
    this.#r3 = r.s3;
  }

  /**
   * AES-CMAC of `m` into the result registers. When `xorAt` >= 0, the 16 bytes of D are XORed into m at that offset
   * first (the "xorend" of S2V), without copying m: only the last one or two blocks go through a scratch buffer.
   */
  #cmac(m: Uint8Array, xorAt: number): void {
    const xk = this.#xk;
    const n = m.length;
    const blocks = n === 0 ? 1 : Math.ceil(n / 16);
    const tailStart = blocks >= 2 ? (blocks - 2) * 16 : 0;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < tailStart; i += 16) {
      const r = encrypt(xk, s0 ^ load32(m, i), s1 ^ load32(m, i + 4), s2 ^ load32(m, i + 8), s3 ^ load32(m, i + 12));
      s0 = r.s0;
      s1 = r.s1;
      s2 = r.s2;
      s3 = r.s3;
    }
    const t = this.#tail;
    const tailLen = n - tailStart;
    t.fill(0);
    t.set(m.subarray(tailStart));
    if (xorAt >= 0) {
      const at = xorAt - tailStart;
      const d = this.#d;
      for (let j = 0; j < 4; j++) {
        const w = d[j]!;
        const o = at + 4 * j;
        t[o] = t[o]! ^ w;
        t[o + 1] = t[o + 1]! ^ (w >>> 8);
        t[o + 2] = t[o + 2]! ^ (w >>> 16);
        t[o + 3] = t[o + 3]! ^ (w >>> 24);
      }
    }
    const complete = n > 0 && n % 16 === 0;
    if (!complete) t[tailLen] = 0x80;
    const k = complete ? this.#k1 : this.#k2;
    const last = tailLen > 16 ? 16 : 0;
    if (last === 16) {
      const r = encrypt(xk, s0 ^ load32(t, 0), s1 ^ load32(t, 4), s2 ^ load32(t, 8), s3 ^ load32(t, 12));
      s0 = r.s0;
      s1 = r.s1;
      s2 = r.s2;
      s3 = r.s3;
    }
    const r = encrypt(
      xk,
      s0 ^ load32(t, last) ^ k[0]!,
      s1 ^ load32(t, last + 4) ^ k[1]!,
      s2 ^ load32(t, last + 8) ^ k[2]!,
      s3 ^ load32(t, last + 12) ^ k[3]!,
    );
    this.#r0 = r.s0;
    this.#r1 = r.s1;
    this.#r2 = r.s2;
    this.#r3 = r.s3;
  }

  /**
   * AES-CTR from the synthetic IV with bits 31 and 63 of its last two words cleared (RFC 5297). Those cleared bits
   * guarantee that incrementing the last big-endian 32-bit word never carries for messages under 32 GiB.
   */
  #ctr(
    v0: number,
    v1: number,
    v2: number,
    v3: number,
    src: Uint8Array,
    srcOffset: number,
    length: number,
    dst: Uint8Array,
    dstOffset: number,
  ): void {
    const xk = this.#xk;
    const q2 = v2 & ~0x80;
    let counter = bswap(v3 & ~0x80);
    const full = length & ~15;
    let i = 0;
    for (; i < full; i += 16) {
      const r = encrypt(xk, v0, v1, q2, bswap(counter));
      counter = (counter + 1) | 0;
      store32(dst, dstOffset + i, load32(src, srcOffset + i) ^ r.s0);
      store32(dst, dstOffset + i + 4, load32(src, srcOffset + i + 4) ^ r.s1);
      store32(dst, dstOffset + i + 8, load32(src, srcOffset + i + 8) ^ r.s2);
      store32(dst, dstOffset + i + 12, load32(src, srcOffset + i + 12) ^ r.s3);
    }
    if (i < length) {
      const r = encrypt(xk, v0, v1, q2, bswap(counter));
      const ks = [r.s0, r.s1, r.s2, r.s3];
      for (let j = 0; i < length; i++, j++) {
        dst[dstOffset + i] = src[srcOffset + i]! ^ (ks[j >>> 2]! >>> ((j & 3) * 8));
      }
    }
  }
}
