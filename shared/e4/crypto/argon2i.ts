/**
 * Argon2i (RFC 9106, version 0x13, type 1), without secret or associated data.
 *
 * Hand-written because the E4 protocol (Go reference client e4go) derives keys with an EMPTY salt,
 * which RFC 9106 allows (§3.1: S may be 0..2^32-1 bytes) but `@noble/hashes` rejects (salt >= 8 bytes).
 *
 * RFC 9106 map: §3.2 H0 and the first blocks; §3.3 variable-length hash H'; §3.4.1.2 Argon2i
 * address blocks (J1, J2); §3.4.2 reference block index; §3.5-3.6 compression G and permutation P.
 *
 * A 64-bit word k of a 1024-byte block lives in a Uint32Array at [2k] (low half) and [2k + 1]
 * (high half), i.e. the little-endian byte layout of the RFC.
 */
import { blake2b } from '@noble/hashes/blake2.js';

const BLOCK_WORDS = 256; // u32 words per 1024-byte block
const SYNC_POINTS = 4; // SL: slices per lane
const ADDRESSES_PER_BLOCK = 128; // 64-bit (J1, J2) pairs per address block
const VERSION = 0x13;
const TYPE_ARGON2I = 1;
const TWO_32 = 0x1_0000_0000;
const U32_MAX = TWO_32 - 1;

export interface Argon2iOptions {
  /** Passes over memory (time cost), >= 1. */
  t: number;
  /** Memory in KiB, >= 8 * p. */
  m: number;
  /** Lanes (parallelism), 1..2^24-1. */
  p: number;
  /** Output length in bytes, >= 4. */
  dkLen: number;
}

/** Scratch block for the compression function G (the RFC's R, then P applied to it). */
const R = new Uint32Array(BLOCK_WORDS);

/**
 * GB argument table for one application of G's permutation (§3.6), as u32 offsets into R:
 * P on each of the 8 rows (16 consecutive words), then on each of the 8 columns (2 words per row).
 */
const GB_ARGS = (() => {
  // Within P (Figure 18), GB runs on the four columns, then the four diagonals, of a 4x4 word matrix.
  const quads = [
    [0, 4, 8, 12],
    [1, 5, 9, 13],
    [2, 6, 10, 14],
    [3, 7, 11, 15],
    [0, 5, 10, 15],
    [1, 6, 11, 12],
    [2, 7, 8, 13],
    [3, 4, 9, 14],
  ].flat();
  const out: number[] = [];
  const permute = (word: (j: number) => number) => {
    for (const j of quads) out.push(2 * word(j));
  };
  for (let i = 0; i < 8; i++) permute((j) => 16 * i + j);
  for (let i = 0; i < 8; i++) permute((j) => 2 * i + 16 * (j >> 1) + (j & 1));
  return Uint8Array.from(out);
})();

/** High 32 bits of the 64-bit product of two u32 values (the double product is within 2^11 of exact). */
function mulHi(a: number, b: number): number {
  return ((a * b - (Math.imul(a, b) >>> 0)) / TWO_32 + 0.5) >>> 0;
}

/** BlaMka step: x = x + y + 2 * lo32(x) * lo32(y) (mod 2^64), on u32 offsets x, y into R. */
function blamka(x: number, y: number): void {
  const xl = R[x]!;
  const yl = R[y]!;
  const ml = Math.imul(xl, yl) >>> 0;
  const mh = ((xl * yl - ml) / TWO_32 + 0.5) >>> 0;
  const lo = xl + yl + ((ml << 1) >>> 0); // < 3 * 2^32; the overflow is carried into the high half
  R[x] = lo | 0;
  R[x + 1] = R[x + 1]! + R[y + 1]! + ((mh << 1) | (ml >>> 31)) + ((lo / TWO_32) | 0);
}

/** d = rotr64(d ^ a, n), on u32 offsets d, a into R. */
function xorRotr(d: number, a: number, n: number): void {
  let lo = R[d]! ^ R[a]!;
  let hi = R[d + 1]! ^ R[a + 1]!;
  if (n >= 32) {
    const tmp = lo;
    lo = hi;
    hi = tmp;
    n -= 32;
  }
  if (n > 0) {
    const l = (lo >>> n) | (hi << (32 - n));
    hi = (hi >>> n) | (lo << (32 - n));
    lo = l;
  }
  R[d] = lo;
  R[d + 1] = hi;
}

