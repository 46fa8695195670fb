/**
 * The key vault of the C2: every key at rest is enveloped under a per-tenant data key, itself wrapped by the
 * {@link MasterKeyProvider} (KMS in AWS, the keyring file locally). A wrapped key is bound to its record: its
 * associated data is the canonical binding (tenant, kind, name, version), so a ciphertext copied to another record,
 * tenant or version fails to open (KEY_INTEGRITY), and the data key itself opens only for its tenant.
 *
 * Cost: data keys are cached. Wrapping reuses the tenant's current data key (for `dataKeyMaxAgeMs` and at most
 * `dataKeyMaxUses` wraps); unwrapping caches opened data keys (LRU, same age limit). Rotating a topic linked to N
 * clients (unwrap N client keys, wrap one topic key) therefore costs O(1) master-key calls, not O(N). Concurrent
 * requests for the same data key share one call.
 *
 * Format of a wrapped key: 0x01 ‖ LE16 length of the wrapped data key ‖ wrapped data key ‖ AES-SIV(data key,
 * ad = binding)(key) (tag ‖ ciphertext). AES-SIV (E4's cipher, via the E4 crypto engine) is deterministic and
 * misuse-resistant: no nonce to get wrong.
 */
import { bytesToHex, type CryptoEngine, getDefaultEngine, TAG_LEN } from '../../e4/index.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { Clock, KeyBinding, KeyVault, MasterKeyProvider } from '../ports.js';
import { encodeBinding } from './encodeBinding.js';

const FORMAT = 0x01;
const HEADER = 3;

export interface EnvelopeKeyVaultOptions {
  engine?: CryptoEngine;
  clock?: Clock;
  /** How long a data key is used for new wraps and kept opened in memory; default 5 minutes. */
  dataKeyMaxAgeMs?: number;
  /** How many keys one data key wraps before a new one is made; default 2^20. */
  dataKeyMaxUses?: number;
  /** How many opened data keys are kept; default 1,000. */
  cacheSize?: number;
}

interface OpenedDataKey {
  readonly plaintext: Uint8Array;
  readonly wrapped: Uint8Array;
  readonly openedAt: number;
  uses: number;
}

export class EnvelopeKeyVault implements KeyVault {
  readonly #provider: MasterKeyProvider;
  readonly #engine: CryptoEngine;
  readonly #clock: Clock;
  readonly #maxAge: number;
  readonly #maxUses: number;
  readonly #cacheSize: number;
  /** Tenant -> data key used for new wraps (or the call making it). */
  readonly #current = new Map<string, Promise<OpenedDataKey>>();
  /** tenant + hex(wrapped data key) -> opened data key (or the call opening it), least recently used first. */
  readonly #opened = new Map<string, Promise<OpenedDataKey>>();

  constructor(provider: MasterKeyProvider, options: EnvelopeKeyVaultOptions = {}) {
    this.#provider = provider;
    this.#engine = options.engine ?? getDefaultEngine();
    this.#clock = options.clock ?? Date.now;
    this.#maxAge = options.dataKeyMaxAgeMs ?? 5 * 60_000;
    this.#maxUses = options.dataKeyMaxUses ?? 2 ** 20;
    this.#cacheSize = options.cacheSize ?? 1000;
  }

  async wrap(key: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    if (!(key instanceof Uint8Array) || key.length === 0)
      throw new TypeError('wrap: key must be a non-empty Uint8Array');
    const ad = encodeBinding(binding);
    const dataKey = await this.#currentDataKey(binding.tenantId);
    dataKey.uses++;
    const wrappedDataKey = dataKey.wrapped;
    const out = new Uint8Array(HEADER + wrappedDataKey.length + TAG_LEN + key.length);
    out[0] = FORMAT;
    out[1] = wrappedDataKey.length & 0xff;
    out[2] = wrappedDataKey.length >>> 8;
    out.set(wrappedDataKey, HEADER);
    this.#engine.sivKey(dataKey.plaintext).sealInto(ad, key, out, HEADER + wrappedDataKey.length);
    return out;
  }

