/**
 * The topic keys of a client, compact enough for gateways holding 100,000 topics (about 100 bytes a topic, see
 * docs/benchmarks.md):
 * - keys live in slabs of 32-byte slots (the first slab grows up to {@link CHUNK_SLOTS} slots, then whole slabs are
 *   added, so growing never copies more than one slab and never doubles the memory);
 * - the index maps the 16 bytes of the topic hash, as a flat 16-character string, to a slot. The hex names callers
 *   use (32 characters, often built by concatenation) would cost 80 bytes each; any name that is not 32 lowercase
 *   hex digits is kept as it is, behind a marker a compact name never has.
 * Previous-key slots (40 bytes: old key ‖ LE64 rotation time) are few and kept apart. AES-SIV contexts are cached
 * for the most recently used keys only (LRU, with a shortcut for the last one used), and dropped when a key changes.
 */

import { KEY_LEN } from '../constants.js';
import type { CryptoEngine, SivKey } from '../crypto/CryptoEngine.js';

const INITIAL_SLOTS = 16;
const CHUNK_SHIFT = 10;
const CHUNK_SLOTS = 1 << CHUNK_SHIFT;
const SLOT_MASK = CHUNK_SLOTS - 1;

const HEX_DIGITS = '0123456789abcdef';
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE[HEX_DIGITS.charCodeAt(i)] = i;
/** Marks a name kept verbatim: not a latin-1 character, so never part of a compact name. */
const VERBATIM = '\u0100';
/** Prefix of previous-key contexts in the SIV cache (never the start of a hex topic hash). */
const OLD = 'old:';
const codes: number[] = new Array(16).fill(0);

/** 32 lowercase hex digits -> 16 characters of their byte values; any other name -> marker + name. */
function compactName(name: string): string {
  if (name.length !== 32) return VERBATIM + name;
  for (let i = 0; i < 16; i++) {
    const hi = HEX_VALUE[name.charCodeAt(2 * i)] ?? -1;
    const lo = HEX_VALUE[name.charCodeAt(2 * i + 1)] ?? -1;
    if ((hi | lo) < 0) return VERBATIM + name;
    codes[i] = (hi << 4) | lo;
  }
  return String.fromCharCode(...codes);
}

function nameOf(compact: string): string {
  if (compact.charCodeAt(0) === 0x100) return compact.slice(1);
  let hex = '';
  for (let i = 0; i < compact.length; i++) {
    const c = compact.charCodeAt(i);
    hex += HEX_DIGITS[c >>> 4]! + HEX_DIGITS[c & 15]!;
  }
  return hex;
}

export class TopicKeyTable {
  readonly #engine: CryptoEngine;
  readonly #cacheSize: number;
  /** Compact name -> slot. */
  readonly #index = new Map<string, number>();
  readonly #free: number[] = [];
  readonly #slabs: Uint8Array[] = [];
  #used = 0;
  readonly #old = new Map<string, Uint8Array>();
  /** Caller's name -> context, least recently used first; #lastName / #lastSiv is the most recent entry. */
  readonly #sivs = new Map<string, SivKey>();
  #lastName: string | undefined;
  #lastSiv: SivKey | undefined;

  constructor(engine: CryptoEngine, cacheSize = 256) {
    this.#engine = engine;
    this.#cacheSize = cacheSize;
  }

  /** Number of topic keys (previous-key slots not counted). */
  get size(): number {
    return this.#index.size;
  }

  has(hashHex: string): boolean {
    return this.#index.has(compactName(hashHex));
  }

  /** A copy of the key of a topic. */
  get(hashHex: string): Uint8Array | undefined {
    const slot = this.#index.get(compactName(hashHex));
    return slot === undefined ? undefined : this.#key(slot).slice();
  }

  set(hashHex: string, key: Uint8Array): void {
    const name = compactName(hashHex);
    let slot = this.#index.get(name);
    if (slot === undefined) {
      slot = this.#free.pop() ?? this.#allocate();
      this.#index.set(name, slot);
    }
    this.#key(slot).set(key.subarray(0, KEY_LEN));
    this.#forget(hashHex);
  }

  delete(hashHex: string): void {
    const name = compactName(hashHex);
    const slot = this.#index.get(name);
    if (slot === undefined) return;
    this.#key(slot).fill(0);
    this.#index.delete(name);
    this.#free.push(slot);
    this.#forget(hashHex);
  }

