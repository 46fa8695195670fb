/**
 * Properties of the E4 client over random keys, topics and payloads, in both modes and on both crypto engines:
 * round trips, output sizes, cross-engine compatibility, the previous-key grace period, and the command and state
 * codecs. Keys reach the clients as on a device: through commands protected by the C2's command key.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  type Command,
  cmdRemovePubKey,
  cmdRemoveTopic,
  cmdResetPubKeys,
  cmdResetTopics,
  cmdSetC2Key,
  cmdSetIdKey,
  cmdSetPubKey,
  cmdSetTopicKey,
  decodeCommand,
  decodeState,
  E4Client,
  E4ErrorCode,
  encodeCommand,
  encodeState,
  fixedClock,
  hashIdAlias,
  hashTopic,
  MAX_KEY_TRANSITION_SECONDS,
  MAX_MESSAGE_AGE_SECONDS,
  nodeEngine,
  PUBKEY_OVERHEAD,
  pureEngine,
  SYMMETRIC_OVERHEAD,
} from '../../../shared/e4/node/index.js';
import {
  bytes,
  type Device,
  deviceSeedArb,
  ENGINES,
  installPubKey,
  installTopicKey,
  keyArb,
  ManualClock,
  MODES,
  type Mode,
  makeDevice,
  payloadArb,
  sendCommand,
  stateArb,
  T0,
  topicArb,
} from '../../support/fuzzDevices.js';
import { codeOf } from '../../support/fuzzRuns.js';

/** Runs per property; public-key mode on the pure engine costs a few ms of Ed25519/X25519 per client. */
function runs(mode: Mode, engineName: string): number {
  return mode === 'pubkey' && engineName === 'pure' ? 40 : 100;
}
const TIMEOUT = 120_000;
const overhead = (mode: Mode): number => (mode === 'symmetric' ? SYMMETRIC_OVERHEAD : PUBKEY_OVERHEAD);

const nowArb = fc.integer({ min: T0, max: T0 + 10_000_000 });
const commandAgeArb = fc.integer({ min: 0, max: MAX_MESSAGE_AGE_SECONDS });

/** A device holding `key` for `topic` and, in public-key mode, its own public key (to verify its own messages). */
async function deviceWithTopic(
  seed: Parameters<typeof makeDevice>[0],
  engine: Parameters<typeof makeDevice>[1],
  now: number,
  key: Uint8Array,
  topic: string,
): Promise<Device> {
  const device = await makeDevice(seed, engine, fixedClock(now));
  installTopicKey(device, key, hashTopic(topic), now);
  if (device.mode === 'pubkey') installPubKey(device, device.publicKey, device.id, now);
  return device;
}

