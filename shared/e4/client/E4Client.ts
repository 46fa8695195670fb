/**
 * An E4 client (a device): protects what it publishes with the topic's key, unprotects what it receives, and
 * applies the C2's commands arriving on its control topic. Byte-compatible with e4go's `Client` in both modes.
 *
 * Changes from commands apply in memory at once (the call stays synchronous) and are saved through the
 * {@link StateStore} in order: {@link UnprotectResult} carries a promise that resolves when the change is durable;
 * acknowledge the command to the broker after it.
 */
import { bytesToHex, equalBytes, hexToBytes, utf8, writeUint64LE } from '../bytes.js';
import { type Clock, checkTimestamp, readTimestamp, systemClock } from '../clock.js';
import type { Command, CommandType } from '../commands/Command.js';
import { PUBKEY_ONLY_COMMANDS } from '../commands/Command.js';
import { decodeCommand } from '../commands/commandCodec.js';
import { HASH_LEN, ID_LEN, MAX_KEY_TRANSITION_SECONDS, MAX_MESSAGE_AGE_SECONDS } from '../constants.js';
import type { CryptoEngine, SivKey } from '../crypto/CryptoEngine.js';
import { getDefaultEngine } from '../crypto/defaultEngine.js';
import { hashIdAlias, oldKeySlot, topicForId } from '../crypto/hash.js';
import {
  clientCommandKey,
  deriveSymKey,
  ed25519KeyFromPassword,
  randomId,
  validateCurve25519Key,
  validateEd25519PrivateKey,
  validateEd25519PublicKey,
  validateId,
  validateSymKey,
} from '../crypto/keys.js';
import { E4Error, E4ErrorCode } from '../errors.js';
import { checkPubKeyFrame, openPubKeyFrame, protectPubKey } from '../framing/pubkeyFrame.js';
import { checkSymmetricFrame, openSymmetricFrame, protectSymmetric } from '../framing/symmetricFrame.js';
import { commandHash, encodeReceipt, receiptTopic } from '../receipts/commandReceipt.js';
import type { ClientState, Identity } from '../state/ClientState.js';
import { decodeState } from '../state/decodeState.js';
import { encodeState } from '../state/encodeState.js';
import { MemoryStateStore } from '../storage/MemoryStateStore.js';
import type { StateStore } from '../storage/StateStore.js';
import { CommandWatermarks } from './CommandWatermarks.js';
import { StateWriter } from './StateWriter.js';
import { TopicKeyTable } from './TopicKeyTable.js';

/** A symmetric-key client from its key; the id is given, derived from a name, or random. */
export interface SymmetricKeyConfig {
  mode: 'symmetric';
  key: Uint8Array;
  id?: Uint8Array;
  name?: string;
}
/** A symmetric-key client from a name and a password (e4go `SymNameAndPassword`). */
export interface SymmetricPasswordConfig {
  mode: 'symmetric';
  name: string;
  password: string;
}
/** A public-key client from its Ed25519 private key (Go format) and the C2's Curve25519 public key. */
export interface PubKeyConfig {
  mode: 'pubkey';
  privateKey: Uint8Array;
  c2PublicKey: Uint8Array;
  id?: Uint8Array;
  name?: string;
}
/** A public-key client from a name and a password (e4go `PubNameAndPassword`). */
export interface PubKeyPasswordConfig {
  mode: 'pubkey';
  name: string;
  password: string;
  c2PublicKey: Uint8Array;
}
export type ClientConfig = SymmetricKeyConfig | SymmetricPasswordConfig | PubKeyConfig | PubKeyPasswordConfig;

/** What `loadOrCreate` creates a client from: a configuration, or a function called only when the store is empty. */
export type ClientConfigSource = ClientConfig | (() => ClientConfig | Promise<ClientConfig>);

export interface ReadyOptions {
  /** Milliseconds to wait before rejecting with READY_TIMEOUT; default 60,000; `Infinity` waits without limit. */
  timeoutMs?: number;
  /** Aborting it rejects the wait with the signal's reason. */
  signal?: AbortSignal;
}

const DEFAULT_READY_TIMEOUT_MS = 60_000;

