/**
 * Fuzzing of E4Client.unprotect on the control topic: the command decoder and the application of commands, in both
 * modes and on both engines. Inputs are mostly *validly protected* (right command key, valid timestamp), so that
 * they pass authentication and reach decodeCommand and the client's command handling: well-formed commands with
 * edge-case arguments (zero keys, mismatched Ed25519 halves, invalid points, ...), random opcode/length/bytes
 * plaintexts, mutated protected commands, commands under a wrong or superseded key, and random frames.
 *
 * Each input must be applied (kind 'command') or refused with an E4Error, with the outcome a model of the client
 * predicts (command key, identity, C2 key, the key of a probe topic, the registered public keys). The model follows
 * the applied commands; after each input the command channel must work with the model's key (and no longer with the
 * key it replaced); at the end of each run the probe topic must protect and unprotect as the model says, then the
 * client is brought back to its baseline through commands and its saved document must equal the baseline document
 * byte for byte, the command watermarks apart (so that a refused command that changed anything is caught in the run
 * that sent it). The model follows the watermarks too (a command older than the last change of its key is refused
 * with STALE_COMMAND); the clock moves on by more than the 600 s window between runs, so that each run starts with
 * none that matter. A second
 * property replays longer sequences on fresh clients and checks that a client reloaded from the saved state
 * behaves like the live one.
 */
import { strict as assert } from 'node:assert';
import { ED25519_TORSION_SUBGROUP } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  type Clock,
  type Command,
  type CryptoEngine,
  clientCommandKey,
  decodeCommand,
  E4Client,
  E4ErrorCode,
  ed25519PrivateKeyFromSeed,
  encodeCommand,
  hashTopic,
  hexToBytes,
  MAX_MESSAGE_AGE_SECONDS,
  nodeEngine,
  PUBKEY_ONLY_COMMANDS,
  protectCommand,
  pureEngine,
  sha3,
  unprotectSymKey,
  utf8,
  x25519PublicKey,
} from '../../shared/e4/node/index.js';
import { type Mutation, mutate, mutationsArb, sameBytes } from '../support/byteMutations.js';
import {
  bytes,
  type Device,
  type DeviceSeed,
  ENGINES,
  installPubKey,
  installTopicKey,
  keyArb,
  MODES,
  type Mode,
  makeDevice,
  sendCommand,
  T0,
} from '../support/fuzzDevices.js';
import { codeOf, fuzzRuns, fuzzTimeout, outcome } from '../support/fuzzRuns.js';
import { withoutWatermarks } from '../support/watermarks.js';

/** The current time of the clients: moved on between runs of the baseline device (see {@link BaselineDevice}). */
let NOW = T0 + 50_000;
const clock: Clock = () => ({ seconds: NOW, nanos: 0 });
/** The oldest timestamp a command may have now: setup commands there never make a later command stale. */
const oldest = () => NOW - MAX_MESSAGE_AGE_SECONDS;
const ZERO32 = new Uint8Array(32);
const ZERO64 = new Uint8Array(64);
const PROBE_TOPIC = 'fuzz/probe';
const PROBE_HASH = hashTopic(PROBE_TOPIC);
/** Target of the harmless RemoveTopic that checks the command channel (never given a key). */
const UNRELATED_HASH = hashTopic('fuzz/unrelated');
const PROBE_PAYLOAD = utf8('probe');
/** A 32-byte stand-in public key for pubkey-only commands sent to symmetric clients. */
const DUMMY_PUBLIC = new Uint8Array(32).fill(1);

/**
 * Curve25519 u-coordinates of small order, canonical and not, with and without bit 255 (ignored by X25519): the
 * shared secret with any of them is zero, so a SetC2Key with one must be refused.
 */
const LOW_ORDER_U = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0100000000000000000000000000000000000000000000000000000000000080',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
].map(hexToBytes);

const keyFrom = (label: string) => sha3(utf8(label));

/** The baseline device of each mode: fixed keys, so that every run starts from the same state. */
const BASELINE_SEEDS: Record<Mode, DeviceSeed> = {
  symmetric: {
    mode: 'symmetric',
    id: keyFrom('fuzz symmetric id').slice(0, 16),
    secret: keyFrom('fuzz symmetric secret'),
    c2PrivateKey: keyFrom('fuzz c2 private key'),
  },
  pubkey: {
    mode: 'pubkey',
    id: keyFrom('fuzz pubkey id').slice(0, 16),
    secret: keyFrom('fuzz pubkey secret'),
    c2PrivateKey: keyFrom('fuzz c2 private key'),
  },
};
const baselineSeed = (mode: Mode): DeviceSeed => BASELINE_SEEDS[mode];
const BASELINE_PROBE_KEY = keyFrom('fuzz probe key');
const PEER = { id: keyFrom('fuzz peer id').slice(0, 16), ...ed25519PrivateKeyFromSeed(keyFrom('fuzz peer')) };

