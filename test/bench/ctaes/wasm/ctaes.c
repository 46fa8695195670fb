/*
 * Constant-time AES-SIV seal (RFC 5297, E4's key K||K: one AES key for S2V and CTR) for WebAssembly, for the
 * measurement of issue 15 (not used by the library). The block cipher is the 32-bit bitsliced form of BearSSL's
 * aes_ct (T. Pornin): eight words hold bit i of every byte of two blocks in word i; SubBytes is the Boyar-Peralta
 * circuit (eprint 2009/191); no memory index and no branch depends on the key or the data.
 *
 * Built twice (see README.md): as is, a word is a uint32_t (two blocks per call); with -DSIMD, a word is a vector of
 * four uint32_t (wasm simd128, i32x4), four independent two-block states side by side: eight blocks per call for
 * CTR, while the serial CMAC blocks go one at a time through a byte-sliced AES on one v128 (S-box by i8x16.swizzle,
 * see encrypt1), which costs far less than an eight-block bitsliced call carrying one block.
 *
 * Interface (all in this module's memory; the host writes the inputs and reads the outputs at the exported
 * addresses): xk (the expanded key, little-endian words, noble's layout) then set_key(rounds); d (the S2V state after
 * the associated data, computed by the host once per associated data, as PureSivKey caches it); buf (the message,
 * sealed in place into siv || ciphertext from its offset 16).
 */
#include <stdint.h>

#ifdef SIMD
typedef uint32_t W __attribute__((vector_size(16)));
#define LANES 4
#else
typedef uint32_t W;
#define LANES 1
#endif
#define BLOCKS (2 * LANES)

#define MAX_MESSAGE 65536

static uint32_t xk[60];
static W sk[15 * 8];
static int nrounds;
static uint32_t k1[4], k2[4], d[4];
static uint8_t buf[16 + MAX_MESSAGE + 16];

uint32_t *xk_ptr(void) { return xk; }
uint32_t *d_ptr(void) { return d; }
uint8_t *buf_ptr(void) { return buf; }
int max_message(void) { return MAX_MESSAGE; }

static inline uint32_t load32(const uint8_t *p) {
  uint32_t v;
  __builtin_memcpy(&v, p, 4);
  return v;
}

static inline void store32(uint8_t *p, uint32_t v) { __builtin_memcpy(p, &v, 4); }

#define SWAP(cl, ch, s, x, y)                    \
  do {                                           \
    W a_ = (x), b_ = (y);                        \
    (x) = (a_ & (cl)) | ((b_ & (cl)) << (s));    \
    (y) = ((a_ & (ch)) >> (s)) | (b_ & (ch));    \
  } while (0)

/* Between eight words of bytes and eight bit planes (an involution). */
static inline void ortho(W *q) {
  SWAP(0x55555555u, 0xAAAAAAAAu, 1, q[0], q[1]);
  SWAP(0x55555555u, 0xAAAAAAAAu, 1, q[2], q[3]);
  SWAP(0x55555555u, 0xAAAAAAAAu, 1, q[4], q[5]);
  SWAP(0x55555555u, 0xAAAAAAAAu, 1, q[6], q[7]);
  SWAP(0x33333333u, 0xCCCCCCCCu, 2, q[0], q[2]);
  SWAP(0x33333333u, 0xCCCCCCCCu, 2, q[1], q[3]);
  SWAP(0x33333333u, 0xCCCCCCCCu, 2, q[4], q[6]);
  SWAP(0x33333333u, 0xCCCCCCCCu, 2, q[5], q[7]);
  SWAP(0x0F0F0F0Fu, 0xF0F0F0F0u, 4, q[0], q[4]);
  SWAP(0x0F0F0F0Fu, 0xF0F0F0F0u, 4, q[1], q[5]);
  SWAP(0x0F0F0F0Fu, 0xF0F0F0F0u, 4, q[2], q[6]);
  SWAP(0x0F0F0F0Fu, 0xF0F0F0F0u, 4, q[3], q[7]);
}

