/**
 * Fuzzing of E4Client.unprotect on data topics, in both modes and on both engines, against a client holding keys
 * for several topics: a plain one, the empty topic, one rotated 100 s ago (previous key valid), one rotated exactly
 * 3600 s ago (previous key valid at the edge) and one rotated 4000 s ago (previous key expired); in public-key mode
 * it knows its own public key, a peer's, and a "ghost" signer whose registered key does not match what signs.
 *
 * Inputs: frames sealed under the current, previous or a wrong key (with every kind of signer and timestamps at and
 * beyond the window edges), frames with the right layout and random contents (validly signed or not), random bytes;
 * and mutations (bit flips, truncation, extension, overwrites) of valid protected messages. Every input must be
 * unprotected or refused with an E4Error; for sealed frames the exact outcome is predicted; a mutated message must
 * never unprotect (to any payload).
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import {
  bytesToHex,
  type CryptoEngine,
  E4ErrorCode,
  ed25519PrivateKeyFromSeed,
  hashTopic,
  MAX_KEY_TRANSITION_SECONDS,
  MAX_MESSAGE_AGE_SECONDS,
  nodeEngine,
  protectPubKey,
  protectSymKey,
  pureEngine,
  sha3,
  utf8,
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
  ManualClock,
  MODES,
  type Mode,
  makeDevice,
  T0,
  topicArb,
} from '../support/fuzzDevices.js';
import { fuzzRuns, fuzzTimeout, outcome } from '../support/fuzzRuns.js';

const NOW = T0 + 100_000;
const keyFrom = (label: string) => sha3(utf8(label));

interface TopicFixture {
  readonly current: Uint8Array;
  readonly previous?: { readonly key: Uint8Array; readonly rotatedAt: number };
}

/** The receiver's topics, with their keys and rotations. */
const TOPICS = new Map<string, TopicFixture>([
  ['fuzz/plain', { current: keyFrom('plain') }],
  ['', { current: keyFrom('empty topic') }],
  ['fuzz/recent', { current: keyFrom('recent 2'), previous: { key: keyFrom('recent 1'), rotatedAt: NOW - 100 } }],
  [
    'fuzz/edge',
    {
      current: keyFrom('edge 2'),
      previous: { key: keyFrom('edge 1'), rotatedAt: NOW - MAX_KEY_TRANSITION_SECONDS },
    },
  ],
  ['fuzz/expired', { current: keyFrom('expired 2'), previous: { key: keyFrom('expired 1'), rotatedAt: NOW - 4000 } }],
]);
const TOPIC_NAMES = [...TOPICS.keys()];
/** A topic whose previous key is still valid (for mutations of messages under a previous key). */
const RECENT = 'fuzz/recent';

const RECEIVER_SEED = (mode: Mode): DeviceSeed => ({
  mode,
  id: keyFrom(`receiver ${mode} id`).slice(0, 16),
  secret: keyFrom(`receiver ${mode} secret`),
  c2PrivateKey: keyFrom('c2'),
});
const PEER = { id: keyFrom('peer id').slice(0, 16), ...ed25519PrivateKeyFromSeed(keyFrom('peer')) };
/** Registered with one key, signs with another. */
const GHOST = {
  id: keyFrom('ghost id').slice(0, 16),
  registered: ed25519PrivateKeyFromSeed(keyFrom('ghost registered')).publicKey,
  privateKey: ed25519PrivateKeyFromSeed(keyFrom('ghost signs')).privateKey,
};
const STRANGER = { id: keyFrom('stranger id').slice(0, 16), ...ed25519PrivateKeyFromSeed(keyFrom('stranger')) };

/** The receiver: keys installed through commands at their times, then the clock set to NOW. */
async function buildReceiver(mode: Mode, engine: CryptoEngine): Promise<Device> {
  const clock = new ManualClock(NOW - 10_000);
  const device = await makeDevice(RECEIVER_SEED(mode), engine, clock.clock);
  const firstKeysAt = NOW - 10_000;
  for (const [topic, { current, previous }] of TOPICS) {
    clock.set(firstKeysAt);
    installTopicKey(device, previous?.key ?? current, hashTopic(topic), firstKeysAt);
    if (previous) {
      clock.set(previous.rotatedAt);
      installTopicKey(device, current, hashTopic(topic), previous.rotatedAt);
    }
  }
  clock.set(NOW);
  if (mode === 'pubkey') {
    installPubKey(device, device.publicKey, device.id, NOW);
    installPubKey(device, PEER.publicKey, PEER.id, NOW);
    installPubKey(device, GHOST.registered, GHOST.id, NOW);
  }
  return device;
}

// ---- Inputs ----

type Signer = 'own' | 'peer' | 'ghost' | 'stranger' | 'impostor';
type KeyChoice = 'current' | 'previous' | Uint8Array;