// ---- Inputs, as data (printed and shrunk by fast-check); references are resolved against the model. ----

type HashRef = 'probe' | Uint8Array;
type IdRef = 'own' | 'peer' | Uint8Array;
type Tagged = { readonly tag: 'valid' | 'invalid' | 'unknown'; readonly key: Uint8Array };

type CommandSpec =
  | { readonly type: 'RemoveTopic'; readonly topicHash: HashRef }
  | { readonly type: 'ResetTopics' }
  | { readonly type: 'SetIDKey'; readonly key: Tagged }
  | { readonly type: 'SetTopicKey'; readonly key: 'probeKey' | Uint8Array; readonly topicHash: HashRef }
  | { readonly type: 'RemovePubKey'; readonly id: IdRef }
  | { readonly type: 'ResetPubKeys' }
  | { readonly type: 'SetPubKey'; readonly publicKey: 'own' | Tagged; readonly id: IdRef }
  | { readonly type: 'SetC2Key'; readonly publicKey: Tagged };

type Step =
  /** A well-formed command, right key, timestamp NOW - age (out of the window when age < 0 or > 600). */
  | { readonly kind: 'command'; readonly command: CommandSpec; readonly age: number }
  /** Random opcode, length and bytes, right key, valid timestamp. */
  | { readonly kind: 'plaintext'; readonly plaintext: Uint8Array }
  /** A validly protected command, then mutated. */
  | { readonly kind: 'mutated'; readonly command: CommandSpec; readonly mutations: Mutation[] }
  /** A command protected with a random key, or with the command key in effect before the last change. */
  | { readonly kind: 'wrongKey'; readonly command: CommandSpec; readonly key: 'previous' | Uint8Array }
  /** Random bytes, optionally behind a valid timestamp. */
  | { readonly kind: 'raw'; readonly bytes: Uint8Array; readonly timestamped: boolean };

const tagged = (tag: Tagged['tag'], arb: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Tagged> =>
  arb.map((key) => ({ tag, key }));
const hashRefArb: fc.Arbitrary<HashRef> = fc.oneof(fc.constant('probe' as const), bytes(16));
const idRefArb: fc.Arbitrary<IdRef> = fc.oneof(fc.constantFrom('own' as const, 'peer' as const), bytes(16));
/**
 * Valid Ed25519 key pairs: mostly from a pool made once (deriving a public key costs about a millisecond on the pure
 * curve code, more than the rest of a run), sometimes fresh.
 */
const KEY_PAIR_POOL = Array.from({ length: 32 }, (_, i) => ed25519PrivateKeyFromSeed(keyFrom(`fuzz key pair ${i}`)));
const keyPairArb = fc.oneof(
  { weight: 9, arbitrary: fc.constantFrom(...KEY_PAIR_POOL) },
  { weight: 1, arbitrary: bytes(32).map(ed25519PrivateKeyFromSeed) },
);
const ed25519PrivateArb = keyPairArb.map((pair) => pair.privateKey);
const ed25519PublicArb = keyPairArb.map((pair) => pair.publicKey);

function idKeyArb(mode: Mode): fc.Arbitrary<Tagged> {
  return mode === 'symmetric'
    ? fc.oneof(
        { weight: 3, arbitrary: tagged('valid', keyArb) },
        tagged('invalid', fc.constant(ZERO32)),
        tagged('invalid', ed25519PrivateArb),
      )
    : fc.oneof(
        { weight: 3, arbitrary: tagged('valid', ed25519PrivateArb) },
        // Random halves: the public half matches the seed with negligible probability.
        tagged('invalid', bytes(64)),
        tagged('invalid', fc.constant(ZERO64)),
        tagged('invalid', keyArb),
      );
}

/** Encodings of the Ed25519 points of small order: public keys anyone can forge signatures for. */
const SMALL_ORDER_ED25519 = ED25519_TORSION_SUBGROUP.map(hexToBytes);

/** Valid C2 public keys, made once (an X25519 base-point multiplication costs more than a run). */
const C2_KEY_POOL = Array.from({ length: 16 }, (_, i) => x25519PublicKey(keyFrom(`fuzz c2 key ${i}`)));

const LOW_ORDER_PROBE_SCALAR = keyFrom('fuzz low-order probe');
/** True for a u-coordinate of small order: X25519 with a multiple of the cofactor gives zero (or throws). */
const lowOrder = new Map<string, boolean>();
function isLowOrder(u: Uint8Array): boolean {
  const name = bytesToHex(u);
  let result = lowOrder.get(name);
  if (result === undefined) {
    try {
      result = nodeEngine.x25519(LOW_ORDER_PROBE_SCALAR, u).every((b) => b === 0);
    } catch {
      result = true;
    }
    lowOrder.set(name, result);
  }
  return result;
}

// Low-order C2 keys (refused with INVALID_KEY) are part of the random inputs: a refused SetC2Key once left the
// rejected key in the client (regression tests at the end of this file).
const FUZZ_LOW_ORDER_C2_KEYS = true;
const allowedC2Key = (u: Uint8Array) => FUZZ_LOW_ORDER_C2_KEYS || !isLowOrder(u);

function commandSpecArb(mode: Mode): fc.Arbitrary<CommandSpec> {
  const c2Keys: fc.Arbitrary<Tagged>[] = [
    tagged('valid', fc.constantFrom(...C2_KEY_POOL)),
    tagged('unknown', bytes(32).filter(allowedC2Key)),
    tagged('invalid', fc.constant(ZERO32)),
  ];
  if (FUZZ_LOW_ORDER_C2_KEYS) c2Keys.push(tagged('invalid', fc.constantFrom(...LOW_ORDER_U)));
  return fc.oneof(
    { weight: 2, arbitrary: fc.record({ type: fc.constant('RemoveTopic' as const), topicHash: hashRefArb }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('ResetTopics' as const) }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('SetIDKey' as const), key: idKeyArb(mode) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        type: fc.constant('SetTopicKey' as const),
        key: fc.oneof(keyArb, fc.constant('probeKey' as const), fc.constant(ZERO32)),
        topicHash: hashRefArb,
      }),
    },
    { weight: 2, arbitrary: fc.record({ type: fc.constant('RemovePubKey' as const), id: idRefArb }) },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('ResetPubKeys' as const) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        type: fc.constant('SetPubKey' as const),
        publicKey: fc.oneof(
          fc.constant('own' as const),
          tagged('valid', ed25519PublicArb),
          tagged('unknown', bytes(32)),
          tagged('invalid', fc.constant(ZERO32)),
          tagged('invalid', fc.constantFrom(...SMALL_ORDER_ED25519)),
        ),
        id: idRefArb,
      }),
    },
    { weight: 1, arbitrary: fc.record({ type: fc.constant('SetC2Key' as const), publicKey: fc.oneof(...c2Keys) }) },
  );
}

