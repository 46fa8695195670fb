/**
 * The topic keys of a client, compact enough for gateways holding 100,000 topics: keys live in one growing slab
 * (32 bytes each) indexed by the hex topic hash, so a topic costs its map entry, its hex string and 32 bytes, not
 * a typed-array object per key. Previous-key slots (40 bytes: old key ‖ LE64 rotation time) are few and kept apart.
 * AES-SIV contexts are cached for the most recently used keys only (LRU), and dropped when a key changes.
 */

import { KEY_LEN } from '../constants.js';
import type { CryptoEngine, SivKey } from '../crypto/CryptoEngine.js';

const INITIAL_SLOTS = 16;

export class TopicKeyTable {
  readonly #engine: CryptoEngine;
  readonly #cacheSize: number;
  readonly #index = new Map<string, number>();
  readonly #free: number[] = [];
  #slab = new Uint8Array(INITIAL_SLOTS * KEY_LEN);
  #used = 0;
  readonly #old = new Map<string, Uint8Array>();
  readonly #sivs = new Map<string, SivKey>();

  constructor(engine: CryptoEngine, cacheSize = 256) {
    this.#engine = engine;
    this.#cacheSize = cacheSize;
  }

  /** Number of topic keys (previous-key slots not counted). */
  get size(): number {
    return this.#index.size;
  }

  has(hashHex: string): boolean {
    return this.#index.has(hashHex);
  }

  /** A copy of the key of a topic. */
  get(hashHex: string): Uint8Array | undefined {
    const slot = this.#index.get(hashHex);
    return slot === undefined ? undefined : this.#slab.slice(slot * KEY_LEN, (slot + 1) * KEY_LEN);
  }

  set(hashHex: string, key: Uint8Array): void {
    let slot = this.#index.get(hashHex);
    if (slot === undefined) {
      slot = this.#free.pop() ?? this.#allocate();
      this.#index.set(hashHex, slot);
    }
    this.#slab.set(key, slot * KEY_LEN);
    this.#sivs.delete(hashHex);
  }

  delete(hashHex: string): void {
    const slot = this.#index.get(hashHex);
    if (slot === undefined) return;
    this.#slab.fill(0, slot * KEY_LEN, (slot + 1) * KEY_LEN);
    this.#index.delete(hashHex);
    this.#free.push(slot);
    this.#sivs.delete(hashHex);
  }

  getOld(slotHex: string): Uint8Array | undefined {
    return this.#old.get(slotHex);
  }

  setOld(slotHex: string, value: Uint8Array): void {
    this.#old.get(slotHex)?.fill(0);
    this.#old.set(slotHex, value);
  }

  deleteOld(slotHex: string): void {
    this.#old.get(slotHex)?.fill(0);
    this.#old.delete(slotHex);
  }

  clear(): void {
    this.#slab.fill(0);
    this.#index.clear();
    this.#free.length = 0;
    this.#used = 0;
    for (const value of this.#old.values()) value.fill(0);
    this.#old.clear();
    this.#sivs.clear();
  }

  /** The cached AES-SIV context of a topic's key, or undefined when the topic has no key. */
  siv(hashHex: string): SivKey | undefined {
    const cached = this.#sivs.get(hashHex);
    if (cached) {
      // Move to the most recent end of the LRU order.
      this.#sivs.delete(hashHex);
      this.#sivs.set(hashHex, cached);
      return cached;
    }
    const slot = this.#index.get(hashHex);
    if (slot === undefined) return undefined;
    const siv = this.#engine.sivKey(this.#slab.subarray(slot * KEY_LEN, (slot + 1) * KEY_LEN));
    if (this.#sivs.size >= this.#cacheSize) this.#sivs.delete(this.#sivs.keys().next().value!);
    this.#sivs.set(hashHex, siv);
    return siv;
  }

  /** Every entry, topic keys and previous-key slots, sorted by hex name (the order of e4go's state document). */
  entries(): [string, Uint8Array][] {
    const all: [string, Uint8Array][] = [];
    for (const hashHex of this.#index.keys()) all.push([hashHex, this.get(hashHex)!]);
    for (const [slotHex, value] of this.#old) all.push([slotHex, value.slice()]);
    return all.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  #allocate(): number {
    if ((this.#used + 1) * KEY_LEN > this.#slab.length) {
      const grown = new Uint8Array(this.#slab.length * 2);
      grown.set(this.#slab);
      this.#slab.fill(0);
      this.#slab = grown;
      // Cached contexts may hold views of the old slab: they stay valid (their keys were copied into the
      // expanded key schedules at creation), and the old slab is now zeroed.
    }
    return this.#used++;
  }
}
