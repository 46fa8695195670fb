/**
 * AES-SIV (RFC 5297) with E4's double key K‖K and one associated-data item, in pure TypeScript, with a per-key
 * cached context: the expanded key, the CMAC subkeys K1/K2 and the constant first S2V step dbl(CMAC(0^128)) are
 * computed once, and the S2V state after the associated data (the timestamp, which changes once a second) is kept
 * for the last value seen. Each message then costs only its own blocks: ceil(n/16) CMAC blocks and ceil(n/16) CTR
 * blocks.
 *
 * The key schedule is @noble/ciphers' (`unsafe.expandKeyLE`); the block encryption is a classic four-table AES
 * (4 KiB of tables, resident in L1) written here because noble's `encrypt` returns an object per block and uses
 * 640 KiB of tables: about 2.5 times faster on the project's machines. `aessiv` itself re-expands the key and
 * rebuilds S2V state on every call (24k msg/s at 64 B here). Blocks are held as four little-endian 32-bit words,
 * noble's layout; byte order only matters for dbl() and the CTR counter, handled below.
 *
 * Table lookups indexed by key-dependent bytes are not constant-time; browsers and edge runtimes offer no AES-SIV
 * in hardware. Node uses OpenSSL (AES-NI) above a few hundred bytes, see NodeSivKey.
 */
// `unsafe` is an export noble marks unstable: test/unit/e4/siv.test.ts pins it (expandKeyLE against FIPS 197 A.3)
// and checks PureSivKey against noble's public `aessiv` on random inputs and at every size, with E4's known answers.
import { unsafe } from '@noble/ciphers/aes.js';
import type { SivKey } from './CryptoEngine.js';

// --- AES encryption (FIPS 197), T-table form on little-endian words -------------------------------------------

const SBOX = new Int32Array(256);
const T0 = new Int32Array(256);
const T1 = new Int32Array(256);
const T2 = new Int32Array(256);
const T3 = new Int32Array(256);
{
  // S-box from the multiplicative inverse (walking GF(2^8) by powers of 3) and the affine map.
  const rotl8 = (x: number, s: number): number => ((x << s) | (x >>> (8 - s))) & 0xff;
  const xtime = (x: number): number => ((x << 1) ^ (x & 0x80 ? 0x1b : 0)) & 0xff;
  let p = 1;
  let q = 1;
  do {
    p ^= xtime(p);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    q &= 0xff;
    if (q & 0x80) q ^= 0x09;
    SBOX[p] = q ^ rotl8(q, 1) ^ rotl8(q, 2) ^ rotl8(q, 3) ^ rotl8(q, 4) ^ 0x63;
  } while (p !== 1);
  SBOX[0] = 0x63;
  for (let i = 0; i < 256; i++) {
    const s = SBOX[i]!;
    const s2 = xtime(s);
    // SubBytes + MixColumns of one byte lane, column bytes [2s, s, s, 3s] as a little-endian word.
    const t = ((s2 ^ s) << 24) | (s << 16) | (s << 8) | s2;
    T0[i] = t;
    T1[i] = (t << 8) | (t >>> 24);
    T2[i] = (t << 16) | (t >>> 16);
    T3[i] = (t << 24) | (t >>> 8);
  }
}

/**
 * The output block of {@link aes} (a register file, so that no object is allocated per block). Exported with `aes`
 * for the benchmark of constant-time alternatives (test/bench/ctaes/), not part of the package's entries.
 */
export const R = new Int32Array(4);

