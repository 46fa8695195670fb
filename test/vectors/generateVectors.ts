/**
 * Writes a second vector file of the e4go schema (test/vectors/data/README.md) with this project's library, to prove
 * that the vector runner takes every input from the file: other identities (names, ids, keys, non-ASCII names), a
 * long non-ASCII main topic, other topics per vector, messages signed by another client than the receiver, other
 * timestamps and clock offsets, other key-transition and state-file clients. Deterministic (keys are SHA3 of labels).
 *
 *   npx tsx test/vectors/generateVectors.ts [out.json]   (default: test/vectors/data/e4c2-generated-vectors.json)
 *
 * The library matches e4go byte for byte on e4go's own vectors; outcomes recorded here (key transition, state files)
 * are the library's, written with e4go's error strings.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  bytesToHex,
  c2CommandKey,
  clientCommandKey,
  cmdRemovePubKey,
  cmdRemoveTopic,
  cmdResetPubKeys,
  cmdResetTopics,
  cmdSetC2Key,
  cmdSetIdKey,
  cmdSetPubKey,
  cmdSetTopicKey,
  deriveSymKey,
  E4Client,
  E4Error,
  E4ErrorCode,
  ed25519KeyFromPassword,
  ed25519PrivateKeyFromSeed,
  ed25519PrivateToCurve25519,
  ed25519PublicToCurve25519,
  hashIdAlias,
  hashTopic,
  type Instant,
  MemoryStateStore,
  oldKeySlot,
  protectPubKey,
  protectSymKey,
  pureEngine,
  sha3,
  topicForId,
  utf8,
  writeUint64LE,
  x25519PublicKey,
} from '../../shared/e4/node/index.js';

const engine = pureEngine;
const hx = bytesToHex;
const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
/** A deterministic 32-byte value named by a label. */
const derived = (label: string): Uint8Array => sha3(utf8(`e4c2 generated vectors: ${label}`));
const utf8Length = (text: string): number => utf8(text).length;

// Clock values: none of them is e4go's set's (1700000000 + 60, live 1795393045).
const FIXED_TS = 1767225600;
const CHECK_TIME = FIXED_TS + 421;
const LIVE_TS = 1781234567;

// Topics: the main one is long (over 300 bytes) and non-ASCII; the others differ in length and script.
const MAIN_TOPIC = `bâtiment-π/étage-3/${'capteur-温度-🌡/'.repeat(16)}fin`;
const TOPICS = [
  MAIN_TOPIC,
  'Ünïcødé/トピック/🔥',
  'x',
  `長い/${'ü'.repeat(252)}`,
  'home/kitchen',
  'e4/0123456789abcdef0123456789abcdef',
];
const WRONG_KEY = derived('wrong key');

// Identities: every name differs from e4go's set; the symmetric and the public-key clients have different ids.
const c2Private = derived('c2 private');
const newC2Private = derived('new c2 private');
const c2Public = x25519PublicKey(c2Private);
const newC2Public = x25519PublicKey(newC2Private);

function edIdentity(name: string) {
  const seed = derived(`ed25519 seed of ${name}`);
  const { privateKey, publicKey } = ed25519PrivateKeyFromSeed(seed);
  const id = hashIdAlias(name);
  return { name, id, seed, privateKey, publicKey, receivingTopic: topicForId(id) };
}
type EdIdentity = ReturnType<typeof edIdentity>;

const symName = 'Kühlschrank-Sensor №7';
const symId = hashIdAlias(symName);
const symKey = derived('symmetric client key');
const receiver = edIdentity('gateway.β/東京-02');
const signer = edIdentity('thermostat-Ωmega-1');
const third = edIdentity('Gerät-0003');
const newEd = ed25519PrivateKeyFromSeed(derived('new ed25519 identity'));
const unknownSignerId = hashIdAlias('unbekannter-Unterzeichner');
const newIdKey = derived('new id key');
const K1 = derived('topic key 1');
const K2 = derived('topic key 2');
const K3 = derived('topic key 3');
const KLONG = derived('topic key long');

function edIdentityJson(who: EdIdentity) {
  return {
    name: who.name,
    id_hex: hx(who.id),
    receiving_topic: who.receivingTopic,
    ed25519_seed_hex: hx(who.seed),
    ed25519_private_key_hex: hx(who.privateKey),
    ed25519_public_key_hex: hx(who.publicKey),
    curve25519_private_hex: hx(ed25519PrivateToCurve25519(who.privateKey)),
    curve25519_public_hex: hx(ed25519PublicToCurve25519(who.publicKey)),
    shared_command_key_hex: hx(clientCommandKey(engine, who.privateKey, c2Public)),
  };
}

