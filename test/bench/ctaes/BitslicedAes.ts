/**
 * Constant-time AES encryption in TypeScript, for the measurement of issue 15 (not used by the library): the 32-bit
 * bitsliced form of BearSSL's `aes_ct` (T. Pornin), two blocks per call. The eight 32-bit words of the state hold
 * bit i of every byte of both blocks in word i ("orthogonalised"); SubBytes is the Boyar–Peralta circuit of 113
 * gates (eprint 2009/191, 32 AND, 77 XOR, 4 XNOR), ShiftRows and MixColumns are shifts and rotations: no memory
 * access depends on the key or the data, and no branch does.
 *
 * The key schedule is not bitsliced: the caller passes noble's expanded key (`unsafe.expandKeyLE`, table based, run
 * once per key), whose round keys are orthogonalised here once. Words are little-endian, noble's and PureSivKey's
 * layout. One block per call (CMAC, serial) costs as much as two.
 */

/** The two output blocks of {@link BitslicedAes.encrypt2}: words 0..3 the first block, 4..7 the second. */
export const OUT = new Int32Array(8);

/** The state being orthogonalised (BearSSL's q[0..7]). */
const Q = new Int32Array(8);

function swap(q: Int32Array, i: number, j: number, lo: number, hi: number, s: number): void {
  const a = q[i]!;
  const b = q[j]!;
  q[i] = (a & lo) | ((b & lo) << s);
  q[j] = ((a & hi) >>> s) | (b & hi);
}

/** Moves between eight words of bytes and eight bit planes (an involution). */
function ortho(q: Int32Array): void {
  for (let i = 0; i < 8; i += 2) swap(q, i, i + 1, 0x55555555, 0xaaaaaaaa | 0, 1);
  for (const i of [0, 1, 4, 5]) swap(q, i, i + 2, 0x33333333, 0xcccccccc | 0, 2);
  for (let i = 0; i < 4; i++) swap(q, i, i + 4, 0x0f0f0f0f, 0xf0f0f0f0 | 0, 4);
}

export class BitslicedAes {
  /** Orthogonalised round keys, eight words per round. */
  readonly #sk: Int32Array;
  readonly #rounds: number;

  /** `xk`: the expanded key as little-endian words, four per round key (44, 52 or 60 words). */
  constructor(xk: Int32Array) {
    const keys = xk.length / 4;
    this.#rounds = keys - 1;
    this.#sk = new Int32Array(keys * 8);
    for (let r = 0; r < keys; r++) {
      for (let j = 0; j < 4; j++) Q[2 * j] = Q[2 * j + 1] = xk[4 * r + j]!;
      ortho(Q);
      this.#sk.set(Q, 8 * r);
    }
  }