/* SubBytes on the eight planes: Boyar-Peralta, x0 the high bit (plane 7), x7 the low bit (plane 0). */
static inline void sbox(W *q) {
  W x0 = q[7], x1 = q[6], x2 = q[5], x3 = q[4], x4 = q[3], x5 = q[2], x6 = q[1], x7 = q[0];
  W y14 = x3 ^ x5, y13 = x0 ^ x6, y9 = x0 ^ x3, y8 = x0 ^ x5, t0 = x1 ^ x2;
  W y1 = t0 ^ x7, y4 = y1 ^ x3, y12 = y13 ^ y14, y2 = y1 ^ x0, y5 = y1 ^ x6, y3 = y5 ^ y8;
  W t1 = x4 ^ y12, y15 = t1 ^ x5, y20 = t1 ^ x1, y6 = y15 ^ x7, y10 = y15 ^ t0, y11 = y20 ^ y9;
  W y7 = x7 ^ y11, y17 = y10 ^ y11, y19 = y10 ^ y8, y16 = t0 ^ y11, y21 = y13 ^ y16, y18 = x0 ^ y16;
  W t2 = y12 & y15, t3 = y3 & y6, t4 = t3 ^ t2, t5 = y4 & x7, t6 = t5 ^ t2, t7 = y13 & y16;
  W t8 = y5 & y1, t9 = t8 ^ t7, t10 = y2 & y7, t11 = t10 ^ t7, t12 = y9 & y11, t13 = y14 & y17;
  W t14 = t13 ^ t12, t15 = y8 & y10, t16 = t15 ^ t12, t17 = t4 ^ t14, t18 = t6 ^ t16, t19 = t9 ^ t14;
  W t20 = t11 ^ t16, t21 = t17 ^ y20, t22 = t18 ^ y19, t23 = t19 ^ y21, t24 = t20 ^ y18;
  W t25 = t21 ^ t22, t26 = t21 & t23, t27 = t24 ^ t26, t28 = t25 & t27, t29 = t28 ^ t22;
  W t30 = t23 ^ t24, t31 = t22 ^ t26, t32 = t31 & t30, t33 = t32 ^ t24, t34 = t23 ^ t33;
  W t35 = t27 ^ t33, t36 = t24 & t35, t37 = t36 ^ t34, t38 = t27 ^ t36, t39 = t29 & t38, t40 = t25 ^ t39;
  W t41 = t40 ^ t37, t42 = t29 ^ t33, t43 = t29 ^ t40, t44 = t33 ^ t37, t45 = t42 ^ t41;
  W z0 = t44 & y15, z1 = t37 & y6, z2 = t33 & x7, z3 = t43 & y16, z4 = t40 & y1, z5 = t29 & y7;
  W z6 = t42 & y11, z7 = t45 & y17, z8 = t41 & y10, z9 = t44 & y12, z10 = t37 & y3, z11 = t33 & y4;
  W z12 = t43 & y13, z13 = t40 & y5, z14 = t29 & y2, z15 = t42 & y9, z16 = t45 & y14, z17 = t41 & y8;
  W t46 = z15 ^ z16, t47 = z10 ^ z11, t48 = z5 ^ z13, t49 = z9 ^ z10, t50 = z2 ^ z12, t51 = z2 ^ z5;
  W t52 = z7 ^ z8, t53 = z0 ^ z3, t54 = z6 ^ z7, t55 = z16 ^ z17, t56 = z12 ^ t48, t57 = t50 ^ t53;
  W t58 = z4 ^ t46, t59 = z3 ^ t54, t60 = t46 ^ t57, t61 = z14 ^ t57, t62 = t52 ^ t58, t63 = t49 ^ t58;
  W t64 = z4 ^ t59, t65 = t61 ^ t62, t66 = z1 ^ t63, t67 = t64 ^ t65;
  W s3 = t53 ^ t66;
  q[7] = t59 ^ t63;
  q[6] = t64 ^ ~s3;
  q[5] = t55 ^ ~t67;
  q[4] = s3;
  q[3] = t51 ^ t66;
  q[2] = t47 ^ t65;
  q[1] = t56 ^ ~t62;
  q[0] = t48 ^ ~t60;
}