const identities = {
  c2: { curve25519_private_hex: hx(c2Private), curve25519_public_hex: hx(c2Public) },
  new_c2: { curve25519_private_hex: hx(newC2Private), curve25519_public_hex: hx(newC2Public) },
  new_ed25519_identity: {
    seed_hex: hx(newEd.privateKey.subarray(0, 32)),
    private_key_hex: hx(newEd.privateKey),
    public_key_hex: hx(newEd.publicKey),
  },
  new_id_key_hex: hx(newIdKey),
  symmetric_client: {
    name: symName,
    id_hex: hx(symId),
    receiving_topic: topicForId(symId),
    client_sym_key_hex: hx(symKey),
  },
  pubkey_client: {
    ...edIdentityJson(receiver),
    x25519_raw_shared_hex: hx(engine.x25519(ed25519PrivateToCurve25519(receiver.privateKey), c2Public)),
    shared_key_after_SetIDKey: hx(c2CommandKey(engine, c2Private, newEd.publicKey)),
    shared_key_after_SetC2Key: hx(clientCommandKey(engine, receiver.privateKey, newC2Public)),
  },
  other_pubkey_client: edIdentityJson(signer),
  topic: MAIN_TOPIC,
  topic_hash_hex: hx(hashTopic(MAIN_TOPIC)),
  topic_key_hex: hx(K1),
  topic_key2_hex: hx(K2),
  wrong_key_hex: hx(WRONG_KEY),
};

const receiverCommandKey = clientCommandKey(engine, receiver.privateKey, c2Public);
const at = (seconds: number, nanos = 0): Instant => ({ seconds, nanos });
const tsHex = (seconds: number) => {
  const out = new Uint8Array(8);
  writeUint64LE(out, 0, seconds);
  return hx(out);
};

/** e4go's error text for one of the library's codes (the inverse of the runner's table). */
function goError(error: unknown): string {
  if (!(error instanceof E4Error)) throw error;
  const table: Partial<Record<string, string>> = {
    [E4ErrorCode.AuthenticationFailed]: 'siv: authentication failed',
    [E4ErrorCode.TimestampTooOld]: 'timestamp too old',
    [E4ErrorCode.TimestampInFuture]: 'timestamp received is in the future',
    [E4ErrorCode.CiphertextTooShort]: 'ciphertext too short',
    [E4ErrorCode.TopicKeyNotFound]: 'topic key not found',
    [E4ErrorCode.InvalidSignature]: 'invalid signature',
    [E4ErrorCode.SignerUnknown]: 'signer public key not found',
  };
  const text = table[error.code];
  if (!text) throw error;
  return text;
}

function outcomeOf(act: () => unknown): string {
  try {
    act();
    return 'ok';
  } catch (error) {
    return goError(error);
  }
}

// ---- names, hashes, passwords ----

const idAlias = [symName, receiver.name, signer.name, third.name, 'ä', `${'名'.repeat(85)}`].map((name) => ({
  name,
  id_hex: hx(hashIdAlias(name)),
  receiving_topic: topicForId(hashIdAlias(name)),
}));

const topicHash = TOPICS.map((topic) => ({
  topic,
  topic_len_bytes: utf8Length(topic),
  topic_hash_hex: hx(hashTopic(topic)),
  hash_of_hash_hex: hx(oldKeySlot(hashTopic(topic))),
  client_topickeys_map_key: hx(hashTopic(topic)),
  validate_topic: 'ok',
}));

const passwordKeys = [
  ...['Zürich-Passwort-2026!', 'パスワードは十六文字以上です。'].map((password) => {
    const symKey = deriveSymKey(password);
    const { privateKey, publicKey } = ed25519KeyFromPassword(password);
    return {
      password,
      derive_sym_key_hex: hx(symKey),
      ed25519_seed_hex: hx(privateKey.subarray(0, 32)),
      ed25519_private_key_hex: hx(privateKey),
      ed25519_public_key_hex: hx(publicKey),
      curve25519_private_from_ed_hex: hx(ed25519PrivateToCurve25519(privateKey)),
      curve25519_public_from_ed_hex: hx(ed25519PublicToCurve25519(publicKey)),
      ed25519_seed_equals_sym_key: true,
    };
  }),
  {
    password: 'kurz-ü',
    derive_sym_key_error: 'invalid password: password must be at least 16 characters',
    ed25519_from_password_error: 'invalid password: password must be at least 16 characters',
    ed25519_seed_equals_sym_key: false,
  },
];

// ---- messages: a topic and a key per vector; public-key ones mostly signed by another client than the receiver ----

const LENGTHS = [0, 1, 15, 16, 17, 33, 64, 127, 300, 1025];
const plaintextOf = (i: number, length: number) => Uint8Array.from({ length }, (_, j) => (j * 31 + i * 7 + 3) & 0xff);