/** Random plaintexts: an opcode (mostly a known one), a length (often near a valid one), random bytes. */
const plaintextArb: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 7 }) }, fc.integer({ min: 0, max: 255 })),
    fc.oneof(fc.constantFrom(0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65), fc.integer({ min: 0, max: 100 })),
  )
  .chain(([opcode, length]) =>
    fc.oneof(
      {
        weight: 9,
        arbitrary: bytes(length)
          .map((args) => Uint8Array.of(opcode, ...args))
          .filter((p) => p[0] !== 7 || p.length !== 33 || allowedC2Key(p.subarray(1))),
      },
      { weight: 1, arbitrary: fc.constant(new Uint8Array(0)) },
    ),
  );

const ageArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: MAX_MESSAGE_AGE_SECONDS }) },
  { weight: 1, arbitrary: fc.constantFrom(-1, MAX_MESSAGE_AGE_SECONDS + 1) },
  { weight: 1, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }) },
);

function stepArb(mode: Mode): fc.Arbitrary<Step> {
  const command = commandSpecArb(mode);
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('command' as const), command, age: ageArb }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('plaintext' as const), plaintext: plaintextArb }) },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('mutated' as const), command, mutations: mutationsArb }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('wrongKey' as const),
        command,
        key: fc.oneof(fc.constant('previous' as const), keyArb),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('raw' as const),
        bytes: fc.uint8Array({ maxLength: 120, size: 'max' }),
        timestamped: fc.boolean(),
      }),
    },
  );
}

// ---- The model of a client ----

interface Model {
  readonly mode: Mode;
  readonly id: Uint8Array;
  commandKey: Uint8Array;
  /** The command key before its last change (replaying under it must fail). */
  previousCommandKey: Uint8Array | undefined;
  /** Symmetric identity key, or Ed25519 private key. */
  secret: Uint8Array;
  publicKey: Uint8Array;
  c2PublicKey: Uint8Array;
  probeKey: Uint8Array | undefined;
  /** Whether the probe topic has a previous-key slot (after a rotation). */
  probeHasPrevious: boolean;
  /** Hex hashes of the other topics given a key. */
  readonly otherTopics: Set<string>;
  readonly pubKeys: Map<string, Uint8Array>;
  /** Command watermarks set during the run: 't:<hash>', 'p:<id>', 'id', 'c2', and the floors 'T' and 'P'. */
  readonly marks: Map<string, number>;
}