static inline W shift_rows1(W x) {
  return (x & 0x000000FFu) | ((x & 0x0000FC00u) >> 2) | ((x & 0x00000300u) << 6) | ((x & 0x00F00000u) >> 4) |
         ((x & 0x000F0000u) << 4) | ((x & 0xC0000000u) >> 6) | ((x & 0x3F000000u) << 2);
}

static inline W rotr8(W x) { return (x >> 8) | (x << 24); }
static inline W rotr16(W x) { return (x >> 16) | (x << 16); }

/* The orthogonalised state q through all rounds. */
static void rounds(W *q) {
  for (int i = 0; i < 8; i++) q[i] ^= sk[i];
  for (int r = 1;; r++) {
    sbox(q);
    for (int i = 0; i < 8; i++) q[i] = shift_rows1(q[i]);
    const W *k = sk + 8 * r;
    if (r == nrounds) {
      for (int i = 0; i < 8; i++) q[i] ^= k[i];
      return;
    }
    W q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3], q4 = q[4], q5 = q[5], q6 = q[6], q7 = q[7];
    W r0 = rotr8(q0), r1 = rotr8(q1), r2 = rotr8(q2), r3 = rotr8(q3);
    W r4 = rotr8(q4), r5 = rotr8(q5), r6 = rotr8(q6), r7 = rotr8(q7);
    q[0] = q7 ^ r7 ^ r0 ^ rotr16(q0 ^ r0) ^ k[0];
    q[1] = q0 ^ r0 ^ q7 ^ r7 ^ r1 ^ rotr16(q1 ^ r1) ^ k[1];
    q[2] = q1 ^ r1 ^ r2 ^ rotr16(q2 ^ r2) ^ k[2];
    q[3] = q2 ^ r2 ^ q7 ^ r7 ^ r3 ^ rotr16(q3 ^ r3) ^ k[3];
    q[4] = q3 ^ r3 ^ q7 ^ r7 ^ r4 ^ rotr16(q4 ^ r4) ^ k[4];
    q[5] = q4 ^ r4 ^ r5 ^ rotr16(q5 ^ r5) ^ k[5];
    q[6] = q5 ^ r5 ^ r6 ^ rotr16(q6 ^ r6) ^ k[6];
    q[7] = q6 ^ r6 ^ r7 ^ rotr16(q7 ^ r7) ^ k[7];
  }
}

/* Encrypts BLOCKS blocks of four words each (w[4 * b + j]) in place. */
static void encrypt_blocks(uint32_t *w) {
  W q[8];
  for (int j = 0; j < 4; j++) {
    for (int s = 0; s < 2; s++) {
#ifdef SIMD
      q[2 * j + s] = (W){w[4 * s + j], w[4 * (2 + s) + j], w[4 * (4 + s) + j], w[4 * (6 + s) + j]};
#else
      q[2 * j + s] = w[4 * s + j];
#endif
    }
  }
  ortho(q);
  rounds(q);
  ortho(q);
  for (int j = 0; j < 4; j++) {
    for (int s = 0; s < 2; s++) {
#ifdef SIMD
      for (int l = 0; l < LANES; l++) w[4 * (2 * l + s) + j] = q[2 * j + s][l];
#else
      w[4 * s + j] = q[2 * j + s];
#endif
    }
  }
}

#ifdef SIMD
#include <wasm_simd128.h>

/*
 * One block in a v128, for the serial CMAC of the SIMD build: SubBytes as 16 table lookups by i8x16.swizzle (a
 * register permutation: pshufb on x86, tbl on ARM), each over 16 entries of the S-box; the index x ^ 16h is out of
 * range (swizzle gives 0) unless x's high nibble is h, so XORing the 16 results selects S[x] without a
 * data-dependent address or branch. ShiftRows is a constant shuffle, MixColumns byte rotations within the columns.
 */
static uint8_t sbox_bytes[256] __attribute__((aligned(16)));
static v128_t rk[15];