function symmetricMessages(live: boolean) {
  return LENGTHS.map((length, i) => {
    const topic = TOPICS[i % TOPICS.length] as string;
    const key = derived(`message key ${i}`);
    const timestamp = live ? LIVE_TS : FIXED_TS;
    const plaintext = plaintextOf(i, length);
    const protectedBytes = protectSymKey(plaintext, key, { engine, timestamp });
    return {
      name: `sym_len_${length}${live ? '_live' : ''}`,
      mode: 'symmetric',
      topic,
      topic_hash_hex: hx(hashTopic(topic)),
      topic_key_hex: hx(key),
      timestamp,
      timestamp_le_hex: tsHex(timestamp),
      plaintext_hex: hx(plaintext),
      plaintext_len: length,
      protected_hex: hx(protectedBytes),
      protected_len: protectedBytes.length,
      siv_hex: hx(protectedBytes.subarray(8, 24)),
      ctr_ciphertext_hex: hx(protectedBytes.subarray(24)),
      expected_unprotect: length === 0 ? 'error: ciphertext too short' : 'plaintext',
    };
  });
}

function pubkeyMessages(live: boolean) {
  return LENGTHS.map((length, i) => {
    const topic = TOPICS[(i + 1) % TOPICS.length] as string;
    const key = derived(`pubkey message key ${i}`);
    const from = i % 4 === 3 ? receiver : signer;
    const timestamp = live ? LIVE_TS : FIXED_TS;
    const plaintext = plaintextOf(i, length);
    const protectedBytes = protectPubKey(engine.sivKey(key), engine, plaintext, timestamp, from.id, from.privateKey);
    return {
      name: `pub_len_${length}_from_${from === signer ? 'other' : 'self'}${live ? '_live' : ''}`,
      mode: 'pubkey',
      topic,
      topic_hash_hex: hx(hashTopic(topic)),
      topic_key_hex: hx(key),
      timestamp,
      timestamp_le_hex: tsHex(timestamp),
      signer_id_hex: hx(from.id),
      signer_ed25519_public_hex: hx(from.publicKey),
      plaintext_hex: hx(plaintext),
      plaintext_len: length,
      protected_hex: hx(protectedBytes),
      protected_len: protectedBytes.length,
      siv_hex: hx(protectedBytes.subarray(24, 40)),
      signature_hex: hx(protectedBytes.subarray(protectedBytes.length - 64)),
      expected_unprotect: 'plaintext (signer public key registered)',
    };
  });
}

// ---- commands ----

interface CommandCase {
  name: string;
  opcode: number;
  plaintext: Uint8Array;
  args: Record<string, string>;
  expected: string;
}

function commandCases(mode: 'symmetric' | 'pubkey'): CommandCase[] {
  const pubOnly = (ok: string) => (mode === 'symmetric' ? 'error: this operation is not supported' : ok);
  const [, rotated, removed] = TOPICS as [string, string, string];
  return [
    {
      name: 'SetTopicKey',
      opcode: 3,
      plaintext: cmdSetTopicKey(K1, MAIN_TOPIC),
      args: { topic: MAIN_TOPIC, topic_hash_hex: hx(hashTopic(MAIN_TOPIC)), topic_key_hex: hx(K1) },
      expected: 'ok; client stores topic key under hex(topic_hash)',
    },
    {
      name: 'SetTopicKey_rotation',
      opcode: 3,
      plaintext: cmdSetTopicKey(K2, rotated),
      args: {
        topic: rotated,
        topic_hash_hex: hx(hashTopic(rotated)),
        topic_key_hex: hx(K2),
        previous_key_hex: hx(KLONG),
        old_key_slot_hex: hx(oldKeySlot(hashTopic(rotated))),
      },
      expected: 'ok; messages under the previous key still unprotect for 60 min',
    },
    {
      name: 'RemoveTopic',
      opcode: 0,
      plaintext: cmdRemoveTopic(removed),
      args: { topic: removed, topic_hash_hex: hx(hashTopic(removed)) },
      expected: 'ok; topic key removed',
    },
    { name: 'ResetTopics', opcode: 1, plaintext: cmdResetTopics(), args: {}, expected: 'ok; all topic keys removed' },
    mode === 'symmetric'
      ? {
          name: 'SetIDKey',
          opcode: 2,
          plaintext: cmdSetIdKey(newIdKey),
          args: { new_key_hex: hx(newIdKey) },
          expected: 'ok; subsequent commands must use the new key',
        }
      : {
          name: 'SetIDKey',
          opcode: 2,
          plaintext: cmdSetIdKey(newEd.privateKey),
          args: { new_ed25519_private_key_hex: hx(newEd.privateKey) },
          expected: 'ok; shared command key changes (identities.pubkey_client.shared_key_after_SetIDKey)',
        },
    {
      name: 'SetPubKey',
      opcode: 6,
      plaintext: cmdSetPubKey(signer.publicKey, signer.name),
      args: { ed25519_public_key_hex: hx(signer.publicKey), id_hex: hx(signer.id), name: signer.name },
      expected: pubOnly('ok; messages signed by that id now verify'),
    },
    {
      name: 'RemovePubKey',
      opcode: 4,
      plaintext: cmdRemovePubKey(signer.name),
      args: { id_hex: hx(signer.id), name: signer.name },
      expected: pubOnly('ok; messages signed by that id no longer verify'),
    },
    {
      name: 'ResetPubKeys',
      opcode: 5,
      plaintext: cmdResetPubKeys(),
      args: {},
      expected: pubOnly('ok; all public keys removed'),
    },
    {
      name: 'SetC2Key',
      opcode: 7,
      plaintext: cmdSetC2Key(newC2Public),
      args: { c2_curve25519_public_hex: hx(newC2Public) },
      expected: pubOnly('ok; shared command key changes (identities.pubkey_client.shared_key_after_SetC2Key)'),
    },
  ];
}

