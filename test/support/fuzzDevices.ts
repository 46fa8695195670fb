/**
 * Devices for the property and fuzz suites: real {@link E4Client}s whose keys come from fast-check values (so that a
 * seed replays a failure exactly), installed the way a device receives them, through protected commands on its
 * control topic; and the C2 side of each (the key it protects commands with).
 */
import fc from 'fast-check';
import {
  bytesToHex,
  type ClientState,
  type Clock,
  type CryptoEngine,
  c2CommandKey,
  E4Client,
  ed25519PrivateKeyFromSeed,
  encodeCommand,
  MemoryStateStore,
  nodeEngine,
  protectCommand,
  pureEngine,
  type UnprotectResult,
  x25519PublicKey,
} from '../../shared/e4/node/index.js';

export type Mode = 'symmetric' | 'pubkey';
export const MODES: readonly Mode[] = ['symmetric', 'pubkey'];
export const ENGINES: readonly CryptoEngine[] = [pureEngine, nodeEngine];

/** An instant of the tests' clocks (late 2023); timestamps are drawn around it. */
export const T0 = 1_700_000_000;

/** A clock the test moves by hand (fixedClock when it never moves). */
export class ManualClock {
  seconds: number;
  nanos: number;
  readonly clock: Clock = () => ({ seconds: this.seconds, nanos: this.nanos });

  constructor(seconds: number, nanos = 0) {
    this.seconds = seconds;
    this.nanos = nanos;
  }

  set(seconds: number, nanos = 0): void {
    this.seconds = seconds;
    this.nanos = nanos;
  }
}

export const bytes = (length: number): fc.Arbitrary<Uint8Array> =>
  fc.uint8Array({ minLength: length, maxLength: length });
/** A valid 32-byte symmetric key (not all zeros). */
export const keyArb: fc.Arbitrary<Uint8Array> = bytes(32).filter((k) => k.some((b) => b !== 0));
export const idArb: fc.Arbitrary<Uint8Array> = bytes(16);

/** Any topic: empty, ASCII, any code point, grapheme clusters, or raw UTF-16 with lone surrogates. */
export const topicArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 12 }).map((codes) => String.fromCharCode(...codes)),
);

/** Payload lengths where the AES-SIV code paths change (blocks, Node engine threshold and scratch size). */
const EDGE_LENGTHS = [0, 1, 15, 16, 17, 31, 32, 33, 511, 512, 513, 4079, 4080, 4095, 4096, 4097, 4112, 65_536];

/** `length` bytes from a xorshift32 generator seeded with `seed` (reproducible, not cryptographic). */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed | 0 || 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x;
  }
  return out;
}

/** Payloads of 0..2000 bytes, sizes at code-path edges, and some larger ones (up to 70 kB). */
export function payloadArb(minLength = 0): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.uint8Array({ minLength, maxLength: 2000, size: 'max' }) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...EDGE_LENGTHS.filter((n) => n >= minLength))
        .chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
    },
    // Large payloads from a seed: fast-check would draw 70,000 bytes one by one.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 2001, max: 70_000 }), fc.integer())
        .map(([length, seed]) => pseudoRandomBytes(length, seed)),
    },
  );
}

/** What a device is made from: its identity key (symmetric key or Ed25519 seed), its id and the C2's key. */
export interface DeviceSeed {
  readonly mode: Mode;
  readonly id: Uint8Array;
  /** Symmetric key (symmetric mode) or Ed25519 seed (public-key mode). */
  readonly secret: Uint8Array;
  /** The C2's Curve25519 private key (public-key mode). */
  readonly c2PrivateKey: Uint8Array;
}

export function deviceSeedArb(mode: Mode): fc.Arbitrary<DeviceSeed> {
  return fc.record({ mode: fc.constant(mode), id: idArb, secret: keyArb, c2PrivateKey: bytes(32) });
}

export interface Device {
  readonly client: E4Client;
  readonly store: MemoryStateStore;
  readonly engine: CryptoEngine;
  readonly mode: Mode;
  readonly id: Uint8Array;
  /** The key the C2 protects this device's commands with (identity key, or the X25519-derived key). */
  readonly commandKey: Uint8Array;
  /** Ed25519 key pair (public-key mode; empty arrays in symmetric mode). */
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly c2PublicKey: Uint8Array;
}

/** Creates the client of a seed, as e4go's NewClient does (nothing installed yet). */
export async function makeDevice(seed: DeviceSeed, engine: CryptoEngine, clock: Clock): Promise<Device> {
  const store = new MemoryStateStore();
  if (seed.mode === 'symmetric') {
    const client = await E4Client.create(
      { mode: 'symmetric', key: seed.secret, id: seed.id },
      { engine, clock, store },
    );
    const none = new Uint8Array(0);
    return {
      client,
      store,
      engine,
      mode: 'symmetric',
      id: seed.id,
      commandKey: seed.secret.slice(),
      privateKey: none,
      publicKey: none,
      c2PublicKey: none,
    };
  }
  const { privateKey, publicKey } = ed25519PrivateKeyFromSeed(seed.secret);
  const c2PublicKey = x25519PublicKey(seed.c2PrivateKey);
  const client = await E4Client.create(
    { mode: 'pubkey', privateKey, c2PublicKey, id: seed.id },
    { engine, clock, store },
  );
  return {
    client,
    store,
    engine,
    mode: 'pubkey',
    id: seed.id,
    commandKey: c2CommandKey(engine, seed.c2PrivateKey, publicKey),
    privateKey,
    publicKey,
    c2PublicKey,
  };
}