/** Encrypts the block (s0..s3) under the expanded key `xk` into {@link R}. */
export function aes(xk: Int32Array, s0: number, s1: number, s2: number, s3: number): void {
  s0 ^= xk[0]!;
  s1 ^= xk[1]!;
  s2 ^= xk[2]!;
  s3 ^= xk[3]!;
  const last = xk.length - 4;
  let k = 4;
  for (; k < last; k += 4) {
    const t0 = T0[s0 & 255]! ^ T1[(s1 >>> 8) & 255]! ^ T2[(s2 >>> 16) & 255]! ^ T3[s3 >>> 24]! ^ xk[k]!;
    const t1 = T0[s1 & 255]! ^ T1[(s2 >>> 8) & 255]! ^ T2[(s3 >>> 16) & 255]! ^ T3[s0 >>> 24]! ^ xk[k + 1]!;
    const t2 = T0[s2 & 255]! ^ T1[(s3 >>> 8) & 255]! ^ T2[(s0 >>> 16) & 255]! ^ T3[s1 >>> 24]! ^ xk[k + 2]!;
    const t3 = T0[s3 & 255]! ^ T1[(s0 >>> 8) & 255]! ^ T2[(s1 >>> 16) & 255]! ^ T3[s2 >>> 24]! ^ xk[k + 3]!;
    s0 = t0;
    s1 = t1;
    s2 = t2;
    s3 = t3;
  }
  const S = SBOX;
  R[0] = (S[s0 & 255]! | (S[(s1 >>> 8) & 255]! << 8) | (S[(s2 >>> 16) & 255]! << 16) | (S[s3 >>> 24]! << 24)) ^ xk[k]!;
  R[1] =
    (S[s1 & 255]! | (S[(s2 >>> 8) & 255]! << 8) | (S[(s3 >>> 16) & 255]! << 16) | (S[s0 >>> 24]! << 24)) ^ xk[k + 1]!;
  R[2] =
    (S[s2 & 255]! | (S[(s3 >>> 8) & 255]! << 8) | (S[(s0 >>> 16) & 255]! << 16) | (S[s1 >>> 24]! << 24)) ^ xk[k + 2]!;
  R[3] =
    (S[s3 & 255]! | (S[(s0 >>> 8) & 255]! << 8) | (S[(s1 >>> 16) & 255]! << 16) | (S[s2 >>> 24]! << 24)) ^ xk[k + 3]!;
}