const commands = (['symmetric', 'pubkey'] as const).flatMap((mode) =>
  commandCases(mode).map((c) => {
    const key = mode === 'symmetric' ? symKey : receiverCommandKey;
    return {
      name: `${mode === 'symmetric' ? 'sym' : 'pub'}_${c.name}`,
      mode,
      opcode: c.opcode,
      args: c.args,
      command_key_hex: hx(key),
      command_plaintext_hex: hx(c.plaintext),
      timestamp: FIXED_TS,
      protected_hex: hx(protectSymKey(c.plaintext, key, { engine, timestamp: FIXED_TS })),
      live_timestamp: LIVE_TS,
      live_protected_hex: hx(protectSymKey(c.plaintext, key, { engine, timestamp: LIVE_TS })),
      expected_result: c.expected,
    };
  }),
);

// ---- negative ----

const flip = (bytes: Uint8Array, index: number) => {
  const out = bytes.slice();
  const at = index < 0 ? out.length + index : index;
  out[at] = (out[at] as number) ^ 0x01;
  return out;
};
const signed = (body: Uint8Array, privateKey: Uint8Array) => {
  const out = new Uint8Array(body.length + 64);
  out.set(body);
  out.set(engine.sign(privateKey, body), body.length);
  return out;
};
const probe = utf8('Grüße aus der Küche');
const symAt = (key: Uint8Array, ts: number, payload = probe) => protectSymKey(payload, key, { engine, timestamp: ts });
const pubAt = (ts: number, from: { id: Uint8Array; privateKey: Uint8Array } = signer, payload = probe) =>
  protectPubKey(engine.sivKey(K1), engine, payload, ts, from.id, from.privateKey);

interface NegativeCase {
  name: string;
  mode: 'symmetric' | 'pubkey';
  kind: 'message' | 'command';
  description: string;
  expected: string;
  topic?: string;
  /** The frame for a clock at `now` (the fixed check time, or the live timestamp). */
  make: (now: number) => Uint8Array | undefined;
  live?: boolean;
}

/** An 87-byte frame that passes e4go's length and signature checks and makes e4go panic; searched like e4go's set. */
function crafted87(now: number): Uint8Array | undefined {
  for (let ts = now; ts > now - 600; ts--) {
    const body = new Uint8Array(23);
    writeUint64LE(body, 0, ts);
    body.set(signer.id.subarray(0, 15), 8);
    const signature = engine.sign(signer.privateKey, body);
    if (signature[0] === signer.id[15]) return Uint8Array.from([...body, ...signature]);
  }
  return undefined;
}