  /** Encrypts the blocks (a0..a3) and (b0..b3) into {@link OUT}. */
  encrypt2(a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number): void {
    const q = Q;
    q[0] = a0;
    q[1] = b0;
    q[2] = a1;
    q[3] = b1;
    q[4] = a2;
    q[5] = b2;
    q[6] = a3;
    q[7] = b3;
    ortho(q);
    const sk = this.#sk;
    let q0 = q[0]! ^ sk[0]!;
    let q1 = q[1]! ^ sk[1]!;
    let q2 = q[2]! ^ sk[2]!;
    let q3 = q[3]! ^ sk[3]!;
    let q4 = q[4]! ^ sk[4]!;
    let q5 = q[5]! ^ sk[5]!;
    let q6 = q[6]! ^ sk[6]!;
    let q7 = q[7]! ^ sk[7]!;
    const rounds = this.#rounds;
    for (let r = 1; ; r++) {
      // SubBytes: Boyar–Peralta. x0 is the high bit (plane 7), x7 the low bit (plane 0).
      const x0 = q7;
      const x1 = q6;
      const x2 = q5;
      const x3 = q4;
      const x4 = q3;
      const x5 = q2;
      const x6 = q1;
      const x7 = q0;
      // Top linear layer.
      const y14 = x3 ^ x5;
      const y13 = x0 ^ x6;
      const y9 = x0 ^ x3;
      const y8 = x0 ^ x5;
      const t0 = x1 ^ x2;
      const y1 = t0 ^ x7;
      const y4 = y1 ^ x3;
      const y12 = y13 ^ y14;
      const y2 = y1 ^ x0;
      const y5 = y1 ^ x6;
      const y3 = y5 ^ y8;
      const t1 = x4 ^ y12;
      const y15 = t1 ^ x5;
      const y20 = t1 ^ x1;
      const y6 = y15 ^ x7;
      const y10 = y15 ^ t0;
      const y11 = y20 ^ y9;
      const y7 = x7 ^ y11;
      const y17 = y10 ^ y11;
      const y19 = y10 ^ y8;
      const y16 = t0 ^ y11;
      const y21 = y13 ^ y16;
      const y18 = x0 ^ y16;
      // Non-linear middle: inversion in GF(2^8) through GF(2^4).
      const t2 = y12 & y15;
      const t3 = y3 & y6;
      const t4 = t3 ^ t2;
      const t5 = y4 & x7;
      const t6 = t5 ^ t2;
      const t7 = y13 & y16;
      const t8 = y5 & y1;
      const t9 = t8 ^ t7;
      const t10 = y2 & y7;
      const t11 = t10 ^ t7;
      const t12 = y9 & y11;
      const t13 = y14 & y17;
      const t14 = t13 ^ t12;
      const t15 = y8 & y10;
      const t16 = t15 ^ t12;
      const t17 = t4 ^ t14;
      const t18 = t6 ^ t16;
      const t19 = t9 ^ t14;
      const t20 = t11 ^ t16;
      const t21 = t17 ^ y20;
      const t22 = t18 ^ y19;
      const t23 = t19 ^ y21;
      const t24 = t20 ^ y18;
      const t25 = t21 ^ t22;
      const t26 = t21 & t23;
      const t27 = t24 ^ t26;
      const t28 = t25 & t27;
      const t29 = t28 ^ t22;
      const t30 = t23 ^ t24;
      const t31 = t22 ^ t26;
      const t32 = t31 & t30;
      const t33 = t32 ^ t24;
      const t34 = t23 ^ t33;
      const t35 = t27 ^ t33;
      const t36 = t24 & t35;
      const t37 = t36 ^ t34;
      const t38 = t27 ^ t36;
      const t39 = t29 & t38;
      const t40 = t25 ^ t39;
      const t41 = t40 ^ t37;
      const t42 = t29 ^ t33;
      const t43 = t29 ^ t40;
      const t44 = t33 ^ t37;
      const t45 = t42 ^ t41;
      const z0 = t44 & y15;
      const z1 = t37 & y6;
      const z2 = t33 & x7;
      const z3 = t43 & y16;
      const z4 = t40 & y1;
      const z5 = t29 & y7;
      const z6 = t42 & y11;
      const z7 = t45 & y17;
      const z8 = t41 & y10;
      const z9 = t44 & y12;
      const z10 = t37 & y3;
      const z11 = t33 & y4;
      const z12 = t43 & y13;
      const z13 = t40 & y5;
      const z14 = t29 & y2;
      const z15 = t42 & y9;
      const z16 = t45 & y14;
      const z17 = t41 & y8;
      // Bottom linear layer (with the affine constant 0x63 as three NOTs).
      const t46 = z15 ^ z16;
      const t47 = z10 ^ z11;
      const t48 = z5 ^ z13;
      const t49 = z9 ^ z10;
      const t50 = z2 ^ z12;
      const t51 = z2 ^ z5;
      const t52 = z7 ^ z8;
      const t53 = z0 ^ z3;
      const t54 = z6 ^ z7;
      const t55 = z16 ^ z17;
      const t56 = z12 ^ t48;
      const t57 = t50 ^ t53;
      const t58 = z4 ^ t46;
      const t59 = z3 ^ t54;
      const t60 = t46 ^ t57;
      const t61 = z14 ^ t57;
      const t62 = t52 ^ t58;
      const t63 = t49 ^ t58;
      const t64 = z4 ^ t59;
      const t65 = t61 ^ t62;
      const t66 = z1 ^ t63;
      const t67 = t64 ^ t65;
      const s3 = t53 ^ t66;
      q7 = t59 ^ t63;
      q6 = t64 ^ ~s3;
      q5 = t55 ^ ~t67;
      q4 = s3;
      q3 = t51 ^ t66;
      q2 = t47 ^ t65;
      q1 = t56 ^ ~t62;
      q0 = t48 ^ ~t60;
      // ShiftRows: within each plane, row k of a column group rotates by k (2 bits per byte position: 2 blocks).
      q0 = shiftRows(q0);
      q1 = shiftRows(q1);
      q2 = shiftRows(q2);
      q3 = shiftRows(q3);
      q4 = shiftRows(q4);
      q5 = shiftRows(q5);
      q6 = shiftRows(q6);
      q7 = shiftRows(q7);
      const k = 8 * r;
      if (r === rounds) {
        q0 ^= sk[k]!;
        q1 ^= sk[k + 1]!;
        q2 ^= sk[k + 2]!;
        q3 ^= sk[k + 3]!;
        q4 ^= sk[k + 4]!;
        q5 ^= sk[k + 5]!;
        q6 ^= sk[k + 6]!;
        q7 ^= sk[k + 7]!;
        break;
      }
      // MixColumns: multiplication by x is a move between planes with the reduction by 0x1b folded in.
      const r0 = (q0 >>> 8) | (q0 << 24);
      const r1 = (q1 >>> 8) | (q1 << 24);
      const r2 = (q2 >>> 8) | (q2 << 24);
      const r3 = (q3 >>> 8) | (q3 << 24);
      const r4 = (q4 >>> 8) | (q4 << 24);
      const r5 = (q5 >>> 8) | (q5 << 24);
      const r6 = (q6 >>> 8) | (q6 << 24);
      const r7 = (q7 >>> 8) | (q7 << 24);
      const n0 = q7 ^ r7 ^ r0 ^ rot16(q0 ^ r0);
      const n1 = q0 ^ r0 ^ q7 ^ r7 ^ r1 ^ rot16(q1 ^ r1);
      const n2 = q1 ^ r1 ^ r2 ^ rot16(q2 ^ r2);
      const n3 = q2 ^ r2 ^ q7 ^ r7 ^ r3 ^ rot16(q3 ^ r3);
      const n4 = q3 ^ r3 ^ q7 ^ r7 ^ r4 ^ rot16(q4 ^ r4);
      const n5 = q4 ^ r4 ^ r5 ^ rot16(q5 ^ r5);
      const n6 = q5 ^ r5 ^ r6 ^ rot16(q6 ^ r6);
      const n7 = q6 ^ r6 ^ r7 ^ rot16(q7 ^ r7);
      q0 = n0 ^ sk[k]!;
      q1 = n1 ^ sk[k + 1]!;
      q2 = n2 ^ sk[k + 2]!;
      q3 = n3 ^ sk[k + 3]!;
      q4 = n4 ^ sk[k + 4]!;
      q5 = n5 ^ sk[k + 5]!;
      q6 = n6 ^ sk[k + 6]!;
      q7 = n7 ^ sk[k + 7]!;
    }
    q[0] = q0;
    q[1] = q1;
    q[2] = q2;
    q[3] = q3;
    q[4] = q4;
    q[5] = q5;
    q[6] = q6;
    q[7] = q7;
    ortho(q);
    const o = OUT;
    o[0] = q[0]!;
    o[1] = q[2]!;
    o[2] = q[4]!;
    o[3] = q[6]!;
    o[4] = q[1]!;
    o[5] = q[3]!;
    o[6] = q[5]!;
    o[7] = q[7]!;
  }
}

function shiftRows(x: number): number {
  return (
    (x & 0xff) |
    ((x & 0xfc00) >>> 2) |
    ((x & 0x0300) << 6) |
    ((x & 0x00f00000) >>> 4) |
    ((x & 0x000f0000) << 4) |
    ((x & 0xc0000000) >>> 6) |
    ((x & 0x3f000000) << 2)
  );
}

function rot16(x: number): number {
  return (x << 16) | (x >>> 16);
}