export interface ClientOptions {
  /** Where the state is saved after every change; default: in memory. */
  store?: StateStore;
  /** Crypto implementation; default: node:crypto in Node (via `e4c2/client`), pure elsewhere. */
  engine?: CryptoEngine;
  /** Source of the current time (inject to test or replay). */
  clock?: Clock;
  /** Seconds a timestamp may be ahead of this clock; default 0, as e4go. */
  futureToleranceSeconds?: number;
  /** Control topic at creation (e4go `WithReceivingTopic`); default `e4/<hex id>`. A loaded state keeps its own. */
  receivingTopic?: string;
  /** AES-SIV contexts kept for the most recently used topic keys; default 256. */
  sivCacheSize?: number;
}

export type UnprotectResult =
  | { readonly kind: 'message'; readonly payload: Uint8Array }
  /** A command from the C2 was applied; `saved` resolves once the new state is durable. */
  | { readonly kind: 'command'; readonly command: CommandType; readonly saved: Promise<void> };

interface MutablePubKeyIdentity {
  mode: 'pubkey';
  privateKey: Uint8Array;
  signerId: Uint8Array;
  c2PublicKey: Uint8Array;
  pubKeys: Map<string, Uint8Array>;
}
type MutableIdentity = { mode: 'symmetric'; key: Uint8Array } | MutablePubKeyIdentity;

const TOPIC_CACHE_SIZE = 4096;

export class E4Client {
  readonly #id: Uint8Array;
  readonly #receivingTopic: string;
  readonly #engine: CryptoEngine;
  readonly #clock: Clock;
  readonly #futureTolerance: number;
  readonly #topics: TopicKeyTable;
  readonly #writer: StateWriter;
  readonly #topicHashes = new Map<string, string>();
  readonly #watermarks: CommandWatermarks;
  /** Callbacks of `ready()` calls waiting for a topic's key, by hex topic hash. */
  readonly #readyWaiters = new Map<string, Set<() => void>>();
  #identity: MutableIdentity;
  #commandSiv: SivKey;

  private constructor(state: ClientState, options: ClientOptions) {
    this.#engine = options.engine ?? getDefaultEngine();
    this.#clock = options.clock ?? systemClock;
    this.#futureTolerance = options.futureToleranceSeconds ?? 0;
    if (!Number.isSafeInteger(this.#futureTolerance) || this.#futureTolerance < 0) {
      throw new RangeError('futureToleranceSeconds must be a non-negative integer');
    }
    this.#id = state.id.slice();
    this.#receivingTopic = state.receivingTopic;
    this.#topics = new TopicKeyTable(this.#engine, options.sivCacheSize);
    for (const [name, value] of state.topicKeys) {
      if (value.length === 40) this.#topics.setOld(name, value.slice());
      else this.#topics.set(name, value);
    }
    const identity = state.identity;
    this.#identity =
      identity.mode === 'symmetric'
        ? { mode: 'symmetric', key: identity.key.slice() }
        : {
            mode: 'pubkey',
            privateKey: identity.privateKey.slice(),
            signerId: identity.signerId.slice(),
            c2PublicKey: identity.c2PublicKey.slice(),
            pubKeys: new Map([...identity.pubKeys].map(([id, k]) => [id, k.slice()])),
          };
    this.#commandSiv =
      identity.mode === 'symmetric'
        ? this.#engine.sivKey(identity.key)
        : this.#commandSivFor(identity.privateKey, identity.c2PublicKey);
    this.#watermarks = new CommandWatermarks(state.watermarks);
    this.#writer = new StateWriter(options.store ?? new MemoryStateStore(), () => encodeState(this.#snapshot()));
  }

  /** Creates a client and saves its first state (e4go `NewClient`). */
  static async create(config: ClientConfig, options: ClientOptions = {}): Promise<E4Client> {
    const { id, identity } = initialIdentity(config);
    const receivingTopic = options.receivingTopic ?? topicForId(id);
    if (typeof receivingTopic !== 'string' || receivingTopic.length === 0) {
      throw new TypeError('receivingTopic must be a non-empty string');
    }
    const client = new E4Client({ id, identity, receivingTopic, topicKeys: [] }, options);
    await client.#writer.changed();
    return client;
  }

  /** Restores a client from its store (e4go `LoadClient`): a rebooted device resumes with its keys. */
  static async load(options: ClientOptions & { store: StateStore }): Promise<E4Client> {
    const document = await loadDocument(options.store);
    if (!document) throw new E4Error(E4ErrorCode.InvalidState, 'invalid client state: nothing saved in the store');
    return E4Client.#fromState(decodeState(document), options);
  }

  /**
   * Loads the client saved in the store, or creates it when the store is empty: "first run creates, later runs
   * load". Given a configuration, a saved client that contradicts it (another id or name, mode, key, password, C2
   * key or control topic) is refused with STATE_MISMATCH rather than loaded in its place; an identity or C2 key
   * the C2 replaced by command (SetIDKey, SetC2Key) is expected to differ from the configuration's. Given a function,
   * it is called only when the store is empty, and a saved client loads as it is.
   */
  static async loadOrCreate(
    config: ClientConfigSource,
    options: ClientOptions & { store: StateStore },
  ): Promise<E4Client> {
    const document = await loadDocument(options.store);
    if (!document) return E4Client.create(typeof config === 'function' ? await config() : config, options);
    const state = decodeState(document);
    const differ = typeof config === 'function' ? [] : mismatches(config, state);
    if (options.receivingTopic !== undefined && options.receivingTopic !== state.receivingTopic) {
      differ.push('receivingTopic');
    }
    if (differ.length > 0) {
      throw new E4Error(
        E4ErrorCode.StateMismatch,
        `the client saved in the store does not match the configuration (${differ.join(', ')})`,
      );
    }
    return E4Client.#fromState(state, options);
  }

  static #fromState(state: ClientState, options: ClientOptions): E4Client {
    try {
      return new E4Client(state, options);
    } catch (cause) {
      // e.g. a C2 key of small order: readable, but no command channel can be derived from it
      if (cause instanceof E4Error && cause.code === E4ErrorCode.InvalidKey) {
        throw new E4Error(E4ErrorCode.InvalidState, `invalid client state: ${cause.message}`, { cause });
      }
      throw cause;
    }
  }