static void init_sbox(void) {
  /* The S-box from the multiplicative inverse (powers of 3) and the affine map, as PureSivKey builds it. */
  uint8_t p = 1, q = 1;
  do {
    p = p ^ (uint8_t)(p << 1) ^ ((p & 0x80) ? 0x1b : 0);
    q ^= q << 1;
    q ^= q << 2;
    q ^= q << 4;
    if (q & 0x80) q ^= 0x09;
    uint8_t x = q ^ (uint8_t)((q << 1) | (q >> 7)) ^ (uint8_t)((q << 2) | (q >> 6)) ^
                (uint8_t)((q << 3) | (q >> 5)) ^ (uint8_t)((q << 4) | (q >> 4));
    sbox_bytes[p] = x ^ 0x63;
  } while (p != 1);
  sbox_bytes[0] = 0x63;
}

static inline v128_t sub_bytes(v128_t x) {
  v128_t acc = wasm_i8x16_swizzle(wasm_v128_load(sbox_bytes), x);
  for (int h = 1; h < 16; h++) {
    acc ^= wasm_i8x16_swizzle(wasm_v128_load(sbox_bytes + 16 * h), x ^ wasm_i8x16_splat((int8_t)(16 * h)));
  }
  return acc;
}

static inline v128_t mix_columns(v128_t a) {
  v128_t r1 = wasm_u32x4_shr(a, 8) | wasm_i32x4_shl(a, 24);
  v128_t r2 = wasm_u32x4_shr(a, 16) | wasm_i32x4_shl(a, 16);
  v128_t r3 = wasm_u32x4_shr(a, 24) | wasm_i32x4_shl(a, 8);
  v128_t t = a ^ r1;
  v128_t xt = wasm_i8x16_shl(t, 1) ^ (wasm_i8x16_shr(t, 7) & wasm_i8x16_splat(0x1b));
  return xt ^ r1 ^ r2 ^ r3;
}

static inline v128_t shift_rows_bytes(v128_t a) {
  return wasm_i8x16_shuffle(a, a, 0, 5, 10, 15, 4, 9, 14, 3, 8, 13, 2, 7, 12, 1, 6, 11);
}

static void encrypt1(uint32_t *s) {
  v128_t x = wasm_v128_load(s) ^ rk[0];
  for (int r = 1; r < nrounds; r++) x = mix_columns(sub_bytes(shift_rows_bytes(x))) ^ rk[r];
  x = sub_bytes(shift_rows_bytes(x)) ^ rk[nrounds];
  wasm_v128_store(s, x);
}
#else
/* One block (a CMAC step): the other slots carry zeros. */
static void encrypt1(uint32_t *s) {
  uint32_t w[4 * BLOCKS] = {0};
  for (int j = 0; j < 4; j++) w[j] = s[j];
  encrypt_blocks(w);
  for (int j = 0; j < 4; j++) s[j] = w[j];
}
#endif

static inline uint32_t bswap(uint32_t v) { return __builtin_bswap32(v); }

/* dbl() of RFC 5297 on a block held as little-endian words. */
static void dbl(uint32_t *w) {
  uint32_t b0 = bswap(w[0]), b1 = bswap(w[1]), b2 = bswap(w[2]), b3 = bswap(w[3]);
  uint32_t carry = b0 >> 31;
  w[0] = bswap((b0 << 1) | (b1 >> 31));
  w[1] = bswap((b1 << 1) | (b2 >> 31));
  w[2] = bswap((b2 << 1) | (b3 >> 31));
  w[3] = bswap((b3 << 1) ^ (0x87 & -carry));
}

/* Orthogonalises the round keys of xk and derives the CMAC subkeys. */
void set_key(int rounds_) {
  nrounds = rounds_;
  for (int r = 0; r <= nrounds; r++) {
    W q[8];
    for (int j = 0; j < 4; j++) q[2 * j] = q[2 * j + 1] = (W){0} + xk[4 * r + j];
    ortho(q);
    for (int i = 0; i < 8; i++) sk[8 * r + i] = q[i];
  }
#ifdef SIMD
  init_sbox();
  for (int r = 0; r <= nrounds; r++) rk[r] = wasm_v128_load(xk + 4 * r);
#endif
  uint32_t l[4] = {0, 0, 0, 0};
  encrypt1(l);
  for (int j = 0; j < 4; j++) k1[j] = l[j];
  dbl(k1);
  for (int j = 0; j < 4; j++) k2[j] = k1[j];
  dbl(k2);
}