function baselineModel(device: Device): Model {
  const pubKeys = new Map<string, Uint8Array>();
  if (device.mode === 'pubkey') {
    pubKeys.set(bytesToHex(device.id), device.publicKey);
    pubKeys.set(bytesToHex(PEER.id), PEER.publicKey);
  }
  return {
    mode: device.mode,
    id: device.id,
    commandKey: device.commandKey,
    previousCommandKey: undefined,
    secret: device.mode === 'symmetric' ? baselineSeed('symmetric').secret : device.privateKey,
    publicKey: device.publicKey,
    c2PublicKey: device.c2PublicKey,
    probeKey: BASELINE_PROBE_KEY,
    probeHasPrevious: false,
    otherTopics: new Set(),
    pubKeys,
    marks: new Map(),
  };
}

/** The watermark slot of a command ('T' / 'P' alone for the resets, which look at their whole family). */
function markOf(command: Command): { family?: 'T' | 'P'; slot: string } {
  switch (command.type) {
    case 'SetTopicKey':
    case 'RemoveTopic':
      return { family: 'T', slot: `t:${bytesToHex(command.topicHash)}` };
    case 'SetPubKey':
    case 'RemovePubKey':
      return { family: 'P', slot: `p:${bytesToHex(command.id)}` };
    case 'ResetTopics':
      return { slot: 'T' };
    case 'ResetPubKeys':
      return { slot: 'P' };
    case 'SetIDKey':
      return { slot: 'id' };
    case 'SetC2Key':
      return { slot: 'c2' };
  }
}

/** Whether the model refuses `command` sent at `timestamp` as older than the last change of its key. */
function isStale(model: Model, command: Command, timestamp: number): boolean {
  const { family, slot } = markOf(command);
  const marks = [...model.marks].filter(
    ([name]) =>
      name === slot ||
      name === family ||
      (slot === 'T' && name.startsWith('t:')) ||
      (slot === 'P' && name.startsWith('p:')),
  );
  return marks.some(([, mark]) => timestamp < mark);
}

function recordMark(model: Model, command: Command, timestamp: number): void {
  const { slot } = markOf(command);
  model.marks.set(slot, Math.max(model.marks.get(slot) ?? timestamp, timestamp));
}

/** What differs between a model and the baseline. */
function differences(model: Model, baseline: Model) {
  const samePubKeys =
    model.pubKeys.size === baseline.pubKeys.size &&
    [...baseline.pubKeys].every(([id, key]) => sameBytes(model.pubKeys.get(id) ?? new Uint8Array(0), key));
  const probeKey = model.probeKey === undefined || !sameBytes(model.probeKey, BASELINE_PROBE_KEY);
  const ownKey = bytesToHex(model.id);
  return {
    identity: !sameBytes(model.secret, baseline.secret),
    c2: !sameBytes(model.c2PublicKey, baseline.c2PublicKey),
    probeKey,
    topics: probeKey || model.probeHasPrevious || model.otherTopics.size > 0,
    pubKeys: !samePubKeys,
    ownPubKey: !sameBytes(
      model.pubKeys.get(ownKey) ?? new Uint8Array(0),
      baseline.pubKeys.get(ownKey) ?? new Uint8Array(0),
    ),
  };
}

/**
 * Installs the baseline keys: the probe topic, and in public-key mode the device's own key and a peer's; by commands
 * as old as allowed, so that their watermarks never make a command of the run stale.
 */
function installBaseline(device: Device): void {
  installTopicKey(device, BASELINE_PROBE_KEY, PROBE_HASH, oldest());
  if (device.mode === 'pubkey') {
    installPubKey(device, device.publicKey, device.id, oldest());
    installPubKey(device, PEER.publicKey, PEER.id, oldest());
  }
}

function resolve(spec: CommandSpec, model: Model): Command {
  const hash = (ref: HashRef) => (ref === 'probe' ? PROBE_HASH : ref);
  const id = (ref: IdRef) => (ref === 'own' ? model.id : ref === 'peer' ? PEER.id : ref);
  switch (spec.type) {
    case 'RemoveTopic':
      return { type: 'RemoveTopic', topicHash: hash(spec.topicHash) };
    case 'SetTopicKey':
      return {
        type: 'SetTopicKey',
        key: spec.key === 'probeKey' ? (model.probeKey ?? BASELINE_PROBE_KEY).slice() : spec.key,
        topicHash: hash(spec.topicHash),
      };
    case 'SetIDKey':
      return { type: 'SetIDKey', key: spec.key.key };
    case 'RemovePubKey':
      return { type: 'RemovePubKey', id: id(spec.id) };
    case 'SetPubKey': {
      const own = model.mode === 'pubkey' ? model.publicKey : DUMMY_PUBLIC;
      return { type: 'SetPubKey', publicKey: spec.publicKey === 'own' ? own : spec.publicKey.key, id: id(spec.id) };
    }
    case 'SetC2Key':
      return { type: 'SetC2Key', publicKey: spec.publicKey.key };
    default:
      return spec;
  }
}