const negativeCases: NegativeCase[] = [
  ...(
    [
      ['sym_tampered_ciphertext', 'last ciphertext byte bit-flipped', (n: number) => flip(symAt(K1, n), -1)],
      ['sym_tampered_siv', 'first SIV byte bit-flipped', (n: number) => flip(symAt(K1, n), 8)],
      ['sym_tampered_timestamp', 'timestamp rewritten to ts-1', (n: number) => flip(symAt(K1, n), 0)],
      ['sym_wrong_key', 'protected under wrong_key_hex', (n: number) => symAt(WRONG_KEY, n)],
    ] as const
  ).map(([name, description, make]) => ({
    name,
    description,
    make,
    mode: 'symmetric' as const,
    kind: 'message' as const,
    expected: 'siv: authentication failed',
    live: true,
  })),
  ...(
    [
      ['sym_too_old', 'timestamp = now - 601 s', (n: number) => symAt(K1, n - 601), 'timestamp too old'],
      [
        'sym_future',
        'timestamp = now + 3600 s',
        (n: number) => symAt(K1, n + 3600),
        'timestamp received is in the future',
      ],
      [
        'sym_empty_plaintext',
        'empty message (24 bytes)',
        (n: number) => symAt(K1, n, new Uint8Array()),
        'ciphertext too short',
      ],
      [
        'sym_truncated_23_bytes',
        'a frame cut to 23 bytes',
        (n: number) => symAt(K1, n).subarray(0, 23),
        'ciphertext too short',
      ],
    ] as const
  ).map(([name, description, make, expected]) => ({
    name,
    description,
    make,
    expected,
    mode: 'symmetric' as const,
    kind: 'message' as const,
    live: true,
  })),
  {
    name: 'sym_topic_key_not_found',
    description: 'valid message on a topic the receiver holds no key for',
    mode: 'symmetric',
    kind: 'message',
    topic: 'kein/schlüssel/hier',
    make: (n) => symAt(K1, n),
    expected: 'topic key not found',
    live: true,
  },
  ...(
    [
      ['pub_bad_signature', 'last signature byte bit-flipped', (n: number) => flip(pubAt(n), -1), 'invalid signature'],
      [
        'pub_tampered_ciphertext_resigned',
        'ciphertext byte flipped, re-signed by the signer',
        (n: number) => {
          const frame = flip(pubAt(n), 40);
          return signed(frame.subarray(0, frame.length - 64), signer.privateKey);
        },
        'siv: authentication failed',
      ],
      [
        'pub_unknown_signer',
        'signed by new_ed25519_identity with signer id HashIDAlias("unbekannter-Unterzeichner"), not registered',
        (n: number) => pubAt(n, { id: unknownSignerId, privateKey: newEd.privateKey }),
        'signer public key not found',
      ],
      [
        'pub_signer_id_swapped',
        "signed by other_pubkey_client, signer id replaced by pubkey_client's (both registered)",
        (n: number) => {
          const frame = pubAt(n);
          frame.set(receiver.id, 8);
          return frame;
        },
        'invalid signature',
      ],
      ['pub_too_old', 'timestamp = now - 601 s', (n: number) => pubAt(n - 601), 'timestamp too old'],
      ['pub_future', 'timestamp = now + 3600 s', (n: number) => pubAt(n + 3600), 'timestamp received is in the future'],
      ['pub_too_short_72', '72 bytes', (n: number) => pubAt(n).subarray(0, 72), 'invalid length of protected message'],
      [
        'pub_empty_ct_88',
        'ts || signer id || Sign(ts || signer id): no SIV tag',
        (n: number) => signed(pubAt(n).subarray(0, 24), signer.privateKey),
        'too short ciphertext',
      ],
      [
        'pub_crafted_87_bytes',
        'ts || signerID[:15] || Ed25519(ts || signerID[:15]) whose first byte is signerID[15] (e4go panics)',
        crafted87,
        'e4go: runtime panic (slice bounds out of range); reimplementation: any error',
      ],
    ] as const
  ).map(([name, description, make, expected]) => ({
    name,
    description,
    make,
    expected,
    mode: 'pubkey' as const,
    kind: 'message' as const,
    live: true,
  })),
  ...(
    [
      ['cmd_unknown_opcode_09', 'command 0x09', fromHex('09'), symKey, 'invalid command'],
      ['cmd_unknown_opcode_fe', 'command 0xfe 0x01', fromHex('fe01'), symKey, 'invalid command'],
      [
        'cmd_bad_length_SetTopicKey',
        '0x03 || 49 bytes (one long)',
        Uint8Array.from([3, ...derived('x'), ...derived('y').subarray(0, 17)]),
        symKey,
        'invalid SetTopicKey length',
      ],
      ['cmd_bad_length_ResetPubKeys', '0x05 || 0x00', fromHex('0500'), symKey, 'invalid ResetPubKeys length'],
      ['cmd_wrong_key', 'ResetTopics under wrong_key_hex', cmdResetTopics(), WRONG_KEY, 'siv: authentication failed'],
      [
        'cmd_zero_SetIDKey',
        'SetIDKey with an all-zero key',
        cmdSetIdKey(new Uint8Array(32)),
        symKey,
        'invalid symmetric key, all zeros',
      ],
      [
        'cmd_SetIDKey_64_bytes_on_sym',
        'SetIDKey with a 64-byte argument sent to a symmetric client',
        cmdSetIdKey(newEd.privateKey),
        symKey,
        'invalid symmetric key length, got 64, expected 32',
      ],
    ] as const
  ).map(([name, description, plaintext, key, expected]) => ({
    name,
    description,
    expected,
    mode: 'symmetric' as const,
    kind: 'command' as const,
    make: (n: number) => symAt(key, n, plaintext),
    live: true,
  })),
  {
    name: 'cmd_too_old',
    description: 'valid ResetTopics, timestamp now - 601',
    mode: 'symmetric',
    kind: 'command',
    make: (n) => symAt(symKey, n - 601, cmdResetTopics()),
    expected: 'timestamp too old',
    live: true,
  },
  {
    name: 'pub_cmd_signed_like_message',
    description: 'ResetTopics in the public-key message format (signer id + signature) under the shared key',
    mode: 'pubkey',
    kind: 'command',
    make: (n) =>
      protectPubKey(engine.sivKey(receiverCommandKey), engine, cmdResetTopics(), n, receiver.id, receiver.privateKey),
    expected: 'siv: authentication failed',
    live: true,
  },
  {
    name: 'pub_cmd_under_raw_x25519',
    description: 'ResetTopics under the raw X25519 output (not SHA3-hashed)',
    mode: 'pubkey',
    kind: 'command',
    make: (n) => symAt(engine.x25519(ed25519PrivateToCurve25519(receiver.privateKey), c2Public), n, cmdResetTopics()),
    expected: 'siv: authentication failed',
    live: true,
  },
  ...(
    [
      ['sym_window_now', 0, 'ok'],
      [
        'sym_window_now_minus_600',
        -600,
        "ok if now is exactly check_time.000; with a fractional second 'timestamp too old'",
      ],
      ['sym_window_now_minus_601', -601, 'timestamp too old'],
      ['sym_window_now_plus_1', 1, 'timestamp received is in the future'],
    ] as const
  ).map(([name, offset, expected]) => ({
    name,
    description: `edge of the 600 s window: timestamp = now ${offset < 0 ? '-' : '+'} ${Math.abs(offset)} s`,
    mode: 'symmetric' as const,
    kind: 'message' as const,
    make: (n: number) => symAt(K1, n + offset),
    expected,
    live: false,
  })),
];