describe.each(MODES.flatMap((mode) => ENGINES.map((engine) => [mode, engine.name, engine] as const)))(
  'E4Client round trip (%s mode, %s engine)',
  (mode, _name, engine) => {
    it(
      'unprotect(protectMessage(p, t), t) returns p, and protection adds the mode overhead',
      async () => {
        await fc.assert(
          fc.asyncProperty(
            deviceSeedArb(mode),
            keyArb,
            topicArb,
            payloadArb(mode === 'symmetric' ? 1 : 0),
            nowArb,
            commandAgeArb,
            async (seed, topicKey, topic, payload, now, commandAge) => {
              // Prepare
              const device = await makeDevice(seed, engine, fixedClock(now));
              fc.pre(topic !== device.client.receivingTopic);
              installTopicKey(device, topicKey, hashTopic(topic), now - commandAge);
              if (mode === 'pubkey') installPubKey(device, device.publicKey, device.id, now - commandAge);

              // Act
              const protectedMessage = device.client.protectMessage(payload, topic);
              const result = device.client.unprotect(protectedMessage, topic);

              // Assess
              expect(protectedMessage.length).toBe(payload.length + overhead(mode));
              expect(result.kind).toBe('message');
              expect(result.kind === 'message' && result.payload).toEqual(payload);
            },
          ),
          { numRuns: runs(mode, engine.name) },
        );
      },
      TIMEOUT,
    );

    it(
      mode === 'symmetric'
        ? 'an empty payload protects to 24 bytes and is refused as CIPHERTEXT_TOO_SHORT (as e4go)'
        : 'an empty payload protects to 104 bytes and round trips',
      async () => {
        await fc.assert(
          fc.asyncProperty(deviceSeedArb(mode), keyArb, topicArb, nowArb, async (seed, topicKey, topic, now) => {
            // Prepare
            const device = await deviceWithTopic(seed, engine, now, topicKey, topic);
            fc.pre(topic !== device.client.receivingTopic);

            // Act
            const protectedMessage = device.client.protectMessage(new Uint8Array(0), topic);
            const code = codeOf(() => device.client.unprotect(protectedMessage, topic));

            // Assess
            expect(protectedMessage.length).toBe(overhead(mode));
            expect(code).toBe(mode === 'symmetric' ? E4ErrorCode.CiphertextTooShort : 'returned');
          }),
          { numRuns: Math.ceil(runs(mode, engine.name) / 2) },
        );
      },
      TIMEOUT,
    );

    it(
      'after SetTopicKey(k2), messages under k1 unprotect until 3600 s after the rotation, then TIMESTAMP_TOO_OLD',
      async () => {
        const elapsedArb = fc.oneof(
          fc.integer({ min: 0, max: MAX_KEY_TRANSITION_SECONDS - 1 }),
          fc.constant(MAX_KEY_TRANSITION_SECONDS),
          fc.integer({ min: MAX_KEY_TRANSITION_SECONDS + 1, max: 1_000_000 }),
        );
        const nanosArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 999_999_999 }));
        await fc.assert(
          fc.asyncProperty(
            deviceSeedArb(mode),
            deviceSeedArb(mode),
            fc.tuple(keyArb, keyArb).filter(([k1, k2]) => bytesToHex(k1) !== bytesToHex(k2)),
            topicArb,
            fc.uint8Array({ minLength: 1, maxLength: 300, size: 'max' }),
            fc.record({
              installAt: nowArb,
              rotationDelay: fc.integer({ min: 0, max: 100_000 }),
              rotationNanos: nanosArb,
              // Below 600 s: a command exactly 600 s old is refused when "now" has a sub-second part.
              commandAge: fc.integer({ min: 0, max: MAX_MESSAGE_AGE_SECONDS - 1 }),
              elapsed: elapsedArb,
              nanos: nanosArb,
            }),
            async (receiverSeed, senderSeed, [k1, k2], topic, payload, time) => {
              // Prepare: both devices get k1; the sender (never rotated) keeps protecting with it.
              const clock = new ManualClock(time.installAt);
              const receiver = await makeDevice(receiverSeed, engine, clock.clock);
              const sender = await makeDevice(senderSeed, engine, clock.clock);
              fc.pre(topic !== receiver.client.receivingTopic && topic !== sender.client.receivingTopic);
              const topicHash = hashTopic(topic);
              // k1 is sent before any rotation command of the property (a command older than the last change of the
              // same key is refused): as old as the 600 s window allows.
              const k1SentAt = time.installAt - (MAX_MESSAGE_AGE_SECONDS - 1);
              installTopicKey(receiver, k1, topicHash, k1SentAt);
              installTopicKey(sender, k1, topicHash, k1SentAt);
              if (mode === 'pubkey') {
                installPubKey(receiver, sender.publicKey, sender.id, time.installAt);
                installPubKey(receiver, receiver.publicKey, receiver.id, time.installAt);
              }
              const rotatedAt = time.installAt + time.rotationDelay;
              clock.set(rotatedAt, time.rotationNanos);
              installTopicKey(receiver, k2, topicHash, rotatedAt - time.commandAge);
              clock.set(rotatedAt + time.elapsed, time.nanos);

              // Act
              const underK1 = codeOf(() =>
                receiver.client.unprotect(sender.client.protectMessage(payload, topic), topic),
              );
              const underK2 = receiver.client.unprotect(receiver.client.protectMessage(payload, topic), topic);

              // Assess
              const inWindow =
                time.elapsed < MAX_KEY_TRANSITION_SECONDS ||
                (time.elapsed === MAX_KEY_TRANSITION_SECONDS && time.nanos === 0);
              expect(underK1).toBe(inWindow ? 'returned' : E4ErrorCode.TimestampTooOld);
              expect(underK2.kind === 'message' && underK2.payload).toEqual(payload);
            },
          ),
          { numRuns: runs(mode, engine.name) },
        );
      },
      TIMEOUT,
    );

    it(
      'SetTopicKey with the current key keeps the previous key; a third key replaces it',
      async () => {
        await fc.assert(
          fc.asyncProperty(
            deviceSeedArb(mode),
            fc.uniqueArray(keyArb, { minLength: 3, maxLength: 3, selector: bytesToHex }),
            topicArb,
            nowArb,
            async (seed, [k1, k2, k3], topic, now) => {
              // Prepare: a peer that keeps k1 and one that keeps k2.
              const device = await deviceWithTopic(seed, engine, now, k1!, topic);
              fc.pre(topic !== device.client.receivingTopic);
              const underK1 = device.client.protectMessage(Uint8Array.of(1), topic);
              installTopicKey(device, k2!, hashTopic(topic), now);
              const underK2 = device.client.protectMessage(Uint8Array.of(2), topic);

              // Act
              installTopicKey(device, k2!, hashTopic(topic), now);
              const k1AfterRepeat = codeOf(() => device.client.unprotect(underK1, topic));
              installTopicKey(device, k3!, hashTopic(topic), now);
              const k1AfterThird = codeOf(() => device.client.unprotect(underK1, topic));
              const k2AfterThird = codeOf(() => device.client.unprotect(underK2, topic));

              // Assess
              expect(k1AfterRepeat).toBe('returned');
              expect(k1AfterThird).toBe(E4ErrorCode.AuthenticationFailed);
              expect(k2AfterThird).toBe('returned');
            },
          ),
          { numRuns: Math.ceil(runs(mode, engine.name) / 2) },
        );
      },
      TIMEOUT,
    );
  },
);