/** The outcome the model predicts for a well-formed command under the right key, or undefined if it cannot tell. */
function expectedOutcome(spec: CommandSpec, command: Command, age: number, model: Model): string | undefined {
  if (age < 0) return E4ErrorCode.TimestampInFuture;
  if (age > MAX_MESSAGE_AGE_SECONDS) return E4ErrorCode.TimestampTooOld;
  if (model.mode === 'symmetric' && PUBKEY_ONLY_COMMANDS.has(command.type)) return E4ErrorCode.UnsupportedOperation;
  if (isStale(model, command, NOW - age)) return E4ErrorCode.StaleCommand;
  switch (spec.type) {
    case 'SetTopicKey':
      return command.type === 'SetTopicKey' && command.key.every((b) => b === 0) ? E4ErrorCode.InvalidKey : 'returned';
    case 'SetIDKey':
    case 'SetC2Key':
      return spec.type === 'SetIDKey' && spec.key.tag === 'valid'
        ? 'returned'
        : spec.type === 'SetC2Key' && spec.publicKey.tag !== 'invalid' && !isLowOrder(spec.publicKey.key)
          ? 'returned'
          : E4ErrorCode.InvalidKey;
    case 'RemovePubKey':
      return command.type === 'RemovePubKey' && model.pubKeys.has(bytesToHex(command.id))
        ? 'returned'
        : E4ErrorCode.PublicKeyNotFound;
    case 'SetPubKey':
      if (spec.publicKey === 'own' || spec.publicKey.tag === 'valid') return 'returned';
      return spec.publicKey.tag === 'invalid' ? E4ErrorCode.InvalidKey : undefined;
    default:
      return 'returned';
  }
}

function setCommandKey(model: Model, key: Uint8Array): void {
  if (sameBytes(key, model.commandKey)) return;
  model.previousCommandKey = model.commandKey;
  model.commandKey = key;
}

/** The public-key command key of the model (memoised: identities and C2 keys come from small pools). */
const commandKeys = new Map<string, Uint8Array>();
function modelCommandKey(model: Model): Uint8Array {
  const name = bytesToHex(model.secret) + bytesToHex(model.c2PublicKey);
  let key = commandKeys.get(name);
  if (!key) {
    key = clientCommandKey(nodeEngine, model.secret, model.c2PublicKey);
    commandKeys.set(name, key);
  }
  return key;
}

/** Follows an applied command, sent at `timestamp`. */
function apply(model: Model, command: Command, timestamp: number): void {
  recordMark(model, command, timestamp);
  const probe = (hash: Uint8Array) => sameBytes(hash, PROBE_HASH);
  switch (command.type) {
    case 'RemoveTopic':
      if (probe(command.topicHash)) {
        model.probeKey = undefined;
        model.probeHasPrevious = false;
      } else model.otherTopics.delete(bytesToHex(command.topicHash));
      return;
    case 'ResetTopics':
      model.probeKey = undefined;
      model.probeHasPrevious = false;
      model.otherTopics.clear();
      return;
    case 'SetTopicKey':
      if (probe(command.topicHash)) {
        if (model.probeKey && !sameBytes(model.probeKey, command.key)) model.probeHasPrevious = true;
        model.probeKey = command.key.slice();
      } else model.otherTopics.add(bytesToHex(command.topicHash));
      return;
    case 'SetIDKey':
      model.secret = command.key.slice();
      if (model.mode === 'symmetric') {
        setCommandKey(model, model.secret);
      } else {
        model.publicKey = model.secret.slice(32);
        setCommandKey(model, modelCommandKey(model));
      }
      return;
    case 'SetC2Key':
      model.c2PublicKey = command.publicKey.slice();
      setCommandKey(model, modelCommandKey(model));
      return;
    case 'RemovePubKey':
      model.pubKeys.delete(bytesToHex(command.id));
      return;
    case 'ResetPubKeys':
      model.pubKeys.clear();
      return;
    case 'SetPubKey':
      model.pubKeys.set(bytesToHex(command.id), command.publicKey.slice());
      return;
  }
}

const controlTopic = (device: Device) => device.client.receivingTopic;
/** The C2 side; the pure engine is the cheaper one to set up for a single message (both give the same bytes). */
const protect = (plaintext: Uint8Array, key: Uint8Array, timestamp: number) =>
  protectCommand(plaintext, key, { timestamp, engine: pureEngine });

