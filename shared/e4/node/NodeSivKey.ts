/**
 * AES-SIV on node:crypto (OpenSSL, AES-NI) for larger payloads, behind the same interface as the pure
 * implementation, which it uses below {@link NODE_SIV_THRESHOLD} bytes (there, a call into OpenSSL costs more than
 * the AES work itself).
 *
 * Node has no AES-SIV, so it is composed from long-lived cipher objects of the key, two OpenSSL calls a message:
 * - S2V: the timestamp step runs in the pure context (cached while the timestamp does not change); the CMAC over the
 *   plaintext is a CBC-MAC on a streaming `aes-256-cbc` encryptor with a zero IV. A streaming CBC encryptor chains
 *   from its last output block c, so XORing c into the first block of the next message restarts the chain from
 *   zero: no cipher object per message.
 * - CTR: up to {@link SCRATCH_BYTES}, the counter blocks go through a streaming `aes-256-ecb` encryptor and the data
 *   is XORed into the returned keystream, 32 bits at a time; when opening, that buffer becomes the plaintext, so
 *   the message costs no other allocation. Above, a per-message `aes-256-ctr` cipher does the XOR natively.
 * What a call costs here is mostly the buffers node:crypto allocates for each `update()` (see docs/benchmarks.md),
 * hence two calls a message and nothing else allocated on the way.
 *
 * With a threshold of 0 (the C2's engine, `createNodeEngine({ sivThreshold: 0 })`) no pure context is made at all:
 * every AES block of every message, whatever its size, goes through OpenSSL (the associated-data step of S2V and
 * messages under 16 bytes included), so that no key-dependent table lookup happens in JavaScript. Input blocks are assembled in one module-level
 * scratch buffer: every use is synchronous and `update()` copies.
 */