describe.each(MODES)('cross-engine compatibility (%s mode)', (mode) => {
  it(
    'both engines protect to the same bytes, and each unprotects what the other protected',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          deviceSeedArb(mode),
          deviceSeedArb(mode),
          keyArb,
          topicArb,
          payloadArb(1),
          nowArb,
          async (senderSeed, receiverSeed, topicKey, topic, payload, now) => {
            // Prepare: the same sender and the same receiver, once on each engine.
            const clock = fixedClock(now);
            const hash = hashTopic(topic);
            const devices = await Promise.all([
              makeDevice(senderSeed, pureEngine, clock),
              makeDevice(senderSeed, nodeEngine, clock),
              makeDevice(receiverSeed, pureEngine, clock),
              makeDevice(receiverSeed, nodeEngine, clock),
            ]);
            const [pureSender, nodeSender, pureReceiver, nodeReceiver] = devices as [Device, Device, Device, Device];
            fc.pre(devices.every((d) => d.client.receivingTopic !== topic));
            for (const device of devices) installTopicKey(device, topicKey, hash, now);
            if (mode === 'pubkey') {
              for (const receiver of [pureReceiver, nodeReceiver]) {
                installPubKey(receiver, pureSender.publicKey, pureSender.id, now);
              }
            }

            // Act
            const byPure = pureSender.client.protectMessage(payload, topic);
            const byNode = nodeSender.client.protectMessage(payload, topic);
            const nodeOpensPure = nodeReceiver.client.unprotect(byPure, topic);
            const pureOpensNode = pureReceiver.client.unprotect(byNode, topic);

            // Assess
            expect(bytesToHex(byNode)).toBe(bytesToHex(byPure));
            expect(nodeOpensPure.kind === 'message' && nodeOpensPure.payload).toEqual(payload);
            expect(pureOpensNode.kind === 'message' && pureOpensNode.payload).toEqual(payload);
          },
        ),
        { numRuns: mode === 'pubkey' ? 40 : 100 },
      );
    },
    TIMEOUT,
  );
});

/** Every valid command, with fields of the right sizes (SetIDKey: 32 or 64 bytes). */
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ type: fc.constant('RemoveTopic' as const), topicHash: bytes(16) }),
  fc.record({ type: fc.constant('ResetTopics' as const) }),
  fc.record({ type: fc.constant('SetIDKey' as const), key: fc.oneof(bytes(32), bytes(64)) }),
  fc.record({ type: fc.constant('SetTopicKey' as const), key: bytes(32), topicHash: bytes(16) }),
  fc.record({ type: fc.constant('RemovePubKey' as const), id: bytes(16) }),
  fc.record({ type: fc.constant('ResetPubKeys' as const) }),
  fc.record({ type: fc.constant('SetPubKey' as const), publicKey: bytes(32), id: bytes(16) }),
  fc.record({ type: fc.constant('SetC2Key' as const), publicKey: bytes(32) }),
);