  getOld(slotHex: string): Uint8Array | undefined {
    return this.#old.get(slotHex);
  }

  /** Stores a previous-key slot (40 bytes); the table keeps a copy. */
  setOld(slotHex: string, value: Uint8Array): void {
    this.#old.get(slotHex)?.fill(0);
    this.#old.set(slotHex, value.slice());
    this.#forget(OLD + slotHex);
  }

  deleteOld(slotHex: string): void {
    this.#old.get(slotHex)?.fill(0);
    this.#old.delete(slotHex);
    this.#forget(OLD + slotHex);
  }

  /**
   * The AES-SIV context of the previous key in a slot, cached like current keys: during the hour after a rotation,
   * senders not yet rotated keep using it.
   */
  oldSiv(slotHex: string): SivKey | undefined {
    const name = OLD + slotHex;
    let siv = this.#sivs.get(name);
    if (!siv) {
      const value = this.#old.get(slotHex);
      if (value === undefined || value.length < KEY_LEN) return undefined;
      siv = this.#engine.sivKey(value.subarray(0, KEY_LEN));
      this.#remember(name, siv);
    }
    return siv;
  }

  clear(): void {
    for (const slab of this.#slabs) slab.fill(0);
    this.#slabs.length = 0;
    this.#index.clear();
    this.#free.length = 0;
    this.#used = 0;
    for (const value of this.#old.values()) value.fill(0);
    this.#old.clear();
    this.#sivs.clear();
    this.#lastName = undefined;
    this.#lastSiv = undefined;
  }

  /** The cached AES-SIV context of a topic's key, or undefined when the topic has no key. */
  siv(hashHex: string): SivKey | undefined {
    if (hashHex === this.#lastName) return this.#lastSiv;
    let siv = this.#sivs.get(hashHex);
    if (siv) {
      // Move to the most recent end of the LRU order.
      this.#sivs.delete(hashHex);
    } else {
      const slot = this.#index.get(compactName(hashHex));
      if (slot === undefined) return undefined;
      siv = this.#engine.sivKey(this.#key(slot));
    }
    this.#remember(hashHex, siv);
    this.#lastName = hashHex;
    this.#lastSiv = siv;
    return siv;
  }

  /** Every entry, topic keys and previous-key slots, sorted by hex name (the order of e4go's state document). */
  entries(): [string, Uint8Array][] {
    const all: [string, Uint8Array][] = [];
    for (const [name, slot] of this.#index) all.push([nameOf(name), this.#key(slot).slice()]);
    for (const [slotHex, value] of this.#old) all.push([slotHex, value.slice()]);
    return all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The stored key of a slot (a view into its slab). */
  #key(slot: number): Uint8Array {
    const at = (slot & SLOT_MASK) * KEY_LEN;
    return this.#slabs[slot >>> CHUNK_SHIFT]!.subarray(at, at + KEY_LEN);
  }

  /** Caches a context as the most recently used, evicting the least recently used beyond the cache size. */
  #remember(name: string, siv: SivKey): void {
    if (this.#sivs.size >= this.#cacheSize && !this.#sivs.has(name)) {
      this.#sivs.delete(this.#sivs.keys().next().value!);
    }
    this.#sivs.set(name, siv);
  }

  /** Drops the cached context of a topic whose key changed or went away. */
  #forget(hashHex: string): void {
    this.#sivs.delete(hashHex);
    if (hashHex === this.#lastName) {
      this.#lastName = undefined;
      this.#lastSiv = undefined;
    }
  }

  #allocate(): number {
    const slot = this.#used++;
    const index = slot >>> CHUNK_SHIFT;
    const slab = this.#slabs[index];
    if (slab === undefined) {
      this.#slabs.push(new Uint8Array((index === 0 ? INITIAL_SLOTS : CHUNK_SLOTS) * KEY_LEN));
    } else if (((slot & SLOT_MASK) + 1) * KEY_LEN > slab.length) {
      // Only the first slab grows (doubling up to a whole slab). Cached contexts hold no view of the old one (their
      // keys were copied into the expanded key schedules at creation), and it is zeroed.
      const grown = new Uint8Array(Math.min(slab.length * 2, CHUNK_SLOTS * KEY_LEN));
      grown.set(slab);
      slab.fill(0);
      this.#slabs[index] = grown;
    }
    return slot;
  }
}