type Input =
  /** A frame sealed (and signed) properly, under the chosen key, at the chosen time. */
  | {
      readonly kind: 'sealed';
      readonly topic: string;
      readonly timestamp: number;
      readonly key: KeyChoice;
      readonly signer: Signer;
      readonly payload: Uint8Array;
    }
  /** The frame layout with random contents: raw timestamp bytes, signer, random tag and ciphertext, signature. */
  | {
      readonly kind: 'framed';
      readonly topic: string;
      readonly timestamp: number | Uint8Array;
      readonly signer: Signer;
      readonly body: Uint8Array;
      readonly signed: boolean;
    }
  | { readonly kind: 'raw'; readonly topic: string; readonly bytes: Uint8Array };

const topicChoiceArb = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...TOPIC_NAMES) }, topicArb);
const timestampArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: NOW - MAX_MESSAGE_AGE_SECONDS, max: NOW }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(NOW, NOW - MAX_MESSAGE_AGE_SECONDS, NOW - MAX_MESSAGE_AGE_SECONDS - 1, NOW + 1),
  },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER, NOW + 1_000_000, NOW - 1_000_000) },
);
const signerArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<Signer>('own', 'peer') },
  { weight: 1, arbitrary: fc.constantFrom<Signer>('ghost', 'stranger', 'impostor') },
);
const payloadArb = fc.oneof(
  { weight: 10, arbitrary: fc.uint8Array({ maxLength: 300, size: 'max' }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 300, maxLength: 5000, size: 'max' }) },
);

const inputArb: fc.Arbitrary<Input> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('sealed' as const),
      topic: topicChoiceArb,
      timestamp: timestampArb,
      key: fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom<KeyChoice>('current', 'previous') },
        { weight: 1, arbitrary: keyArb },
      ),
      signer: signerArb,
      payload: payloadArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('framed' as const),
      topic: topicChoiceArb,
      timestamp: fc.oneof({ weight: 3, arbitrary: timestampArb }, bytes(8)),
      signer: signerArb,
      body: fc.uint8Array({ maxLength: 200, size: 'max' }),
      signed: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      topic: topicChoiceArb,
      bytes: fc.uint8Array({ maxLength: 300, size: 'max' }),
    }),
  },
);

/** Where the input sits: alone in its buffer, or as a view inside a larger one. */
const viewArb = fc.option(fc.record({ before: fc.nat(9), after: fc.nat(9) }), { freq: 3 });

function inView(bytes: Uint8Array, view: { before: number; after: number } | null): Uint8Array {
  if (!view) return bytes;
  const buffer = new Uint8Array(view.before + bytes.length + view.after).fill(0xa5);
  buffer.set(bytes, view.before);
  return buffer.subarray(view.before, view.before + bytes.length);
}

function signerOf(signer: Signer, receiver: Device): { id: Uint8Array; privateKey: Uint8Array } {
  switch (signer) {
    case 'own':
      return { id: receiver.id, privateKey: receiver.privateKey };
    case 'peer':
      return PEER;
    case 'ghost':
      return GHOST;
    case 'stranger':
      return STRANGER;
    case 'impostor':
      return { id: PEER.id, privateKey: receiver.privateKey };
  }
}

function keyOf(choice: KeyChoice, topic: string): Uint8Array {
  if (choice instanceof Uint8Array) return choice;
  const fixture = TOPICS.get(topic);
  const key = choice === 'current' ? fixture?.current : fixture?.previous?.key;
  return key ?? keyFrom('no such key');
}

/** The frame of a sealed input, as a sender holding that key would produce it (signatures by the node engine). */
function seal(input: Extract<Input, { kind: 'sealed' }>, receiver: Device): Uint8Array {
  const key = keyOf(input.key, input.topic);
  if (receiver.mode === 'symmetric') {
    return protectSymKey(input.payload, key, { timestamp: input.timestamp, engine: pureEngine });
  }
  const { id, privateKey } = signerOf(input.signer, receiver);
  return protectPubKey(pureEngine.sivKey(key), nodeEngine, input.payload, input.timestamp, id, privateKey);
}

function timestampBytes(timestamp: number | Uint8Array): Uint8Array {
  if (timestamp instanceof Uint8Array) return timestamp;
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(timestamp), true);
  return out;
}

function frame(input: Exclude<Input, { kind: 'sealed' }>, receiver: Device): Uint8Array {
  if (input.kind === 'raw') return input.bytes;
  const ts = timestampBytes(input.timestamp);
  if (receiver.mode === 'symmetric') return Uint8Array.from([...ts, ...input.body]);
  const { id, privateKey } = signerOf(input.signer, receiver);
  const signed = Uint8Array.from([...ts, ...id, ...input.body]);
  const noise = sha3(signed);
  const signature = input.signed ? nodeEngine.sign(privateKey, signed) : Uint8Array.from([...noise, ...noise]);
  return Uint8Array.from([...signed, ...signature]);
}