const negative = negativeCases.map((c) => {
  const commandKey = c.mode === 'symmetric' ? symKey : receiverCommandKey;
  const fixed = c.make(CHECK_TIME);
  const live = c.live ? c.make(LIVE_TS) : undefined;
  if (!fixed) throw new Error(`${c.name}: no frame found`);
  return {
    name: c.name,
    mode: c.mode,
    kind: c.kind,
    description: c.description,
    key_hex: hx(c.kind === 'command' ? commandKey : K1),
    topic:
      c.kind === 'command'
        ? c.mode === 'symmetric'
          ? topicForId(symId)
          : receiver.receivingTopic
        : (c.topic ?? MAIN_TOPIC),
    check_time_unix: CHECK_TIME,
    protected_hex: hx(fixed),
    live_timestamp: LIVE_TS,
    live_protected_hex: live ? hx(live) : '',
    expected_error: c.expected,
  };
});

// ---- key transition: e4go's sequence of steps, run through the library at other instants on another topic ----

async function keyTransition(mode: 'symmetric' | 'pubkey') {
  const topic = TOPICS[1] as string;
  const t0 = FIXED_TS + 5000;
  const commandKey = mode === 'symmetric' ? symKey : receiverCommandKey;
  const receivingTopic = mode === 'symmetric' ? topicForId(symId) : receiver.receivingTopic;
  const keys = { K1, K2, K3 } as const;
  type Step = [action: 'command' | 'message', now: number, nanos: number, what: string, protectedAt?: number];
  const steps: Step[] = [
    ['command', t0 - 100, 0, 'SetTopicKey K1'],
    ['message', t0 - 40, 0, 'K1'],
    ['command', t0, 0, 'SetTopicKey K2', t0 - 300],
    ['message', t0 + 10, 0, 'K1'],
    ['message', t0 + 10, 0, 'K2'],
    ['message', t0 + 10, 0, 'K1', t0 - 40],
    ['message', t0 + 10, 0, 'K3'],
    ['message', t0 + 700, 0, 'K1', t0 + 10],
    ['message', t0 + 3600, 0, 'K1'],
    ['message', t0 + 3600, 1, 'K1'],
    ['message', t0 + 3601, 0, 'K1'],
    ['message', t0 + 3601, 0, 'K2'],
    ['message', t0 + 3601, 0, 'K3'],
    ['command', t0 + 3700, 0, 'SetTopicKey K2'],
    ['command', t0 + 4000, 0, 'SetTopicKey K3'],
    ['message', t0 + 4010, 0, 'K1'],
    ['message', t0 + 4010, 0, 'K2'],
    ['message', t0 + 4010, 0, 'K3'],
    ['command', t0 + 4020, 0, 'RemoveTopic'],
    ['message', t0 + 4030, 0, 'K2'],
  ];
  const clock = { now: at(t0 - 300) };
  const client = await E4Client.create(
    mode === 'symmetric'
      ? { mode, id: symId, key: symKey }
      : { mode, id: receiver.id, privateKey: receiver.privateKey, c2PublicKey: c2Public },
    { engine, clock: () => clock.now },
  );
  if (mode === 'pubkey') {
    client.unprotect(
      protectSymKey(cmdSetPubKey(signer.publicKey, signer.name), commandKey, { engine, timestamp: t0 - 300 }),
      receivingTopic,
    );
  }
  const out = steps.map(([action, now, nanos, what, protectedAt], index) => {
    clock.now = at(now, nanos);
    const timestamp = protectedAt ?? now;
    if (action === 'command') {
      const plaintext =
        what === 'RemoveTopic' ? cmdRemoveTopic(topic) : cmdSetTopicKey(keys[what.slice(-2) as 'K1'], topic);
      const protectedBytes = protectSymKey(plaintext, commandKey, { engine, timestamp });
      const observed = outcomeOf(() => client.unprotect(protectedBytes, receivingTopic));
      return {
        step: index + 1,
        action,
        description: `${what} protected at ${timestamp}, received at ${now}`,
        now_unix: now,
        now_nanos: nanos,
        topic: receivingTopic,
        command_plaintext_hex: hx(plaintext),
        protected_hex: hx(protectedBytes),
        protected_timestamp: timestamp,
        protected_under: 'command key',
        observed,
        stored_topic_keys_after_hex: storedTopicKeys(client),
      };
    }
    const plaintext = utf8(`${what} Nachricht, gesendet ${timestamp - t0 >= 0 ? '+' : ''}${timestamp - t0}`);
    const key = keys[what as 'K1'];
    const protectedBytes =
      mode === 'symmetric'
        ? protectSymKey(plaintext, key, { engine, timestamp })
        : protectPubKey(engine.sivKey(key), engine, plaintext, timestamp, signer.id, signer.privateKey);
    const observed = outcomeOf(() => client.unprotect(protectedBytes, topic));
    return {
      step: index + 1,
      action,
      description: `message under ${what} protected at ${timestamp}, received at ${now}.${nanos}`,
      now_unix: now,
      now_nanos: nanos,
      topic,
      plaintext_hex: hx(plaintext),
      protected_hex: hx(protectedBytes),
      protected_timestamp: timestamp,
      protected_under: what,
      observed,
    };
  });
  return {
    mode,
    topic,
    topic_hash_hex: hx(hashTopic(topic)),
    old_key_slot_hex: hx(oldKeySlot(hashTopic(topic))),
    t0_set_topic_key_k2: t0,
    k1_hex: hx(K1),
    k2_hex: hx(K2),
    k3_hex: hx(K3),
    command_key_hex: hx(commandKey),
    receiver:
      mode === 'symmetric'
        ? { name: symName, id_hex: hx(symId), client_sym_key_hex: hx(symKey) }
        : {
            name: receiver.name,
            id_hex: hx(receiver.id),
            ed25519_seed_hex: hx(receiver.seed),
            shared_command_key_hex: hx(receiverCommandKey),
          },
    sender:
      mode === 'symmetric'
        ? { note: 'symmetric senders hold only K1 / only K2 / only K3' }
        : {
            name: signer.name,
            id_hex: hx(signer.id),
            ed25519_public_key_hex: hx(signer.publicKey),
            note: 'registered on the receiver (SetPubKey) before step 1, not listed as a step',
          },
    steps: out,
  };
}