  get id(): Uint8Array {
    return this.#id.slice();
  }

  get mode(): Identity['mode'] {
    return this.#identity.mode;
  }

  /** The control topic on which this client receives commands. */
  get receivingTopic(): string {
    return this.#receivingTopic;
  }

  /** The Ed25519 public key of a public-key client (what the C2 enrols), undefined in symmetric mode. */
  get publicKey(): Uint8Array | undefined {
    return this.#identity.mode === 'pubkey' ? this.#identity.privateKey.slice(32) : undefined;
  }

  /** Number of topics this client holds a key for. */
  get topicCount(): number {
    return this.#topics.size;
  }

  /** Where this client publishes its command receipts: `e4/<hex id>/receipt` (see {@link commandReceipt}). */
  get receiptTopic(): string {
    return receiptTopic(this.#id);
  }

  isReceivingTopic(topic: string): boolean {
    return topic === this.#receivingTopic;
  }

  hasTopicKey(topic: string): boolean {
    return this.#topics.has(this.#topicHash(topic));
  }

  /**
   * Resolves once the client holds a key for `topic` (at once if it already does): a freshly enrolled device waits
   * for the C2's first SetTopicKey before publishing. Rejects with READY_TIMEOUT after `timeoutMs`, or with the
   * signal's reason when it aborts.
   */
  ready(topic: string, options: ReadyOptions = {}): Promise<void> {
    if (typeof topic !== 'string') throw new TypeError('ready: topic must be a string');
    const { timeoutMs = DEFAULT_READY_TIMEOUT_MS, signal } = options;
    if (typeof timeoutMs !== 'number' || !(timeoutMs >= 0)) {
      throw new RangeError('ready: timeoutMs must be a non-negative number (or Infinity)');
    }
    const hashHex = this.#topicHash(topic);
    if (this.#topics.has(hashHex)) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const set = this.#readyWaiters.get(hashHex) ?? new Set<() => void>();
      this.#readyWaiters.set(hashHex, set);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (error?: unknown): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        set.delete(onKey);
        if (set.size === 0 && this.#readyWaiters.get(hashHex) === set) this.#readyWaiters.delete(hashHex);
        error === undefined ? resolve() : reject(error);
      };
      const onKey = (): void => settle();
      const onAbort = (): void => settle(signal?.reason);
      set.add(onKey);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(timeoutMs)) {
        timer = setTimeout(
          () => settle(new E4Error(E4ErrorCode.ReadyTimeout, `no key for topic "${topic}" after ${timeoutMs} ms`)),
          timeoutMs,
        );
      }
    });
  }

  /** Protects a payload for a topic with the topic's current key (e4go `ProtectMessage`). */
  protectMessage(payload: Uint8Array, topic: string): Uint8Array {
    if (!(payload instanceof Uint8Array)) throw new TypeError('protectMessage: payload must be a Uint8Array');
    if (typeof topic !== 'string') throw new TypeError('protectMessage: topic must be a string');
    const siv = this.#topics.siv(this.#topicHash(topic));
    if (!siv) throw new E4Error(E4ErrorCode.TopicKeyNotFound, 'topic key not found');
    const timestamp = this.#clock().seconds;
    const identity = this.#identity;
    return identity.mode === 'symmetric'
      ? protectSymmetric(siv, payload, timestamp)
      : protectPubKey(siv, this.#engine, payload, timestamp, this.#id, identity.privateKey);
  }

  /**
   * Unprotects what arrived on `topic` (e4go `Unprotect`): a command on the control topic is applied and reported as
   * such; anything else is a message, decrypted with the topic's key, or with its previous key during the hour after
   * a rotation. Failures are {@link E4Error}s.
   */
  unprotect(message: Uint8Array, topic: string): UnprotectResult {
    if (!(message instanceof Uint8Array)) throw new TypeError('unprotect: message must be a Uint8Array');
    if (typeof topic !== 'string') throw new TypeError('unprotect: topic must be a string');
    const now = this.#clock();
    if (topic === this.#receivingTopic) {
      checkSymmetricFrame(message, now, this.#futureTolerance);
      const command = decodeCommand(openSymmetricFrame(this.#commandSiv, message));
      this.#apply(command, now.seconds, readTimestamp(message, 0));
      return { kind: 'command', command: command.type, saved: this.#writer.changed() };
    }
    const hashHex = this.#topicHash(topic);
    const siv = this.#topics.siv(hashHex);
    if (!siv) throw new E4Error(E4ErrorCode.TopicKeyNotFound, 'topic key not found');
    const identity = this.#identity;
    if (identity.mode === 'symmetric') checkSymmetricFrame(message, now, this.#futureTolerance);
    else checkPubKeyFrame(this.#engine, message, now, this.#futureTolerance, (id) => identity.pubKeys.get(id));
    const open = identity.mode === 'symmetric' ? openSymmetricFrame : openPubKeyFrame;
    try {
      return { kind: 'message', payload: open(siv, message) };
    } catch (error) {
      if (!(error instanceof E4Error) || error.code !== E4ErrorCode.AuthenticationFailed) throw error;
      // Key transition: retry with the previous key while it is less than an hour old.
      const slotHex = bytesToHex(oldKeySlot(hexToBytes(hashHex)));
      const previous = this.#topics.getOld(slotHex);
      if (!previous) throw error;
      if (previous.length !== 40) throw new E4Error(E4ErrorCode.InvalidOldTopicKey, 'invalid old topic key length');
      checkTimestamp(readTimestamp(previous, 32), now, MAX_KEY_TRANSITION_SECONDS);
      return { kind: 'message', payload: open(this.#topics.oldSiv(slotHex)!, message) };
    }
  }

  /**
   * The receipt of a command this client just applied (docs/protocol.md, section 11): version 1 ‖ the command's hash
   * (SHA3-256 of `frame`, the protected command exactly as received, first 16 bytes), protected under the command
   * key now in force (after a SetIDKey or SetC2Key: the new one, which the C2 holds as pending or current) and
   * stamped with this client's clock. Publish it on {@link receiptTopic} once the change is saved, before another
   * command is applied. Pure: no I/O, nothing changes.
   */
  commandReceipt(frame: Uint8Array): Uint8Array {
    if (!(frame instanceof Uint8Array)) throw new TypeError('commandReceipt: frame must be a Uint8Array');
    const plaintext = encodeReceipt(commandHash(frame, this.#engine));
    return protectSymmetric(this.#commandSiv, plaintext, this.#clock().seconds);
  }

  /** The current state document (e4go's JSON format, as saved to the store). It holds the client's keys. */
  exportState(): Uint8Array {
    return encodeState(this.#snapshot());
  }

  /** Resolves when every change so far is saved. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  toJSON(): Record<string, unknown> {
    return { id: bytesToHex(this.#id), mode: this.mode, receivingTopic: this.#receivingTopic, keys: '[redacted]' };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `E4Client ${JSON.stringify(this.toJSON())}`;
  }

  #topicHash(topic: string): string {
    let hashHex = this.#topicHashes.get(topic);
    if (hashHex === undefined) {
      hashHex = bytesToHex(this.#engine.sha3(utf8(topic)).subarray(0, HASH_LEN));
      if (this.#topicHashes.size >= TOPIC_CACHE_SIZE) this.#topicHashes.clear();
      this.#topicHashes.set(topic, hashHex);
    }
    return hashHex;
  }

  /**
   * Applies a decoded command sent at `timestamp` (docs/protocol.md, sections 5 and 6), unless it is older than the last change of
   * the same key (STALE_COMMAND). Throws without changing anything on error.
   */
  #apply(command: Command, nowSeconds: number, timestamp: number): void {
    if (this.#identity.mode === 'symmetric' && PUBKEY_ONLY_COMMANDS.has(command.type)) {
      throw new E4Error(E4ErrorCode.UnsupportedOperation, 'this operation is not supported');
    }
    this.#watermarks.check(command, timestamp);
    this.#change(command, nowSeconds);
    this.#watermarks.record(command, timestamp);
    if (command.type === 'SetTopicKey' && this.#readyWaiters.size > 0) {
      const waiters = this.#readyWaiters.get(bytesToHex(command.topicHash));
      for (const wake of [...(waiters ?? [])]) wake();
    }
  }

  #change(command: Command, nowSeconds: number): void {
    const identity = this.#identity;
    switch (command.type) {
      case 'RemoveTopic': {
        this.#topics.delete(bytesToHex(command.topicHash));
        this.#topics.deleteOld(bytesToHex(oldKeySlot(command.topicHash)));
        return;
      }
      case 'ResetTopics':
        this.#topics.clear();
        return;
      case 'SetIDKey': {
        // Everything that can fail happens before anything changes.
        if (identity.mode === 'symmetric') {
          validateSymKey(command.key);
          this.#commandSiv = this.#engine.sivKey(command.key);
          identity.key = command.key;
        } else {
          validateEd25519PrivateKey(command.key);
          this.#commandSiv = this.#commandSivFor(command.key, identity.c2PublicKey);
          identity.privateKey = command.key;
        }
        return;
      }
      case 'SetTopicKey': {
        validateSymKey(command.key);
        const hashHex = bytesToHex(command.topicHash);
        const current = this.#topics.get(hashHex);
        if (current && !equalBytes(current, command.key)) {
          const previous = new Uint8Array(40);
          previous.set(current);
          writeUint64LE(previous, 32, nowSeconds);
          this.#topics.setOld(bytesToHex(oldKeySlot(command.topicHash)), previous);
        }
        current?.fill(0);
        this.#topics.set(hashHex, command.key);
        command.key.fill(0);
        return;
      }
      case 'RemovePubKey': {
        const pubKeys = (identity as MutablePubKeyIdentity).pubKeys;
        const idHex = bytesToHex(command.id);
        if (!pubKeys.delete(idHex)) {
          throw new E4Error(E4ErrorCode.PublicKeyNotFound, 'no public key exists for id');
        }
        return;
      }
      case 'ResetPubKeys':
        (identity as MutablePubKeyIdentity).pubKeys.clear();
        return;
      case 'SetPubKey':
        validateEd25519PublicKey(command.publicKey);
        (identity as MutablePubKeyIdentity).pubKeys.set(bytesToHex(command.id), command.publicKey);
        return;
      case 'SetC2Key': {
        const pubkeyIdentity = identity as MutablePubKeyIdentity;
        validateCurve25519Key(command.publicKey, 'curve25519 public key');
        this.#commandSiv = this.#commandSivFor(pubkeyIdentity.privateKey, command.publicKey);
        pubkeyIdentity.c2PublicKey = command.publicKey;
        return;
      }
    }
  }

  /** The AES-SIV context of the public-key command channel for this key pair (throws INVALID_KEY first). */
  #commandSivFor(privateKey: Uint8Array, c2PublicKey: Uint8Array): SivKey {
    return this.#engine.sivKey(clientCommandKey(this.#engine, privateKey, c2PublicKey));
  }

  #snapshot(): ClientState {
    // Watermarks older than the replay window guard nothing (such commands are too old): the state stays small.
    this.#watermarks.prune(this.#clock().seconds - MAX_MESSAGE_AGE_SECONDS - this.#futureTolerance);
    const watermarks = this.#watermarks.snapshot();
    return {
      id: this.#id,
      receivingTopic: this.#receivingTopic,
      topicKeys: this.#topics.entries(),
      identity: this.#identity,
      ...(watermarks && { watermarks }),
    };
  }
}

async function loadDocument(store: StateStore): Promise<Uint8Array | undefined> {
  try {
    return await store.load();
  } catch (cause) {
    throw new E4Error(E4ErrorCode.StorageFailed, 'could not load the client state', { cause });
  }
}

function configId(config: { id?: Uint8Array; name?: string }, mode: Identity['mode']): Uint8Array {
  if (config.id !== undefined && config.name !== undefined) throw new TypeError('give either "id" or "name", not both');
  if (config.name !== undefined) {
    if (typeof config.name !== 'string') throw new TypeError('"name" must be a string');
    return hashIdAlias(config.name);
  }
  if (config.id === undefined || config.id.length === 0) return randomId();
  if (mode === 'pubkey') validateId(config.id);
  if (!(config.id instanceof Uint8Array)) throw new TypeError('"id" must be a Uint8Array');
  return config.id.slice();
}

/** Password configurations derive the id from the name (e4go `SymNameAndPassword`, `PubNameAndPassword`). */
function requiredName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('a password configuration needs a "name"');
  return name;
}

/** The fields of `config` that contradict a saved state (its keys compared in constant time, never reported). */
function mismatches(config: ClientConfig, state: ClientState): string[] {
  if (config === null || typeof config !== 'object') throw new TypeError('client config must be an object');
  if (config.mode !== state.identity.mode) return ['mode'];
  const password = 'password' in config;
  const named = password ? { name: requiredName(config.name) } : (config as { id?: Uint8Array; name?: string });
  if (named.id !== undefined || named.name !== undefined) {
    // A configuration without id or name (a random id) matches any saved id.
    if (!equalBytes(configId(named, config.mode), state.id)) return [named.name !== undefined ? 'name' : 'id'];
  }
  const saved = state.identity;
  const replaced = state.watermarks ?? {};
  if (replaced.idKey !== undefined && (saved.mode === 'symmetric' || replaced.c2Key !== undefined)) return [];
  const { identity } = initialIdentity(config); // validates the configuration; derives a password's key
  const differ: string[] = [];
  const keyName = password ? 'password' : saved.mode === 'symmetric' ? 'key' : 'privateKey';
  if (saved.mode === 'symmetric' && identity.mode === 'symmetric') {
    if (replaced.idKey === undefined && !equalBytes(identity.key, saved.key)) differ.push(keyName);
  } else if (saved.mode === 'pubkey' && identity.mode === 'pubkey') {
    if (replaced.idKey === undefined && !equalBytes(identity.privateKey, saved.privateKey)) differ.push(keyName);
    if (replaced.c2Key === undefined && !equalBytes(identity.c2PublicKey, saved.c2PublicKey)) {
      differ.push('c2PublicKey');
    }
  }
  (identity.mode === 'symmetric' ? identity.key : identity.privateKey).fill(0); // our copy, compared
  return differ;
}

function initialIdentity(config: ClientConfig): { id: Uint8Array; identity: Identity } {
  if (config === null || typeof config !== 'object') throw new TypeError('client config must be an object');
  if (config.mode === 'symmetric') {
    if ('password' in config) {
      return {
        id: configId({ name: requiredName(config.name) }, 'symmetric'),
        identity: { mode: 'symmetric', key: deriveSymKey(config.password) },
      };
    }
    validateSymKey(config.key);
    return { id: configId(config, 'symmetric'), identity: { mode: 'symmetric', key: config.key.slice() } };
  }
  if (config.mode === 'pubkey') {
    validateCurve25519Key(config.c2PublicKey, 'curve25519 public key');
    let privateKey: Uint8Array;
    let id: Uint8Array;
    if ('password' in config) {
      privateKey = ed25519KeyFromPassword(config.password).privateKey;
      id = configId({ name: requiredName(config.name) }, 'pubkey');
    } else {
      validateEd25519PrivateKey(config.privateKey);
      privateKey = config.privateKey.slice();
      id = configId(config, 'pubkey');
    }
    if (id.length !== ID_LEN) validateId(id);
    return {
      id,
      identity: {
        mode: 'pubkey',
        privateKey,
        signerId: id,
        c2PublicKey: config.c2PublicKey.slice(),
        pubKeys: new Map(),
      },
    };
  }
  throw new TypeError('client config "mode" must be "symmetric" or "pubkey"');
}