/** The outcome e4go's rules give for a sealed frame ('returned' or an error code). */
function expectedOutcome(input: Extract<Input, { kind: 'sealed' }>, mode: Mode): string {
  const fixture = TOPICS.get(input.topic);
  if (!fixture) return E4ErrorCode.TopicKeyNotFound;
  if (mode === 'symmetric' && input.payload.length === 0) return E4ErrorCode.CiphertextTooShort;
  if (input.timestamp > NOW) return E4ErrorCode.TimestampInFuture;
  if (input.timestamp < NOW - MAX_MESSAGE_AGE_SECONDS) return E4ErrorCode.TimestampTooOld;
  if (mode === 'pubkey') {
    if (input.signer === 'stranger') return E4ErrorCode.SignerUnknown;
    if (input.signer === 'ghost' || input.signer === 'impostor') return E4ErrorCode.InvalidSignature;
  }
  const key = keyOf(input.key, input.topic);
  if (sameBytes(key, fixture.current)) return 'returned';
  if (!fixture.previous) return E4ErrorCode.AuthenticationFailed;
  if (fixture.previous.rotatedAt < NOW - MAX_KEY_TRANSITION_SECONDS) return E4ErrorCode.TimestampTooOld;
  return sameBytes(key, fixture.previous.key) ? 'returned' : E4ErrorCode.AuthenticationFailed;
}

/**
 * Runs per suite: the full count on the node engine; the pure engine (whose crypto the property tests check against
 * the node engine) gets a tenth, and a fiftieth in public-key mode, where one Ed25519 verification costs milliseconds.
 */
function runsFor(mode: Mode, engine: CryptoEngine, fraction: number): number {
  const share = engine.name === 'node' ? 1 : mode === 'symmetric' ? 1 / 10 : 1 / 50;
  return fuzzRuns(fraction * share, 20);
}

const cases = MODES.flatMap((mode) => ENGINES.map((engine) => [mode, engine.name, engine] as const));

// node:assert in the per-input checks: vitest's expect costs as much as the rest of a run.
describe.each(cases)('fuzz: E4Client.unprotect on a data topic (%s mode, %s engine)', (mode, _name, engine) => {
  const runs = runsFor(mode, engine, 1);
  it(
    `unprotects or refuses (E4Error) every input; sealed frames as e4go's rules say (${runs} runs)`,
    async () => {
      const receiver = await buildReceiver(mode, engine);
      fc.assert(
        fc.property(inputArb, viewArb, (input, view) => {
          // Prepare
          if (input.topic === receiver.client.receivingTopic) return;
          const bytes = inView(input.kind === 'sealed' ? seal(input, receiver) : frame(input, receiver), view);

          // Act
          const result = outcome(() => receiver.client.unprotect(bytes, input.topic));

          // Assess
          const actual = result.ok ? 'returned' : result.error.code;
          if (input.kind !== 'sealed') {
            assert.notEqual(actual, 'returned', 'a frame nobody sealed was unprotected');
            return;
          }
          assert.equal(actual, expectedOutcome(input, mode));
          if (result.ok) {
            assert.equal(result.value.kind, 'message');
            assert.deepEqual(result.value.kind === 'message' && result.value.payload, input.payload);
          }
        }),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, mode === 'pubkey' ? 1 : 0.2),
  );

  const mutationRuns = runsFor(mode, engine, 1 / 5);
  it(
    `a mutated protected message never unprotects (${mutationRuns} runs)`,
    async () => {
      const receiver = await buildReceiver(mode, engine);
      const previous = TOPICS.get(RECENT)!.previous!.key;
      fc.assert(
        fc.property(
          fc.constantFrom(...TOPIC_NAMES),
          fc.boolean(),
          payloadArb,
          mutationsArb,
          (topic, underPrevious, payload, mutations: Mutation[]) => {
            // Prepare: a message the receiver accepts (its own, under the current key or the previous one).
            fc.pre(mode === 'pubkey' || payload.length > 0);
            const original = underPrevious
              ? seal({ kind: 'sealed', topic: RECENT, timestamp: NOW, key: previous, signer: 'own', payload }, receiver)
              : receiver.client.protectMessage(payload, topic);
            const target = underPrevious ? RECENT : topic;
            const mutated = mutate(original, mutations);

            // Act
            const result = outcome(() => receiver.client.unprotect(mutated, target));

            // Assess
            if (!sameBytes(mutated, original)) {
              assert.equal(result.ok, false, `a mutated message was unprotected: ${bytesToHex(mutated)}`);
            } else {
              assert.deepEqual(result.ok && result.value.kind === 'message' && result.value.payload, payload);
            }
          },
        ),
        { numRuns: mutationRuns },
      );
    },
    fuzzTimeout(mutationRuns, mode === 'pubkey' ? 1 : 0.2),
  );
});