/* S2V of the message buf[16 .. 16 + n) after the associated data (state d), into v. */
static void s2v(int n, uint32_t *v) {
  const uint8_t *m = buf + 16;
  uint8_t tail[32];
  uint32_t s[4] = {0, 0, 0, 0};
  if (n < 16) {
    /* T = dbl(D) xor pad(m), one complete block: E(T xor K1). */
    uint32_t w[4] = {d[0], d[1], d[2], d[3]};
    dbl(w);
    for (int i = 0; i < 16; i++) tail[i] = i < n ? m[i] : i == n ? 0x80 : 0;
    for (int j = 0; j < 4; j++) v[j] = load32(tail + 4 * j) ^ w[j] ^ k1[j];
    encrypt1(v);
    return;
  }
  /* T = m xorend D; CMAC(T), the last one or two blocks assembled in tail. */
  int blocks = (n + 15) >> 4;
  int tail_start = (blocks - 2) * 16;
  if (tail_start < 0) tail_start = 0;
  for (int i = 0; i < tail_start; i += 16) {
    for (int j = 0; j < 4; j++) s[j] ^= load32(m + i + 4 * j);
    encrypt1(s);
  }
  int tail_len = n - tail_start;
  for (int i = 0; i < 32; i++) tail[i] = i < tail_len ? m[tail_start + i] : 0;
  for (int i = 0; i < 16; i++) tail[tail_len - 16 + i] ^= (uint8_t)(d[i >> 2] >> ((i & 3) * 8));
  int complete = (n & 15) == 0;
  if (!complete) tail[tail_len] = 0x80;
  const uint32_t *k = complete ? k1 : k2;
  int last = tail_len > 16 ? 16 : 0;
  if (last) {
    for (int j = 0; j < 4; j++) s[j] ^= load32(tail + 4 * j);
    encrypt1(s);
  }
  for (int j = 0; j < 4; j++) v[j] = s[j] ^ load32(tail + last + 4 * j) ^ k[j];
  encrypt1(v);
}

/* CTR from v (bits 31 and 63 of its last two words cleared) over buf[16 .. 16 + n), in place, BLOCKS at a time. */
static void ctr(const uint32_t *v, int n) {
  uint8_t *p = buf + 16;
  uint32_t q2 = v[2] & ~0x80u;
  uint32_t counter = bswap(v[3] & ~0x80u);
  uint32_t ks[4 * BLOCKS];
  for (int i = 0; i < n; i += 16 * BLOCKS) {
    for (int b = 0; b < BLOCKS; b++) {
      ks[4 * b] = v[0];
      ks[4 * b + 1] = v[1];
      ks[4 * b + 2] = q2;
      ks[4 * b + 3] = bswap(counter + b);
    }
    counter += BLOCKS;
    encrypt_blocks(ks);
    int left = n - i;
    if (left >= 16 * BLOCKS) {
      for (int j = 0; j < 4 * BLOCKS; j++) store32(p + i + 4 * j, load32(p + i + 4 * j) ^ ks[j]);
    } else {
      for (int j = 0; j < left; j++) p[i + j] ^= (uint8_t)(ks[j >> 2] >> ((j & 3) * 8));
    }
  }
}

/* Seals buf[16 .. 16 + n) in place: buf[0 .. 16) the synthetic IV, then the ciphertext. */
void seal(int n) {
  uint32_t v[4];
  s2v(n, v);
  for (int j = 0; j < 4; j++) store32(buf + 4 * j, v[j]);
  ctr(v, n);
}

/* Throughput of the block function alone: `count` groups of BLOCKS blocks of buf encrypted in place. */
void ecb(int count) {
  for (int i = 0; i < count; i++) encrypt_blocks((uint32_t *)(buf + 16 + 16 * BLOCKS * (i & 63)));
}

/* One block at a time, chained (CBC-MAC over `count` blocks of zeros): the serial case. */
void chain(int count) {
  uint32_t s[4] = {0, 0, 0, 0};
  for (int i = 0; i < count; i++) encrypt1(s);
  for (int j = 0; j < 4; j++) store32(buf + 4 * j, s[j]);
}