describe('command codec', () => {
  it('decodeCommand(encodeCommand(c)) deep-equals c, and re-encoding gives the same bytes', () => {
    fc.assert(
      fc.property(commandArb, (command) => {
        // Act
        const encoded = encodeCommand(command);
        const decoded = decodeCommand(encoded);

        // Assess
        expect(decoded).toEqual(command);
        expect(encodeCommand(decoded)).toEqual(encoded);
      }),
      { numRuns: 1_000 },
    );
  });

  it('the e4go builders encode what decodeCommand reads back', () => {
    fc.assert(
      fc.property(keyArb, bytes(64), topicArb, fc.string({ unit: 'binary' }), (key, longKey, topic, name) => {
        // Act
        const decoded = [
          cmdRemoveTopic(topic),
          cmdResetTopics(),
          cmdSetIdKey(key),
          cmdSetIdKey(longKey),
          cmdSetTopicKey(key, topic),
          cmdRemovePubKey(name),
          cmdResetPubKeys(),
          cmdSetPubKey(key, name),
          cmdSetC2Key(key),
        ].map(decodeCommand);

        // Assess
        expect(decoded).toEqual([
          { type: 'RemoveTopic', topicHash: hashTopic(topic) },
          { type: 'ResetTopics' },
          { type: 'SetIDKey', key },
          { type: 'SetIDKey', key: longKey },
          { type: 'SetTopicKey', key, topicHash: hashTopic(topic) },
          { type: 'RemovePubKey', id: hashIdAlias(name) },
          { type: 'ResetPubKeys' },
          { type: 'SetPubKey', publicKey: key, id: hashIdAlias(name) },
          { type: 'SetC2Key', publicKey: key },
        ]);
      }),
      { numRuns: 300 },
    );
  });
});

const symmetricStateArb = stateArb('symmetric');
const anyStateArb = fc.oneof(symmetricStateArb, stateArb('pubkey'));

describe('state codec', () => {
  it('decodeState(encodeState(s)) returns s, and encoding it again gives the same document', () => {
    fc.assert(
      fc.property(anyStateArb, (state) => {
        // Act
        const document = encodeState(state);
        const decoded = decodeState(document);

        // Assess
        expect(decoded).toEqual(state);
        expect(new TextDecoder().decode(encodeState(decoded))).toBe(new TextDecoder().decode(document));
      }),
      { numRuns: 300 },
    );
  });

  it('a receiving topic with a lone surrogate is written as U+FFFD, as Go does', () => {
    fc.assert(
      fc.property(
        symmetricStateArb,
        fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF'),
        fc.string({ maxLength: 5 }),
        (state, surrogate, suffix) => {
          // Prepare
          const withSurrogate = { ...state, receivingTopic: `${state.receivingTopic}${surrogate}${suffix}` };

          // Act
          const decoded = decodeState(encodeState(withSurrogate));

          // Assess
          expect(decoded.receivingTopic).toBe(`${state.receivingTopic}\uFFFD${suffix}`);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe.each(ENGINES.map((engine) => [engine.name, engine] as const))('saved state (%s engine)', (_name, engine) => {
  it(
    'a client rebuilt from its saved state unprotects what the original protects',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom<Mode>(...MODES).chain(deviceSeedArb),
          fc.uniqueArray(fc.tuple(topicArb, keyArb), { minLength: 1, maxLength: 4, selector: ([t]) => t }),
          fc.uint8Array({ minLength: 1, maxLength: 100, size: 'max' }),
          nowArb,
          async (seed, topics, payload, now) => {
            // Prepare
            const device = await makeDevice(seed, engine, fixedClock(now));
            fc.pre(topics.every(([topic]) => topic !== device.client.receivingTopic));
            for (const [topic, key] of topics) sendCommand(device, cmdSetTopicKey(key, topic), now);
            if (device.mode === 'pubkey') installPubKey(device, device.publicKey, device.id, now);
            await device.client.flush();

            // Act
            const reloaded = await E4Client.load({ store: device.store, engine, clock: fixedClock(now) });
            const results = topics.map(([topic]) =>
              reloaded.unprotect(device.client.protectMessage(payload, topic), topic),
            );

            // Assess
            expect(reloaded.topicCount).toBe(device.client.topicCount);
            for (const result of results) expect(result.kind === 'message' && result.payload).toEqual(payload);
          },
        ),
        { numRuns: 40 },
      );
    },
    TIMEOUT,
  );
});