  async unwrap(wrapped: Uint8Array, binding: KeyBinding): Promise<Uint8Array> {
    const ad = encodeBinding(binding);
    if (!(wrapped instanceof Uint8Array) || wrapped.length < HEADER || wrapped[0] !== FORMAT) {
      throw new C2Error(C2ErrorCode.KeyIntegrity, 'stored key is malformed');
    }
    const dataKeyLength = wrapped[1]! | (wrapped[2]! << 8);
    const sealedAt = HEADER + dataKeyLength;
    if (dataKeyLength === 0 || wrapped.length <= sealedAt + TAG_LEN) {
      throw new C2Error(C2ErrorCode.KeyIntegrity, 'stored key is malformed');
    }
    const dataKey = await this.#openDataKey(binding.tenantId, wrapped.subarray(HEADER, sealedAt));
    const key = this.#engine.sivKey(dataKey.plaintext).open(ad, wrapped.subarray(sealedAt));
    if (!key)
      throw new C2Error(
        C2ErrorCode.KeyIntegrity,
        `stored ${binding.kind} key of "${binding.name}" does not open for this record`,
      );
    return key;
  }

  /** Forgets every data key held in memory. */
  clear(): void {
    for (const cache of [this.#current, this.#opened]) {
      for (const pending of cache.values()) pending.then((d) => d.plaintext.fill(0)).catch(() => {});
      cache.clear();
    }
  }

  #fresh(dataKey: OpenedDataKey): boolean {
    return this.#clock() - dataKey.openedAt < this.#maxAge;
  }

  async #currentDataKey(tenantId: string): Promise<OpenedDataKey> {
    const pending = this.#current.get(tenantId);
    if (pending) {
      const dataKey = await pending.catch(() => undefined);
      if (dataKey && this.#fresh(dataKey) && dataKey.uses < this.#maxUses) return dataKey;
      if (this.#current.get(tenantId) !== pending) return this.#currentDataKey(tenantId);
      this.#current.delete(tenantId);
    }
    const made = this.#provider.generateDataKey(tenantId).then(({ plaintext, wrapped }) => {
      const dataKey: OpenedDataKey = { plaintext, wrapped: wrapped.slice(), openedAt: this.#clock(), uses: 0 };
      this.#remember(`${tenantId}\u0000${bytesToHex(wrapped)}`, Promise.resolve(dataKey));
      return dataKey;
    });
    this.#current.set(tenantId, made);
    made.catch(() => this.#current.get(tenantId) === made && this.#current.delete(tenantId));
    return made;
  }

  async #openDataKey(tenantId: string, wrapped: Uint8Array): Promise<OpenedDataKey> {
    const name = `${tenantId}\u0000${bytesToHex(wrapped)}`;
    const pending = this.#opened.get(name);
    if (pending) {
      const dataKey = await pending.catch(() => undefined);
      if (dataKey && this.#fresh(dataKey)) {
        this.#remember(name, pending); // most recently used
        return dataKey;
      }
      if (this.#opened.get(name) === pending) this.#opened.delete(name);
    }
    const opening = this.#provider
      .decryptDataKey(tenantId, wrapped.slice())
      .then((plaintext): OpenedDataKey => ({ plaintext, wrapped: wrapped.slice(), openedAt: this.#clock(), uses: 0 }));
    this.#remember(name, opening);
    opening.catch(() => this.#opened.get(name) === opening && this.#opened.delete(name));
    return opening;
  }

  #remember(name: string, dataKey: Promise<OpenedDataKey>): void {
    this.#opened.delete(name);
    this.#opened.set(name, dataKey);
    while (this.#opened.size > this.#cacheSize) {
      const oldest = this.#opened.keys().next().value!;
      this.#opened.delete(oldest);
    }
  }
}