// ---- state files ----

function storedTopicKeys(client: E4Client): Record<string, string> {
  const state = JSON.parse(new TextDecoder().decode(client.exportState())) as { TopicKeys: Record<string, string> };
  return Object.fromEntries(
    Object.entries(state.TopicKeys ?? {}).map(([name, value]) => [name, hx(Buffer.from(value, 'base64'))]),
  );
}

async function stateFile(mode: 'symmetric' | 'pubkey') {
  const start = FIXED_TS + 9000;
  const owner = signer; // the public-key state file belongs to another client than identities.pubkey_client
  const c2Key = clientCommandKey(engine, owner.privateKey, c2Public);
  const afterC2 = clientCommandKey(engine, owner.privateKey, newC2Public);
  const [, unicode, , long] = TOPICS as [string, string, string, string];
  const plan: [name: string, plaintext: Uint8Array, key: Uint8Array][] =
    mode === 'symmetric'
      ? [
          ['SetTopicKey(main topic)', cmdSetTopicKey(K1, MAIN_TOPIC), symKey],
          ['SetTopicKey(long topic)', cmdSetTopicKey(KLONG, long), symKey],
          ['SetTopicKey(unicode topic)', cmdSetTopicKey(K2, unicode), symKey],
          ['RemoveTopic(unicode topic)', cmdRemoveTopic(unicode), symKey],
          ['SetIDKey(new_id_key)', cmdSetIdKey(newIdKey), symKey],
          ['SetTopicKey(main topic, same key) under the new id key', cmdSetTopicKey(K1, MAIN_TOPIC), newIdKey],
        ]
      : [
          ['SetTopicKey(unicode topic)', cmdSetTopicKey(K2, unicode), c2Key],
          ['SetPubKey(pubkey_client)', cmdSetPubKey(receiver.publicKey, receiver.name), c2Key],
          [`SetPubKey(${third.name})`, cmdSetPubKey(third.publicKey, third.name), c2Key],
          ['SetPubKey(unknown signer)', cmdSetPubKey(newEd.publicKey, 'unbekannter-Unterzeichner'), c2Key],
          ['RemovePubKey(unknown signer)', cmdRemovePubKey('unbekannter-Unterzeichner'), c2Key],
          ['SetC2Key(new_c2)', cmdSetC2Key(newC2Public), c2Key],
          ['SetTopicKey(main topic) under the new shared key', cmdSetTopicKey(KLONG, MAIN_TOPIC), afterC2],
          ['SetTopicKey(long topic)', cmdSetTopicKey(K1, long), afterC2],
          ['RemoveTopic(main topic)', cmdRemoveTopic(MAIN_TOPIC), afterC2],
        ];
  const store = new MemoryStateStore();
  const clock = { now: at(start) };
  const client = await E4Client.create(
    mode === 'symmetric'
      ? { mode, id: symId, key: symKey }
      : { mode, id: owner.id, privateKey: owner.privateKey, c2PublicKey: c2Public },
    { engine, store, clock: () => clock.now },
  );
  let file = new Uint8Array(); // e4go's file store rewrites from offset 0 and never truncates
  const steps = [];
  for (const [index, [name, plaintext, key]] of plan.entries()) {
    const now = start + index + 1;
    clock.now = at(now);
    const protectedBytes = protectSymKey(plaintext, key, { engine, timestamp: now });
    const result = client.unprotect(protectedBytes, client.receivingTopic);
    if (result.kind !== 'command') throw new Error(`${name}: not applied`);
    await result.saved;
    const saved = (await store.load()) as Uint8Array;
    const next = new Uint8Array(Math.max(file.length, saved.length));
    next.set(file);
    next.set(saved);
    file = next;
    steps.push({
      step: index + 1,
      name,
      now_unix: now,
      command_key_hex: hx(key),
      command_plaintext_hex: hx(plaintext),
      protected_hex: hx(protectedBytes),
      state_len_after: saved.length,
    });
  }
  const stateJson = new TextDecoder().decode((await store.load()) as Uint8Array);
  const topicNames = new Map(TOPICS.map((t) => [hx(hashTopic(t)), t]));
  return {
    name: mode === 'symmetric' ? 'symmetric_client_long_topics' : 'pubkey_client_other_owner',
    mode,
    initial_config:
      mode === 'symmetric'
        ? { name: symName, id_hex: hx(symId), client_sym_key_hex: hx(symKey) }
        : {
            name: owner.name,
            id_hex: hx(owner.id),
            ed25519_seed_hex: hx(owner.seed),
            c2_public_hex: hx(c2Public),
            third_client_name: third.name,
            third_client_ed25519_seed_hex: hx(third.seed),
            third_client_ed25519_public_hex: hx(third.publicKey),
          },
    commands: steps,
    state_json: stateJson,
    state_len_bytes: utf8Length(stateJson),
    file_store_bytes: new TextDecoder().decode(file),
    file_store_equals_in_memory: file.length === utf8Length(stateJson),
    fields_decoded: {
      ID_hex: hx(mode === 'symmetric' ? symId : owner.id),
      TopicKeys: Object.fromEntries(
        Object.entries(storedTopicKeys(client)).map(([hash, key]) => [
          hash,
          { key_hex: key, topic: topicNames.get(hash) },
        ]),
      ),
      ...(mode === 'pubkey' ? { shared_command_key_after_load_hex: hx(afterC2) } : {}),
    },
  };
}

