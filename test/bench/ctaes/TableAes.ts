/**
 * PureSivKey's block function, copied unchanged for the measurement of issue 15 (PureSivKey does not export it): the
 * classic four-T-table AES on little-endian words, not constant time (key- and data-dependent table indexes). The
 * baseline every constant-time candidate is compared with.
 */

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

/** The output block of {@link aes} (a register file, so that no object is allocated per block). */
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