/** Feeds one input to the client and checks its outcome against the model, which it then updates. */
function runStep(device: Device, model: Model, step: Step): void {
  const client = device.client;
  const before = model.commandKey;
  switch (step.kind) {
    case 'command': {
      const command = resolve(step.command, model);
      const expected = expectedOutcome(step.command, command, step.age, model);
      const result = outcome(() =>
        client.unprotect(protect(encodeCommand(command), model.commandKey, NOW - step.age), controlTopic(device)),
      );
      const actual = result.ok ? 'returned' : result.error.code;
      if (expected !== undefined) assert.equal(actual, expected, `${command.type}: ${actual}, expected ${expected}`);
      if (result.ok) {
        assert.equal(result.value.kind === 'command' && result.value.command, command.type);
        apply(model, command, NOW - step.age);
      }
      break;
    }
    case 'plaintext': {
      const result = outcome(() =>
        client.unprotect(protect(step.plaintext, model.commandKey, NOW), controlTopic(device)),
      );
      const opcode = step.plaintext[0];
      if (opcode === undefined) assert.equal(!result.ok && result.error.code, E4ErrorCode.CiphertextTooShort);
      else if (opcode > 7) assert.equal(!result.ok && result.error.code, E4ErrorCode.InvalidCommand);
      if (result.ok) apply(model, decodeCommand(step.plaintext), NOW);
      break;
    }
    case 'mutated': {
      const plaintext = encodeCommand(resolve(step.command, model));
      const original = protect(plaintext, model.commandKey, NOW);
      const mutated = mutate(original, step.mutations);
      const result = outcome(() => client.unprotect(mutated, controlTopic(device)));
      if (!sameBytes(mutated, original)) assert.equal(result.ok, false, 'a mutated command was applied');
      else if (result.ok) apply(model, decodeCommand(plaintext), NOW);
      break;
    }
    case 'wrongKey': {
      const key = step.key === 'previous' ? (model.previousCommandKey ?? keyFrom('no previous key')) : step.key;
      if (sameBytes(key, model.commandKey)) break;
      const frame = protect(encodeCommand(resolve(step.command, model)), key, NOW);
      assert.equal(
        codeOf(() => client.unprotect(frame, controlTopic(device))),
        E4ErrorCode.AuthenticationFailed,
      );
      break;
    }
    case 'raw': {
      const frame = step.bytes.slice();
      if (step.timestamped && frame.length >= 8) new DataView(frame.buffer).setBigUint64(0, BigInt(NOW), true);
      assert.equal(
        outcome(() => client.unprotect(frame, controlTopic(device))).ok,
        false,
        'a random frame was applied',
      );
      break;
    }
  }
  // The command channel works with the model's key (the command authenticates: it is applied, or refused as stale
  // after a ResetTopics newer than it), and no longer with the key it replaced.
  const alive = protect(encodeCommand({ type: 'RemoveTopic', topicHash: UNRELATED_HASH }), model.commandKey, oldest());
  const channel = codeOf(() => client.unprotect(alive, controlTopic(device)));
  assert.ok(channel === 'returned' || channel === E4ErrorCode.StaleCommand, `command channel: ${channel}`);
  if (!sameBytes(before, model.commandKey)) {
    const stale = protect(encodeCommand({ type: 'RemoveTopic', topicHash: UNRELATED_HASH }), before, NOW);
    assert.equal(
      codeOf(() => client.unprotect(stale, controlTopic(device))),
      E4ErrorCode.AuthenticationFailed,
    );
  }
}