/** GB (§3.6) with BlaMka multiplications (RFC 9106 Figure 19). */
function gb(a: number, b: number, c: number, d: number): void {
  blamka(a, b);
  xorRotr(d, a, 32);
  blamka(c, d);
  xorRotr(b, c, 24);
  blamka(a, b);
  xorRotr(d, a, 16);
  blamka(c, d);
  xorRotr(b, c, 63);
}

/**
 * Compression G (§3.5): out = P(X ^ Y) ^ X ^ Y, or out ^= that when `xorOut` (passes after the
 * first, version 0x13). X, Y and out are block offsets (in u32 words) into `mem`; out may equal Y.
 */
function compress(mem: Uint32Array, x: number, y: number, out: number, xorOut: boolean): void {
  for (let i = 0; i < BLOCK_WORDS; i++) {
    const r = mem[x + i]! ^ mem[y + i]!;
    R[i] = r;
    mem[out + i] = xorOut ? mem[out + i]! ^ r : r;
  }
  for (let k = 0; k < GB_ARGS.length; k += 4) gb(GB_ARGS[k]!, GB_ARGS[k + 1]!, GB_ARGS[k + 2]!, GB_ARGS[k + 3]!);
  for (let i = 0; i < BLOCK_WORDS; i++) mem[out + i]! ^= R[i]!;
}

function le32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}

/** Variable-length hash H'^T(X) (§3.3). */
function hashPrime(x: Uint8Array, T: number): Uint8Array {
  if (T <= 64) return blake2b.create({ dkLen: T }).update(le32(T)).update(x).digest();
  const out = new Uint8Array(T);
  let v = blake2b.create().update(le32(T)).update(x).digest(); // V1
  out.set(v.subarray(0, 32), 0);
  let pos = 32;
  for (; T - pos > 64; pos += 32) {
    v = blake2b(v); // V2..Vr, each contributes its first 32 bytes
    out.set(v.subarray(0, 32), pos);
  }
  out.set(blake2b(v, { dkLen: T - pos }), pos); // V(r+1), T - 32r bytes
  v.fill(0);
  return out;
}