import { type Cipher, createCipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { SivKey } from '../crypto/CryptoEngine.js';
import { PureSivKey } from '../crypto/PureSivKey.js';

/** Payload size from which node:crypto beats the pure path (measured by `npm run bench`, see docs/benchmarks.md). */
export const NODE_SIV_THRESHOLD = 144;
const SCRATCH_BYTES = 4096;
const scratch = new Uint8Array(SCRATCH_BYTES + 32);
const scratch32 = new Int32Array(scratch.buffer);
const ZERO_IV = new Uint8Array(16);
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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

/**
 * A plain Uint8Array over the first `length` bytes of a buffer node:crypto returned, which has memory of its own
 * (checked: a plaintext handed out must not share its ArrayBuffer with anything else).
 */
function bytesOf(buffer: Buffer, length: number): Uint8Array {
  if (buffer.byteOffset === 0 && buffer.buffer.byteLength === buffer.length) {
    return new Uint8Array(buffer.buffer, 0, length);
  }
  return new Uint8Array(buffer.subarray(0, length));
}

/** Zeroes what a call left of a plaintext in the scratch buffer. */
function wipeScratch(n: number): void {
  scratch.fill(0, 0, n <= SCRATCH_BYTES ? n + 16 : 32);
}

/** Views of the first 16·i bytes of the scratch buffer, made once. */
const scratchViews: Uint8Array[] = [];
function scratchView(length: number): Uint8Array {
  const i = length >>> 4;
  let view = scratchViews[i];
  if (view === undefined) {
    view = scratch.subarray(0, length);
    scratchViews[i] = view;
  }
  return view;
}

/**
 * `target[0..n) ^= data[0..n)`, 32 bits at a time, `target` being a buffer node:crypto returned (4-byte aligned,
 * memory of its own). `data` is first copied into the aligned scratch buffer: a copy costs less than a typed-array
 * view, and works at any alignment (a payload is often a view into a network buffer).
 */
function xorInPlace(target: Buffer, data: Uint8Array, n: number): void {
  scratch.set(data.length === n ? data : data.subarray(0, n));
  const words = n >>> 2;
  if ((target.byteOffset & 3) === 0) {
    const t32 = new Int32Array(target.buffer, target.byteOffset, words);
    for (let i = 0; i < words; i++) t32[i]! ^= scratch32[i]!;
  } else {
    for (let i = 0; i < words << 2; i++) target[i]! ^= scratch[i]!;
  }
  for (let i = words << 2; i < n; i++) target[i]! ^= scratch[i]!;
}

/** The OpenSSL side of a key: its KeyObject, the two streaming ciphers and the CMAC subkeys. */
interface OpenSslContext {
  readonly key: KeyObject;
  readonly cbc: Cipher;
  readonly ecb: Cipher;
  readonly k1: Uint8Array;
  readonly k2: Uint8Array;
  /** dbl(CMAC(0^128)): the first step of S2V. */
  readonly d0: Uint8Array;
}

export class NodeSivKey implements SivKey {
  /** Absent with a threshold of 0 (OpenSSL only). */
  readonly #pure: PureSivKey | undefined;
  /**
   * Made on the first payload of {@link NODE_SIV_THRESHOLD} bytes or more (a context costs about 4 µs without it,
   * 20 µs with it: it matters to a gateway cycling through many topics of short messages). The key bytes are kept
   * until then.
   */
  #openssl: OpenSslContext | undefined;
  #key: Uint8Array | undefined;
  /** Last output block of the streaming CBC encryptor (its chaining value). */
  readonly #chain = new Uint8Array(16);
  readonly #d = new Uint8Array(16);
  /** The synthetic IV computed by the last #s2v. */
  readonly #v = new Uint8Array(16);
  /** The one block of S2V's last step for a message under 16 bytes (OpenSSL only). */
  readonly #block = new Uint8Array(16);
  /** Payloads under this size go through the pure context; 0: none does (OpenSSL only). */
  readonly threshold: number;

  /** `threshold` 0: every payload through OpenSSL; otherwise at least 16. */
  constructor(key: Uint8Array, threshold = NODE_SIV_THRESHOLD) {
    this.threshold = threshold <= 0 ? 0 : Math.max(16, threshold);
    this.#pure = this.threshold === 0 ? undefined : new PureSivKey(key);
    // A copy whatever the caller passed: Buffer#slice would be a view, and callers wipe their key after this call.
    this.#key = new Uint8Array(key);
  }

  #context(): OpenSslContext {
    if (this.#openssl) return this.#openssl;
    const key = createSecretKey(this.#key!);
    this.#key!.fill(0);
    this.#key = undefined;
    const ecb = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
    const k1 = dbl(ecb.update(new Uint8Array(16)));
    this.#openssl = {
      key,
      cbc: createCipheriv('aes-256-cbc', key, ZERO_IV).setAutoPadding(false),
      ecb,
      k1,
      k2: dbl(k1),
      // CMAC(0^128) is one complete block: E(0 xor K1).
      d0: dbl(ecb.update(k1)),
    };
    return this.#openssl;
  }

  sealInto(ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    const n = plaintext.length;
    if (this.#pure && n < this.threshold) {
      this.#pure.sealInto(ad, plaintext, out, offset);
      return;
    }
    const v = this.#s2v(ad, plaintext, n);
    out.set(v, offset);
    const ciphertext = n <= SCRATCH_BYTES ? this.#keystream(v, n) : this.#ctrCipher(v).update(plaintext);
    if (n <= SCRATCH_BYTES) xorInPlace(ciphertext, plaintext, n);
    out.set(ciphertext.length === n ? ciphertext : ciphertext.subarray(0, n), offset + 16);
    wipeScratch(n);
  }

  open(ad: Uint8Array, sivAndCiphertext: Uint8Array): Uint8Array | undefined {
    const n = sivAndCiphertext.length - 16;
    if (this.#pure && n < this.threshold) return this.#pure.open(ad, sivAndCiphertext);
    if (n < 0) return undefined;
    const ciphertext = sivAndCiphertext.subarray(16);
    let plaintext: Uint8Array;
    if (n <= SCRATCH_BYTES) {
      const buffer = this.#keystream(sivAndCiphertext, n);
      xorInPlace(buffer, ciphertext, n);
      plaintext = bytesOf(buffer, n);
    } else {
      const buffer = this.#ctrCipher(sivAndCiphertext).update(ciphertext);
      plaintext = bytesOf(buffer, buffer.length);
    }
    const t = this.#s2v(ad, plaintext, n);
    wipeScratch(n);
    let diff = 0;
    for (let i = 0; i < 16; i++) diff |= t[i]! ^ sivAndCiphertext[i]!;
    if (diff !== 0) {
      plaintext.fill(0);
      return undefined;
    }
    return plaintext;
  }

  /** S2V(ad, p): V = CMAC(p xorend D), or CMAC(dbl(D) xor pad(p)) under 16 bytes, into #v. */
  #s2v(ad: Uint8Array, p: Uint8Array, n: number): Uint8Array {
    const d = this.#d;
    if (this.#pure) this.#pure.s2vPrefix(ad, d);
    else this.#s2vPrefix(ad, d);
    const { cbc, k1, k2 } = this.#context();
    if (n < 16) return this.#s2vShort(p, n);
    const complete = (n & 15) === 0;
    const padded = (n + 15) & ~15;
    const k = complete ? k1 : k2;
    const chain = this.#chain;
    let last: Buffer;
    if (padded <= SCRATCH_BYTES) {
      // One update: the whole (padded, modified) message in the scratch buffer.
      scratch.set(p);
      scratch.fill(0, n, padded);
      if (!complete) scratch[n] = 0x80;
      for (let i = 0; i < 16; i++) scratch[n - 16 + i]! ^= d[i]!;
      for (let i = 0; i < 16; i++) scratch[padded - 16 + i]! ^= k[i]!;
      for (let i = 0; i < 16; i++) scratch[i]! ^= chain[i]!;
      last = cbc.update(scratchView(padded));
    } else {
      // Three updates, no copy of the message: first block (chain restart), middle blocks as they are, and the last
      // two blocks (xorend, padding, subkey) assembled in the scratch buffer.
      const tailStart = padded - 32;
      for (let i = 0; i < 16; i++) scratch[i] = p[i]! ^ chain[i]!;
      cbc.update(scratch.subarray(0, 16));
      cbc.update(p.subarray(16, tailStart));
      scratch.fill(0, 0, 32);
      scratch.set(p.subarray(tailStart));
      if (!complete) scratch[n - tailStart] = 0x80;
      for (let i = 0; i < 16; i++) scratch[n - tailStart - 16 + i]! ^= d[i]!;
      for (let i = 0; i < 16; i++) scratch[16 + i]! ^= k[i]!;
      last = cbc.update(scratch.subarray(0, 32));
    }
    const v = this.#v;
    const at = last.length - 16;
    for (let i = 0; i < 16; i++) v[i] = last[at + i]!;
    chain.set(v);
    return v;
  }

  /** D = dbl(CMAC(0^128)) xor CMAC(ad) into `d`, on the streaming CBC encryptor (the associated data is not secret). */
  #s2vPrefix(ad: Uint8Array, d: Uint8Array): void {
    const { cbc, k1, k2, d0 } = this.#context();
    const n = ad.length;
    const complete = n > 0 && (n & 15) === 0;
    const padded = complete ? n : (n + 16) & ~15;
    const m = new Uint8Array(padded);
    m.set(ad);
    if (!complete) m[n] = 0x80;
    const k = complete ? k1 : k2;
    const chain = this.#chain;
    for (let i = 0; i < 16; i++) m[padded - 16 + i]! ^= k[i]!;
    for (let i = 0; i < 16; i++) m[i]! ^= chain[i]!;
    const last = cbc.update(m);
    const at = last.length - 16;
    for (let i = 0; i < 16; i++) chain[i] = last[at + i]!;
    for (let i = 0; i < 16; i++) d[i] = d0[i]! ^ chain[i]!;
  }

  /** S2V's last step for |p| < 16: V = CMAC(dbl(D) xor pad(p)) = E(dbl(D) xor pad(p) xor K1), into #v. */
  #s2vShort(p: Uint8Array, n: number): Uint8Array {
    const { ecb, k1 } = this.#context();
    const t = this.#block;
    const dd = dbl(this.#d);
    for (let i = 0; i < 16; i++) t[i] = (i < n ? p[i]! : i === n ? 0x80 : 0) ^ dd[i]! ^ k1[i]!;
    const v = this.#v;
    v.set(ecb.update(t));
    t.fill(0);
    return v;
  }

  /**
   * The CTR keystream for n <= SCRATCH_BYTES bytes from V (the first 16 bytes of `v`) with bits 31 and 63 cleared
   * (RFC 5297): the counter blocks through the ECB encryptor, in one call. Keystream bytes past n are zeroed (the
   * buffer may be handed out as a plaintext).
   */
  #keystream(v: Uint8Array, n: number): Buffer {
    const blocks = (n + 15) >>> 4;
    // Words of the counter block in big-endian order; the last one is the 32-bit counter.
    const w0 = (v[0]! << 24) | (v[1]! << 16) | (v[2]! << 8) | v[3]!;
    const w1 = (v[4]! << 24) | (v[5]! << 16) | (v[6]! << 8) | v[7]!;
    const w2 = ((v[8]! & 0x7f) << 24) | (v[9]! << 16) | (v[10]! << 8) | v[11]!;
    let counter = ((v[12]! & 0x7f) << 24) | (v[13]! << 16) | (v[14]! << 8) | v[15]!;
    // Stored through the native-endian view of the scratch buffer.
    const n0 = LITTLE_ENDIAN ? bswap(w0) : w0;
    const n1 = LITTLE_ENDIAN ? bswap(w1) : w1;
    const n2 = LITTLE_ENDIAN ? bswap(w2) : w2;
    for (let i = 0; i < blocks << 2; i += 4) {
      scratch32[i] = n0;
      scratch32[i + 1] = n1;
      scratch32[i + 2] = n2;
      scratch32[i + 3] = LITTLE_ENDIAN ? bswap(counter) : counter;
      counter = (counter + 1) | 0;
    }
    const keystream = this.#context().ecb.update(scratchView(blocks << 4));
    if ((n & 15) !== 0) keystream.fill(0, n);
    return keystream;
  }

  /**
   * A one-message AES-CTR cipher from V (the first 16 bytes of `v`) with bits 31 and 63 cleared, for payloads above
   * SCRATCH_BYTES.
   */
  #ctrCipher(v: Uint8Array): Cipher {
    const q = v.slice(0, 16);
    q[8]! &= 0x7f;
    q[12]! &= 0x7f;
    return createCipheriv('aes-256-ctr', this.#context().key, q);
  }
}