/** Checks the probe topic against the model: protection under the model's key and identity, and unprotection. */
function checkProbe(client: E4Client, model: Model): void {
  if (model.probeKey === undefined) {
    expect(codeOf(() => client.protectMessage(PROBE_PAYLOAD, PROBE_TOPIC))).toBe(E4ErrorCode.TopicKeyNotFound);
    expect(codeOf(() => client.unprotect(new Uint8Array(200), PROBE_TOPIC))).toBe(E4ErrorCode.TopicKeyNotFound);
    return;
  }
  const out = client.protectMessage(PROBE_PAYLOAD, PROBE_TOPIC);
  const result = outcome(() => client.unprotect(out, PROBE_TOPIC));
  const now = { seconds: NOW, nanos: 0 };
  if (model.mode === 'symmetric') {
    expect(unprotectSymKey(out, model.probeKey, { now, engine: pureEngine })).toEqual(PROBE_PAYLOAD);
    expect(result.ok && result.value.kind === 'message' && result.value.payload).toEqual(PROBE_PAYLOAD);
    return;
  }
  // Public-key frame: timestamp, signer id, SIV tag and ciphertext, signature by the model's private key.
  const signed = out.subarray(0, out.length - 64);
  const symmetric = new Uint8Array(out.length - 16 - 64);
  symmetric.set(out.subarray(0, 8));
  symmetric.set(out.subarray(24, out.length - 64), 8);
  expect(bytesToHex(out.subarray(8, 24))).toBe(bytesToHex(model.id));
  expect(unprotectSymKey(symmetric, model.probeKey, { now, engine: pureEngine })).toEqual(PROBE_PAYLOAD);
  const registered = model.pubKeys.get(bytesToHex(model.id));
  // Signed with the model's key (when the client's own check below cannot tell).
  if (registered === undefined || !sameBytes(registered, model.publicKey)) {
    expect(nodeEngine.verify(model.publicKey, signed, out.subarray(out.length - 64))).toBe(true);
  }
  if (registered === undefined) expect(!result.ok && result.error.code).toBe(E4ErrorCode.SignerUnknown);
  else if (!sameBytes(registered, model.publicKey)) {
    expect(!result.ok && result.error.code).toBe(E4ErrorCode.InvalidSignature);
  } else expect(result.ok && result.value.kind === 'message' && result.value.payload).toEqual(PROBE_PAYLOAD);
}

/** Sends a command that must be applied, and follows it in the model. */
function mustApply(device: Device, model: Model, command: Command): void {
  const result = device.client.unprotect(protect(encodeCommand(command), model.commandKey, NOW), controlTopic(device));
  assert.equal(result.kind === 'command' && result.command, command.type);
  apply(model, command, NOW);
}

/** Brings the device back to the baseline through commands, as a C2 would. */
function restoreBaseline(device: Device, model: Model, baseline: Model): void {
  const changed = differences(model, baseline);
  if (changed.c2) mustApply(device, model, { type: 'SetC2Key', publicKey: baseline.c2PublicKey });
  if (changed.identity) mustApply(device, model, { type: 'SetIDKey', key: baseline.secret });
  if (changed.topics) {
    mustApply(device, model, { type: 'ResetTopics' });
    mustApply(device, model, { type: 'SetTopicKey', key: BASELINE_PROBE_KEY.slice(), topicHash: PROBE_HASH });
  }
  if (changed.pubKeys) {
    mustApply(device, model, { type: 'ResetPubKeys' });
    for (const [id, publicKey] of baseline.pubKeys) {
      mustApply(device, model, { type: 'SetPubKey', publicKey, id: hexToBytes(id) });
    }
  }
  assert.equal(bytesToHex(model.commandKey), bytesToHex(baseline.commandKey));
}

/**
 * The document the device saves, after a command that changes nothing (every command triggers a save), sent at
 * `timestamp`. Its watermark is a topic's: a ResetTopics older than it is refused, so a document taken before a run
 * sends it at {@link oldest} (the model of the run knows nothing of it).
 */
async function savedDocument(device: Device, commandKey: Uint8Array, timestamp = NOW): Promise<string> {
  const noop = protect(encodeCommand({ type: 'RemoveTopic', topicHash: UNRELATED_HASH }), commandKey, timestamp);
  device.client.unprotect(noop, controlTopic(device));
  await device.client.flush();
  return new TextDecoder().decode(await device.store.load());
}

/**
 * One client per suite, brought back to the baseline after each run (its saved document must then equal the
 * baseline document byte for byte); rebuilt when a run failed before that, so that every run (and every shrinking
 * step) starts from the same state.
 */
class BaselineDevice {
  #device: Device | undefined;
  #document: string | undefined;

  constructor(
    readonly mode: Mode,
    readonly engine: CryptoEngine,
  ) {}

  async acquire(): Promise<Device> {
    // The watermarks of the previous run fall out of the window: the run's model starts without any.
    NOW += MAX_MESSAGE_AGE_SECONDS + 1;
    const device = this.#device ?? (await this.#build());
    this.#device = undefined;
    return device;
  }

  /** Checks that the device is back to the baseline, and keeps it for the next run. */
  async release(device: Device, model: Model): Promise<void> {
    const document = withoutWatermarks(await savedDocument(device, model.commandKey));
    assert.equal(document, this.#document, 'not back to the baseline');
    this.#device = device;
  }

  async #build(): Promise<Device> {
    const device = await makeDevice(baselineSeed(this.mode), this.engine, clock);
    installBaseline(device);
    this.#document ??= withoutWatermarks(await savedDocument(device, device.commandKey, oldest()));
    return device;
  }
}

/**
 * Runs per suite: the full count on the node engine (the default in Node); the decoding and command logic does not
 * depend on the engine, so the pure engine (checked against the node engine by the property tests) gets a tenth, and
 * a fiftieth in public-key mode, where its Ed25519 and X25519 cost milliseconds per command.
 */