function checkInt(name: string, value: unknown, min: number, max: number, note = ''): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new TypeError(`argon2i: "${name}" must be an integer, got ${String(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`argon2i: "${name}" must be in ${min}..${max}${note}, got ${value}`);
  }
}

/** All argument validation (RFC 9106 §3.1 ranges). */
function validate(password: unknown, salt: unknown, opts: unknown): Argon2iOptions {
  if (!(password instanceof Uint8Array)) throw new TypeError('argon2i: "password" must be a Uint8Array');
  if (!(salt instanceof Uint8Array)) throw new TypeError('argon2i: "salt" must be a Uint8Array');
  if (typeof opts !== 'object' || opts === null) throw new TypeError('argon2i: "opts" must be an object');
  const { t, m, p, dkLen } = opts as Partial<Record<keyof Argon2iOptions, unknown>>;
  checkInt('password.length', password.length, 0, U32_MAX);
  checkInt('salt.length', salt.length, 0, U32_MAX);
  checkInt('t', t, 1, U32_MAX);
  checkInt('p', p, 1, 2 ** 24 - 1);
  checkInt('m', m, 8 * p, U32_MAX, ' (KiB, at least 8 * p)');
  checkInt('dkLen', dkLen, 4, U32_MAX);
  return { t, m, p, dkLen };
}

/**
 * Argon2i key derivation (RFC 9106, version 0x13). Accepts any salt length, including 0.
 * `opts.m` is in KiB (1 KiB = one block), rounded down to a multiple of 4 * p blocks as in the RFC.
 */
export function argon2i(password: Uint8Array, salt: Uint8Array, opts: Argon2iOptions): Uint8Array {
  const { t, m, p, dkLen } = validate(password, salt, opts);

  // §3.2 step 1: H0 over the parameters and inputs (empty secret K and associated data X);
  // 8 spare bytes hold LE32(j) || LE32(lane) for the first blocks of each lane.
  const h0 = new Uint8Array(72);
  const h = blake2b.create();
  for (const n of [p, dkLen, m, t, VERSION, TYPE_ARGON2I]) h.update(le32(n));
  h.update(le32(password.length)).update(password);
  h.update(le32(salt.length)).update(salt);
  h.update(le32(0)).update(le32(0));
  h.digestInto(h0);
  h.destroy();
  const h0View = new DataView(h0.buffer);

  const laneLen = Math.floor(m / (SYNC_POINTS * p)) * SYNC_POINTS; // q = m' / p
  const segLen = laneLen / SYNC_POINTS;
  const mem = new Uint32Array(p * laneLen * BLOCK_WORDS);
  // Address generation (§3.4.1.2): [0, 256) address block, [256, 512) input block Z, [512, 768) zero.
  const addr = new Uint32Array(3 * BLOCK_WORDS);
  const Z = BLOCK_WORDS;
  const ZERO = 2 * BLOCK_WORDS;

  try {
    // §3.2 steps 3-4: B[l][0] = H'(H0 || LE32(0) || LE32(l)), B[l][1] = H'(H0 || LE32(1) || LE32(l)).
    for (let l = 0; l < p; l++) {
      h0View.setUint32(68, l, true);
      for (let j = 0; j < 2; j++) {
        h0View.setUint32(64, j, true);
        const bytes = hashPrime(h0, 1024);
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const base = (l * laneLen + j) * BLOCK_WORDS;
        for (let i = 0; i < BLOCK_WORDS; i++) mem[base + i] = view.getUint32(4 * i, true);
        bytes.fill(0);
      }
    }

    // §3.2 steps 5-6: fill the memory, slice by slice. Lanes of one slice only reference blocks of
    // finished slices in other lanes, so processing them one after another is equivalent.
    for (let r = 0; r < t; r++) {
      for (let s = 0; s < SYNC_POINTS; s++) {
        for (let l = 0; l < p; l++) {
          // Z = LE64(r) || LE64(l) || LE64(s) || LE64(m') || LE64(t) || LE64(y) || LE64(counter) || 0...
          addr[Z] = r;
          addr[Z + 2] = l;
          addr[Z + 4] = s;
          addr[Z + 6] = p * laneLen;
          addr[Z + 8] = t;
          addr[Z + 10] = TYPE_ARGON2I;
          addr[Z + 12] = 0;
          const first = r === 0 && s === 0 ? 2 : 0; // blocks 0 and 1 already exist
          // §3.4.2: the reference window starts after the current slice (at 0 in the first pass).
          const windowStart = r === 0 || s === SYNC_POINTS - 1 ? 0 : (s + 1) * segLen;
          for (let i = first; i < segLen; i++) {
            const k = i % ADDRESSES_PER_BLOCK;
            if (k === 0 || i === first) {
              addr[Z + 12]!++; // address block = G(0, G(0, Z)) with the counter incremented first
              compress(addr, ZERO, Z, 0, false);
              compress(addr, ZERO, 0, 0, false);
            }
            const j1 = addr[2 * k]!;
            const j2 = addr[2 * k + 1]!;
            const cur = l * laneLen + s * segLen + i;
            const prev = s === 0 && i === 0 ? cur + laneLen - 1 : cur - 1; // lane start wraps to its end
            // §3.4.2: reference lane and reference set size |W|.
            const refLane = r === 0 && s === 0 ? l : j2 % p;
            let area = r === 0 ? s * segLen : laneLen - segLen;
            if (refLane === l) area += i - 1;
            else if (i === 0) area -= 1;
            const rel = area - 1 - mulHi(area, mulHi(j1, j1)); // |W| - 1 - (|W| * (J1^2 / 2^32)) / 2^32
            const ref = refLane * laneLen + ((windowStart + rel) % laneLen);
            compress(mem, prev * BLOCK_WORDS, ref * BLOCK_WORDS, cur * BLOCK_WORDS, r > 0);
          }
        }
      }
    }

    // §3.2 steps 7-8: C = XOR of each lane's last block; tag = H'^T(C).
    const c = new Uint8Array(1024);
    const cView = new DataView(c.buffer);
    for (let i = 0; i < BLOCK_WORDS; i++) {
      let w = 0;
      for (let l = 0; l < p; l++) w ^= mem[((l + 1) * laneLen - 1) * BLOCK_WORDS + i]!;
      cView.setUint32(4 * i, w, true);
    }
    const tag = hashPrime(c, dkLen);
    c.fill(0);
    return tag;
  } finally {
    mem.fill(0);
    addr.fill(0);
    h0.fill(0);
    R.fill(0);
  }
}

/** The E4 key derivation (e4go): Argon2i with an empty salt, t=1, m=64 MiB, p=4, 32-byte output. */
export function e4Argon2i(password: Uint8Array): Uint8Array {
  return argon2i(password, new Uint8Array(0), { t: 1, m: 64 * 1024, p: 4, dkLen: 32 });
}