/** Sends a command plaintext to the device as its C2 would: protected with its command key, on its control topic. */
export function sendCommand(device: Device, plaintext: Uint8Array, timestamp: number): UnprotectResult {
  const protectedCommand = protectCommand(plaintext, device.commandKey, { timestamp, engine: device.engine });
  return device.client.unprotect(protectedCommand, device.client.receivingTopic);
}

/** Installs a topic key through a SetTopicKey command. */
export function installTopicKey(device: Device, key: Uint8Array, topicHash: Uint8Array, timestamp: number): void {
  const result = sendCommand(device, encodeCommand({ type: 'SetTopicKey', key, topicHash }), timestamp);
  if (result.kind !== 'command') throw new Error('SetTopicKey was not applied');
}

/** Installs the Ed25519 public key of a signer (public-key mode) through a SetPubKey command. */
export function installPubKey(device: Device, publicKey: Uint8Array, id: Uint8Array, timestamp: number): void {
  const result = sendCommand(device, encodeCommand({ type: 'SetPubKey', publicKey, id }), timestamp);
  if (result.kind !== 'command') throw new Error('SetPubKey was not applied');
}

const hexNameArb = bytes(16).map(bytesToHex);
/** Topic keys (32 bytes) and previous-key slots (a key and a time: 40 bytes), sorted by name as e4go writes them. */
const previousKeyArb = fc.tuple(keyArb, bytes(8)).map(([key, time]) => Uint8Array.from([...key, ...time]));
const topicKeysArb = fc
  .uniqueArray(fc.tuple(hexNameArb, fc.oneof(keyArb, previousKeyArb)), { selector: ([name]) => name, maxLength: 8 })
  .map((entries) => entries.sort(([a], [b]) => (a < b ? -1 : 1)));
/** Receiving topics: any non-empty string of code points (no lone surrogates, which Go writes as U+FFFD). */
const receivingTopicArb = fc.string({ unit: 'binary', minLength: 1, maxLength: 60 });

/**
 * Ed25519 and Curve25519 public keys made once: deriving one costs about a millisecond on the pure curve code, more
 * than a fuzz run, so the fuzz suites draw from these pools ({@link stateArb} with `pooled`).
 */
const POOL = Array.from({ length: 16 }, (_, i) => {
  const seed = Uint8Array.from({ length: 32 }, (_, j) => (i * 32 + j + 1) & 0xff);
  return { ...ed25519PrivateKeyFromSeed(seed), c2PublicKey: x25519PublicKey(seed) };
});
const poolIndexArb = fc.integer({ min: 0, max: POOL.length - 1 });

/** Valid client states of a mode; `pooled`: Ed25519 and Curve25519 keys from a fixed pool (fast), else fresh. */
export function stateArb(mode: Mode, options: { pooled?: boolean } = {}): fc.Arbitrary<ClientState> {
  if (mode === 'symmetric') {
    return fc.record({
      id: fc.uint8Array({ minLength: 1, maxLength: 40, size: 'max' }),
      topicKeys: topicKeysArb,
      identity: fc.record({ mode: fc.constant('symmetric' as const), key: keyArb }),
      receivingTopic: receivingTopicArb,
    });
  }
  const privateKeyArb = options.pooled
    ? poolIndexArb.map((i) => POOL[i]!.privateKey)
    : bytes(32).map((seed) => ed25519PrivateKeyFromSeed(seed).privateKey);
  const publicKeyArb = options.pooled
    ? poolIndexArb.map((i) => POOL[i]!.publicKey)
    : bytes(32).map((seed) => ed25519PrivateKeyFromSeed(seed).publicKey);
  const c2PublicKeyArb = options.pooled
    ? poolIndexArb.map((i) => POOL[i]!.c2PublicKey)
    : bytes(32).map(x25519PublicKey);
  return fc.record({
    id: idArb,
    topicKeys: topicKeysArb,
    identity: fc.record({
      mode: fc.constant('pubkey' as const),
      privateKey: privateKeyArb,
      signerId: idArb,
      c2PublicKey: c2PublicKeyArb,
      pubKeys: fc
        .uniqueArray(fc.tuple(hexNameArb, publicKeyArb), { selector: ([name]) => name, maxLength: 4 })
        .map((entries) => new Map(entries)),
    }),
    receivingTopic: receivingTopicArb,
  });
}