function runsFor(mode: Mode, engine: CryptoEngine, fraction: number): number {
  const share = engine.name === 'node' ? 1 : mode === 'symmetric' ? 1 / 10 : 1 / 50;
  return fuzzRuns(fraction * share, 20);
}

const cases = MODES.flatMap((mode) => ENGINES.map((engine) => [mode, engine.name, engine] as const));

describe.each(cases)('fuzz: E4Client.unprotect on the control topic (%s mode, %s engine)', (mode, _name, engine) => {
  const runs = runsFor(mode, engine, 1);
  it(
    `applies or refuses (E4Error) every input, as the model predicts (${runs} runs)`,
    async () => {
      const fixture = new BaselineDevice(mode, engine);
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb(mode), { minLength: 1, maxLength: 3 }), async (steps) => {
          // Prepare
          const device = await fixture.acquire();
          const baseline = baselineModel(device);
          const model = baselineModel(device);

          // Act + Assess (each step checks its own outcome)
          for (const step of steps) runStep(device, model, step);
          // The probe behaves as the model says (if its state changed; the saved-document check covers the rest).
          const changed = differences(model, baseline);
          if (changed.probeKey || changed.identity || changed.ownPubKey) checkProbe(device.client, model);
          restoreBaseline(device, model, baseline);
          await fixture.release(device, model);
        }),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, mode === 'pubkey' ? 1 : 0.3),
  );

  const reloadRuns = runsFor(mode, engine, 1 / 100);
  it(
    `a client reloaded from the saved state behaves like the live one after any inputs (${reloadRuns} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb(mode), { minLength: 1, maxLength: 8 }), async (steps) => {
          // Prepare
          const device = await makeDevice(baselineSeed(mode), engine, clock);
          installBaseline(device);
          const model = baselineModel(device);
          for (const step of steps) runStep(device, model, step);

          // Act
          await device.client.flush();
          const reloaded = await E4Client.load({ store: device.store, engine, clock });

          // Assess
          checkProbe(device.client, model);
          checkProbe(reloaded, model);
          const alive = protect(encodeCommand({ type: 'ResetTopics' }), model.commandKey, NOW);
          expect(reloaded.unprotect(alive, controlTopic(device))).toMatchObject({ kind: 'command' });
        }),
        { numRuns: reloadRuns },
      );
    },
    fuzzTimeout(reloadRuns, mode === 'pubkey' ? 20 : 2),
  );
});

/**
 * Regression tests of a library bug this fuzzer found: E4Client#apply assigned the new C2 key before deriving the
 * command key from it (X25519 with a low-order point fails), so a refused command left the rejected key in the
 * identity: the next saved document could no longer be loaded, and a later valid SetIDKey was refused after
 * replacing the private key.
 */
describe.each(ENGINES.map((engine) => [engine.name, engine] as const))(
  'regression: a refused SetC2Key leaves the client unchanged (%s engine)',
  (_name, engine) => {
    it.each(LOW_ORDER_U.slice(0, 3).map(bytesToHex))(
      'the state saved after a refused SetC2Key(%s) still loads',
      async (lowOrderKey) => {
        // Prepare
        const device = await makeDevice(baselineSeed('pubkey'), engine, clock);
        installBaseline(device);
        const refused = codeOf(() =>
          sendCommand(device, encodeCommand({ type: 'SetC2Key', publicKey: hexToBytes(lowOrderKey) }), NOW),
        );

        // Act: any later change saves the state.
        sendCommand(device, encodeCommand({ type: 'RemoveTopic', topicHash: UNRELATED_HASH }), NOW);
        await device.client.flush();
        const reloaded = await E4Client.load({ store: device.store, engine, clock });

        // Assess
        expect(refused).toBe(E4ErrorCode.InvalidKey);
        expect(reloaded.publicKey).toEqual(device.publicKey);
      },
    );

    it('a valid SetIDKey after a refused SetC2Key is applied', async () => {
      // Prepare
      const device = await makeDevice(baselineSeed('pubkey'), engine, clock);
      installBaseline(device);
      const refused = codeOf(() =>
        sendCommand(device, encodeCommand({ type: 'SetC2Key', publicKey: LOW_ORDER_U[0]! }), NOW),
      );
      const next = KEY_PAIR_POOL[0]!;

      // Act
      const result = codeOf(() => sendCommand(device, encodeCommand({ type: 'SetIDKey', key: next.privateKey }), NOW));

      // Assess
      expect(refused).toBe(E4ErrorCode.InvalidKey);
      expect(result).toBe('returned');
    });
  },
);