// --- helpers -------------------------------------------------------------------------------------------------

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
  readonly #xk: Int32Array;
  /** CMAC subkeys K1, K2 and D0 = dbl(CMAC(0^128)), the first step of S2V. */
  readonly #k1 = new Int32Array(4);
  readonly #k2 = new Int32Array(4);
  readonly #d0 = new Int32Array(4);
  /** D = D0 xor CMAC(ad) for the associated data last seen (held in #adBlock, #adLength), then scratch words. */
  readonly #d = new Int32Array(4);
  readonly #adBlock = new Int32Array(4);
  #adLength = -1;
  readonly #w = new Int32Array(4);
  /** The last one or two blocks of a CMAC input, assembled here. */
  readonly #tail = new Uint8Array(32);

  constructor(key: Uint8Array) {
    const expanded = unsafe.expandKeyLE(key);
    this.#xk = new Int32Array(expanded.buffer, expanded.byteOffset, expanded.length);
    aes(this.#xk, 0, 0, 0, 0);
    this.#k1.set(R);
    dbl(this.#k1);
    this.#k2.set(this.#k1);
    dbl(this.#k2);
    // CMAC(0^128): one complete block, XOR K1.
    aes(this.#xk, this.#k1[0]!, this.#k1[1]!, this.#k1[2]!, this.#k1[3]!);
    this.#d0.set(R);
    dbl(this.#d0);
  }

  sealInto(ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    this.#s2v(ad, plaintext);
    const v0 = R[0]!;
    const v1 = R[1]!;
    const v2 = R[2]!;
    const v3 = R[3]!;
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
    if (((R[0]! ^ v0) | (R[1]! ^ v1) | (R[2]! ^ v2) | (R[3]! ^ v3)) !== 0) {
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
    const d = this.#d;
    for (let j = 0; j < 4; j++) store32(out, 4 * j, d[j]!);
  }

  /** D = D0 xor CMAC(ad) into #d; one AES block for a new associated data of up to 16 bytes, none for a repeat. */
  #prefix(ad: Uint8Array): void {
    const n = ad.length;
    const d = this.#d;
    if (n > 16) {
      this.#adLength = -1;
      this.#cmac(ad, false);
    } else {
      // The padded block of a short associated data, compared with the last one seen.
      const t = this.#tail;
      for (let i = 0; i < 16; i++) t[i] = i < n ? ad[i]! : i === n ? 0x80 : 0;
      const a0 = load32(t, 0);
      const a1 = load32(t, 4);
      const a2 = load32(t, 8);
      const a3 = load32(t, 12);
      const seen = this.#adBlock;
      if (n === this.#adLength && a0 === seen[0] && a1 === seen[1] && a2 === seen[2] && a3 === seen[3]) return;
      const k = n === 16 ? this.#k1 : this.#k2;
      aes(this.#xk, a0 ^ k[0]!, a1 ^ k[1]!, a2 ^ k[2]!, a3 ^ k[3]!);
      seen[0] = a0;
      seen[1] = a1;
      seen[2] = a2;
      seen[3] = a3;
      this.#adLength = n;
    }
    const d0 = this.#d0;
    d[0] = d0[0]! ^ R[0]!;
    d[1] = d0[1]! ^ R[1]!;
    d[2] = d0[2]! ^ R[2]!;
    d[3] = d0[3]! ^ R[3]!;
  }

  /** S2V(K, ad, plaintext) into R. */
  #s2v(ad: Uint8Array, p: Uint8Array): void {
    this.#prefix(ad);
    const n = p.length;
    if (n >= 16) {
      // T = p xorend D
      this.#cmac(p, true);
      return;
    }
    // T = dbl(D) xor pad(p), one complete block: CMAC(T) = E(T xor K1).
    const w = this.#w;
    w.set(this.#d);
    dbl(w);
    const t = this.#tail;
    for (let i = 0; i < 16; i++) t[i] = i < n ? p[i]! : i === n ? 0x80 : 0;
    const k1 = this.#k1;
    aes(
      this.#xk,
      load32(t, 0) ^ w[0]! ^ k1[0]!,
      load32(t, 4) ^ w[1]! ^ k1[1]!,
      load32(t, 8) ^ w[2]! ^ k1[2]!,
      load32(t, 12) ^ w[3]! ^ k1[3]!,
    );
  }

  /**
   * AES-CMAC of `m` into R. With `xorEnd`, the 16 bytes of D are XORed into the last 16 bytes of m first (the
   * "xorend" of S2V, m being at least 16 bytes long), without copying m: only the last one or two blocks are
   * assembled in a scratch buffer.
   */
  #cmac(m: Uint8Array, xorEnd: boolean): void {
    const xk = this.#xk;
    const n = m.length;
    const blocks = n === 0 ? 1 : (n + 15) >>> 4;
    const tailStart = blocks >= 2 ? (blocks - 2) * 16 : 0;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let i = 0; i < tailStart; i += 16) {
      aes(xk, s0 ^ load32(m, i), s1 ^ load32(m, i + 4), s2 ^ load32(m, i + 8), s3 ^ load32(m, i + 12));
      s0 = R[0]!;
      s1 = R[1]!;
      s2 = R[2]!;
      s3 = R[3]!;
    }
    const t = this.#tail;
    const tailLen = n - tailStart;
    for (let i = 0; i < 32; i++) t[i] = i < tailLen ? m[tailStart + i]! : 0;
    if (xorEnd) {
      const at = tailLen - 16;
      const d = this.#d;
      for (let j = 0; j < 16; j++) t[at + j]! ^= d[j >>> 2]! >>> ((j & 3) * 8);
    }
    const complete = n > 0 && (n & 15) === 0;
    if (!complete) t[tailLen] = 0x80;
    const k = complete ? this.#k1 : this.#k2;
    const last = tailLen > 16 ? 16 : 0;
    if (last === 16) {
      aes(xk, s0 ^ load32(t, 0), s1 ^ load32(t, 4), s2 ^ load32(t, 8), s3 ^ load32(t, 12));
      s0 = R[0]!;
      s1 = R[1]!;
      s2 = R[2]!;
      s3 = R[3]!;
    }
    aes(
      xk,
      s0 ^ load32(t, last) ^ k[0]!,
      s1 ^ load32(t, last + 4) ^ k[1]!,
      s2 ^ load32(t, last + 8) ^ k[2]!,
      s3 ^ load32(t, last + 12) ^ k[3]!,
    );
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
      aes(xk, v0, v1, q2, bswap(counter));
      counter = (counter + 1) | 0;
      const s = srcOffset + i;
      const d = dstOffset + i;
      store32(dst, d, load32(src, s) ^ R[0]!);
      store32(dst, d + 4, load32(src, s + 4) ^ R[1]!);
      store32(dst, d + 8, load32(src, s + 8) ^ R[2]!);
      store32(dst, d + 12, load32(src, s + 12) ^ R[3]!);
    }
    if (i < length) {
      aes(xk, v0, v1, q2, bswap(counter));
      for (let j = 0; i < length; i++, j++) {
        dst[dstOffset + i] = src[srcOffset + i]! ^ (R[j >>> 2]! >>> ((j & 3) * 8));
      }
    }
  }
}
