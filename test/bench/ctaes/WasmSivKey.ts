/**
 * AES-SIV seal in WebAssembly (wasm/ctaes.c: bitsliced constant-time AES, the whole S2V and CTR inside the module),
 * for the measurement of issue 15 (not used by the library). Each seal copies the plaintext into the module's
 * memory, makes one call, and copies siv‖ciphertext out: the JS→WASM call and copy overhead are in the figures.
 *
 * The S2V state after the associated data (one AES block, once per distinct timestamp) is taken from PureSivKey's
 * `s2vPrefix`, i.e. from the T-tables: a product would compute it in the module too; the per-message work measured
 * here does not include it (PureSivKey caches it the same way).
 */
import { readFileSync } from 'node:fs';
import { unsafe } from '@noble/ciphers/aes.js';
import { PureSivKey } from '../../../shared/e4/crypto/PureSivKey.js';

interface Exports {
  readonly memory: WebAssembly.Memory;
  xk_ptr(): number;
  d_ptr(): number;
  buf_ptr(): number;
  max_message(): number;
  set_key(rounds: number): void;
  seal(n: number): void;
  ecb(count: number): void;
  chain(count: number): void;
}

export type WasmFlavour = 'scalar' | 'simd';

/** Blocks per call of the module's block function. */
export const WASM_BLOCKS: Record<WasmFlavour, number> = { scalar: 2, simd: 8 };

/** Compiles and instantiates the module (one instance per key: its memory holds the key's state). */
export async function loadWasm(flavour: WasmFlavour): Promise<Exports> {
  const file = flavour === 'simd' ? 'ctaes-simd.wasm' : 'ctaes.wasm';
  const bytes = readFileSync(new URL(`./wasm/${file}`, import.meta.url));
  const { instance } = await WebAssembly.instantiate(bytes);
  return instance.exports as unknown as Exports;
}

export class WasmSivKey {
  readonly #x: Exports;
  readonly #mem: Uint8Array;
  readonly #buf: number;
  readonly #prefix: PureSivKey;
  readonly #d = new Uint8Array(16);
  #ad: Uint8Array | undefined;

  constructor(exports: Exports, key: Uint8Array) {
    this.#x = exports;
    this.#mem = new Uint8Array(exports.memory.buffer);
    this.#buf = exports.buf_ptr();
    const xk = unsafe.expandKeyLE(key);
    new Uint32Array(exports.memory.buffer, exports.xk_ptr(), xk.length).set(xk);
    exports.set_key(xk.length / 4 - 1);
    this.#prefix = new PureSivKey(key);
  }

  /** Exposed for the block-function measurements. */
  get exports(): Exports {
    return this.#x;
  }

  sealInto(ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void {
    const n = plaintext.length;
    if (n > this.#x.max_message()) throw new RangeError('message too long for the module buffer');
    if (this.#ad === undefined || !sameBytes(this.#ad, ad)) {
      this.#prefix.s2vPrefix(ad, this.#d);
      this.#mem.set(this.#d, this.#x.d_ptr());
      this.#ad = Uint8Array.from(ad);
    }
    this.#mem.set(plaintext, this.#buf + 16);
    this.#x.seal(n);
    out.set(this.#mem.subarray(this.#buf, this.#buf + 16 + n), offset);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