// ---- the document ----

async function main(): Promise<void> {
  const out = process.argv[2] ?? fileURLToPath(new URL('data/e4c2-generated-vectors.json', import.meta.url));
  const e4go = JSON.parse(readFileSync(new URL('data/e4go-vectors.json', import.meta.url), 'utf8'));
  const sections = {
    id_alias: idAlias,
    topic_hash: topicHash,
    password_keys: passwordKeys,
    symmetric_messages_fixed: symmetricMessages(false),
    symmetric_messages_live: symmetricMessages(true),
    pubkey_messages_fixed: pubkeyMessages(false),
    pubkey_messages_live: pubkeyMessages(true),
    commands,
    negative,
    key_transition: {
      description:
        "e4go's key-transition steps (grace period, expiry, second rotation, RemoveTopic) at other instants.",
      sequences: [await keyTransition('symmetric'), await keyTransition('pubkey')],
    },
    state_files: [await stateFile('symmetric'), await stateFile('pubkey')],
  };
  const document = {
    meta: {
      generator: "test/vectors/generateVectors.ts: produced by e4c2's own library, not by e4go (see data/README.md)",
      fixed_timestamp: FIXED_TS,
      fixed_check_time: CHECK_TIME,
      generated_at_unix: LIVE_TS,
      hex: 'all *_hex fields are lowercase hex',
    },
    constants: e4go.constants,
    identities,
    counts: Object.fromEntries(
      Object.entries(sections).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.length : value.sequences.length,
      ]),
    ),
    ...sections,
  };
  writeFileSync(out, `${JSON.stringify(document, null, 1)}\n`);
  console.log(`wrote ${out}`);
}

await main();
