/**
 * AES-SIV seal composed of WebCrypto's AES-CBC and AES-CTR (what browsers have natively: constant time, hardware
 * AES, async only), for the measurement of issue 15 (not used by the library). S2V's CMAC is the CBC-MAC of the
 * message with its last block prepared (xorend D, then K1, or 10* padding and K2): the last ciphertext block of
 * AES-CBC with a zero IV before the PKCS#7 padding block WebCrypto always appends. CTR uses a 32-bit counter,
 * which RFC 5297's cleared bits make carry-free below 32 GiB. Two awaited WebCrypto calls per message.
 *
 * The S2V state after the associated data and the subkeys come from PureSivKey (set-up, once per key or timestamp).
 */
import { webcrypto } from 'node:crypto';
import { PureSivKey } from '../../../shared/e4/crypto/PureSivKey.js';

const subtle = webcrypto.subtle;

function dbl(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = ((b[i]! << 1) | (i < 15 ? b[i + 1]! >>> 7 : 0)) & 0xff;
  if (b[0]! & 0x80) out[15]! ^= 0x87;
  return out;
}

export class WebCryptoSivKey {
  readonly #cbc: webcrypto.CryptoKey;
  readonly #ctr: webcrypto.CryptoKey;
  readonly #k1: Uint8Array;
  readonly #k2: Uint8Array;
  readonly #prefix: PureSivKey;
  readonly #d = new Uint8Array(16);
  #ad: string | undefined;

  private constructor(cbc: webcrypto.CryptoKey, ctr: webcrypto.CryptoKey, l: Uint8Array, key: Uint8Array) {
    this.#cbc = cbc;
    this.#ctr = ctr;
    this.#k1 = dbl(l);
    this.#k2 = dbl(this.#k1);
    this.#prefix = new PureSivKey(key);
  }

  static async create(key: Uint8Array): Promise<WebCryptoSivKey> {
    const cbc = await subtle.importKey('raw', key, 'AES-CBC', false, ['encrypt']);
    const ctr = await subtle.importKey('raw', key, 'AES-CTR', false, ['encrypt']);
    const l = new Uint8Array(
      await subtle.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, cbc, new Uint8Array(16)),
    );
    return new WebCryptoSivKey(cbc, ctr, l.subarray(0, 16), key);
  }

  /** siv‖ciphertext of `plaintext` under the associated data `ad`. */
  async seal(ad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
    const adKey = Buffer.from(ad).toString('latin1');
    if (adKey !== this.#ad) {
      this.#prefix.s2vPrefix(ad, this.#d);
      this.#ad = adKey;
    }
    const n = plaintext.length;
    const d = this.#d;
    let t: Uint8Array;
    if (n >= 16) {
      // T = m xorend D, then CMAC's last-block treatment.
      const complete = (n & 15) === 0;
      t = new Uint8Array(complete ? n : (n + 16) & ~15);
      t.set(plaintext);
      for (let i = 0; i < 16; i++) t[n - 16 + i]! ^= d[i]!;
      if (!complete) t[n] = 0x80;
      const k = complete ? this.#k1 : this.#k2;
      for (let i = 0; i < 16; i++) t[t.length - 16 + i]! ^= k[i]!;
    } else {
      t = dbl(d);
      for (let i = 0; i < n; i++) t[i]! ^= plaintext[i]!;
      t[n]! ^= 0x80;
      for (let i = 0; i < 16; i++) t[i]! ^= this.#k1[i]!;
    }
    const mac = await subtle.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, this.#cbc, t);
    const v = new Uint8Array(mac, t.length - 16, 16);
    const counter = Uint8Array.from(v);
    counter[8]! &= 0x7f;
    counter[12]! &= 0x7f;
    const ct = await subtle.encrypt({ name: 'AES-CTR', counter, length: 32 }, this.#ctr, plaintext);
    const out = new Uint8Array(16 + n);
    out.set(v);
    out.set(new Uint8Array(ct), 16);
    return out;
  }
}
