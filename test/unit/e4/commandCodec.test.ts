/**
 * The command codec against e4go's plaintexts: one table of golden bytes (the `command_plaintext_hex` of the vectors'
 * `commands` section), each row checked for decode, encode and round trip, as mqtt-packet's `testParseGenerate`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
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
  E4Error,
  E4ErrorCode,
  encodeCommand,
  Opcode,
} from '../../../shared/e4/index.js';
import { e4goVectors, hex } from '../../support/vectors.js';

const vectors = e4goVectors();

// biome-ignore lint/suspicious/noExplicitAny: vector entries are loosely typed data
function vector(name: string): any {
  const found = vectors.commands.find((c: { name: string }) => c.name === name);
  if (!found) throw new Error(`no command vector named ${name}`);
  return found;
}

const plaintext = (name: string): Uint8Array => hex(vector(name).command_plaintext_hex);
const arg = (name: string, field: string): Uint8Array => hex(vector(name).args[field]);

interface GoldenRow {
  readonly vector: string;
  readonly command: Command;
}

/** Each command built from the vector's arguments (not from its bytes); the bytes are e4go's. */
const golden: GoldenRow[] = [
  {
    vector: 'sym_RemoveTopic',
    command: { type: 'RemoveTopic', topicHash: arg('sym_RemoveTopic', 'topic_hash_hex') },
  },
  { vector: 'sym_ResetTopics', command: { type: 'ResetTopics' } },
  { vector: 'sym_SetIDKey', command: { type: 'SetIDKey', key: arg('sym_SetIDKey', 'new_key_hex') } },
  {
    vector: 'pub_SetIDKey',
    command: { type: 'SetIDKey', key: arg('pub_SetIDKey', 'new_ed25519_private_key_hex') },
  },
  {
    vector: 'sym_SetTopicKey',
    command: {
      type: 'SetTopicKey',
      key: arg('sym_SetTopicKey', 'topic_key_hex'),
      topicHash: arg('sym_SetTopicKey', 'topic_hash_hex'),
    },
  },
  {
    vector: 'pub_SetTopicKey_rotation',
    command: {
      type: 'SetTopicKey',
      key: arg('pub_SetTopicKey_rotation', 'topic_key_hex'),
      topicHash: arg('pub_SetTopicKey_rotation', 'topic_hash_hex'),
    },
  },
  { vector: 'pub_RemovePubKey', command: { type: 'RemovePubKey', id: arg('pub_RemovePubKey', 'id_hex') } },
  { vector: 'pub_ResetPubKeys', command: { type: 'ResetPubKeys' } },
  {
    vector: 'pub_SetPubKey',
    command: {
      type: 'SetPubKey',
      publicKey: arg('pub_SetPubKey', 'ed25519_public_key_hex'),
      id: arg('pub_SetPubKey', 'id_hex'),
    },
  },
  {
    vector: 'pub_SetC2Key',
    command: { type: 'SetC2Key', publicKey: arg('pub_SetC2Key', 'c2_curve25519_public_hex') },
  },
];

describe('command codec: golden bytes from e4go', () => {
  it('the table covers all eight commands and both SetIDKey sizes', () => {
    // Act
    const types = new Set(golden.map((row) => row.command.type));
    const idKeyLengths = golden.flatMap((row) => (row.command.type === 'SetIDKey' ? [row.command.key.length] : []));

    // Assess
    expect([...types].sort()).toEqual(Object.keys(Opcode).sort());
    expect(idKeyLengths.sort((a, b) => a - b)).toEqual([32, 64]);
  });

  for (const row of golden) {
    const bytes = plaintext(row.vector);

    it(`${row.vector}: decode(bytes) equals the command`, () => {
      // Act
      const decoded = decodeCommand(bytes);

      // Assess
      expect(decoded).toEqual(row.command);
    });

    it(`${row.vector}: encode(command) equals the bytes`, () => {
      // Act
      const encoded = encodeCommand(row.command);

      // Assess
      expect(encoded).toEqual(bytes);
    });

    it(`${row.vector}: opcode byte and length`, () => {
      // Act
      const encoded = encodeCommand(row.command);

      // Assess
      expect(encoded[0]).toBe(vector(row.vector).opcode);
      expect(encoded[0]).toBe(Opcode[row.command.type]);
    });
  }

  it('every vector of the commands section (both modes) decodes to its opcode and re-encodes to the same bytes', () => {
    for (const entry of vectors.commands as Array<{ name: string; opcode: number; command_plaintext_hex: string }>) {
      // Prepare
      const bytes = hex(entry.command_plaintext_hex);

      // Act
      const decoded = decodeCommand(bytes);
      const encoded = encodeCommand(decoded);

      // Assess
      expect(Opcode[decoded.type], entry.name).toBe(entry.opcode);
      expect(entry.name.endsWith(decoded.type) || entry.name.includes(`_${decoded.type}_`), entry.name).toBe(true);
      expect(encoded, entry.name).toEqual(bytes);
    }
  });

  it('decoded fields are copies: changing the input afterwards does not change the command', () => {
    // Prepare
    const bytes = plaintext('sym_SetTopicKey');
    const expected = golden.find((row) => row.vector === 'sym_SetTopicKey')!.command;
    const decoded = decodeCommand(bytes);

    // Act
    bytes.fill(0);

    // Assess
    expect(decoded).toEqual(expected);
  });
});

describe('command codec: decode errors (E4Error with e4go messages)', () => {
  const sized = (opcode: number, argLength: number): Uint8Array => {
    const bytes = new Uint8Array(1 + argLength).fill(0x5a);
    bytes[0] = opcode;
    return bytes;
  };

  // [label, bytes, code, message]
  const rows: Array<[string, Uint8Array, string, string]> = [
    ['empty', new Uint8Array(0), E4ErrorCode.InvalidCommand, 'invalid command'],
    ['unknown opcode 0x08', new Uint8Array([0x08]), E4ErrorCode.InvalidCommand, 'invalid command'],
    [
      'unknown opcode 0xff with an argument',
      new Uint8Array([0xff, 0x00]),
      E4ErrorCode.InvalidCommand,
      'invalid command',
    ],
    ['unknown opcode 0x80', sized(0x80, 32), E4ErrorCode.InvalidCommand, 'invalid command'],
    ['RemoveTopic, 15 bytes', sized(0x00, 15), E4ErrorCode.InvalidCommandLength, 'invalid RemoveTopic length'],
    ['RemoveTopic, 17 bytes', sized(0x00, 17), E4ErrorCode.InvalidCommandLength, 'invalid RemoveTopic length'],
    ['ResetTopics, 1 byte', sized(0x01, 1), E4ErrorCode.InvalidCommandLength, 'invalid ResetTopics length'],
    ['SetIDKey, no key', sized(0x02, 0), E4ErrorCode.InvalidCommandLength, 'invalid SetIDKey length'],
    ['SetIDKey, 31 bytes', sized(0x02, 31), E4ErrorCode.InvalidCommandLength, 'invalid SetIDKey length'],
    ['SetIDKey, 33 bytes', sized(0x02, 33), E4ErrorCode.InvalidCommandLength, 'invalid SetIDKey length'],
    ['SetIDKey, 48 bytes', sized(0x02, 48), E4ErrorCode.InvalidCommandLength, 'invalid SetIDKey length'],
    ['SetIDKey, 63 bytes', sized(0x02, 63), E4ErrorCode.InvalidCommandLength, 'invalid SetIDKey length'],
    ['SetIDKey, 65 bytes', sized(0x02, 65), E4ErrorCode.InvalidCommandLength, 'invalid SetIDKey length'],
    ['SetTopicKey, 47 bytes', sized(0x03, 47), E4ErrorCode.InvalidCommandLength, 'invalid SetTopicKey length'],
    ['SetTopicKey, 49 bytes', sized(0x03, 49), E4ErrorCode.InvalidCommandLength, 'invalid SetTopicKey length'],
    ['SetTopicKey, key only', sized(0x03, 32), E4ErrorCode.InvalidCommandLength, 'invalid SetTopicKey length'],
    ['RemovePubKey, 15 bytes', sized(0x04, 15), E4ErrorCode.InvalidCommandLength, 'invalid RemovePubKey length'],
    ['RemovePubKey, 17 bytes', sized(0x04, 17), E4ErrorCode.InvalidCommandLength, 'invalid RemovePubKey length'],
    ['ResetPubKeys, 1 byte', sized(0x05, 1), E4ErrorCode.InvalidCommandLength, 'invalid ResetPubKeys length'],
    ['SetPubKey, 47 bytes', sized(0x06, 47), E4ErrorCode.InvalidCommandLength, 'invalid SetPubKey length'],
    ['SetPubKey, 49 bytes', sized(0x06, 49), E4ErrorCode.InvalidCommandLength, 'invalid SetPubKey length'],
    ['SetC2Key, 31 bytes', sized(0x07, 31), E4ErrorCode.InvalidCommandLength, 'invalid SetC2Key length'],
    ['SetC2Key, 33 bytes', sized(0x07, 33), E4ErrorCode.InvalidCommandLength, 'invalid SetC2Key length'],
  ];

  for (const [label, bytes, code, message] of rows) {
    it(`${label} -> ${code} "${message}"`, () => {
      // Act
      let thrown: unknown;
      try {
        decodeCommand(bytes);
      } catch (error) {
        thrown = error;
      }

      // Assess
      expect(thrown).toBeInstanceOf(E4Error);
      expect((thrown as E4Error).code).toBe(code);
      expect((thrown as E4Error).message).toBe(message);
    });
  }

  it("the vectors' bad commands fail with the error e4go returned", () => {
    // Prepare: negative command vectors that are about the plaintext (not the key or the timestamp)
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array([0x08]), 'invalid command'],
      [new Uint8Array([0xff, 0x00]), 'invalid command'],
      [sized(0x03, 47), 'invalid SetTopicKey length'],
      [new Uint8Array([0x01, 0x00]), 'invalid ResetTopics length'],
    ];
    const names = (vectors.negative as Array<{ name: string; expected_error: string }>)
      .filter((n) => n.name.startsWith('cmd_unknown_opcode') || n.name.startsWith('cmd_bad_length'))
      .map((n) => n.expected_error)
      .sort();

    // Act
    const messages = cases.map(([bytes]) => {
      try {
        decodeCommand(bytes);
        return 'ok';
      } catch (error) {
        return (error as Error).message;
      }
    });

    // Assess
    expect(messages).toEqual(cases.map(([, message]) => message));
    expect([...messages].sort()).toEqual(names);
  });

  it('never throws anything but an E4Error, and what it accepts re-encodes to the same bytes', () => {
    const lengths = fc.constantFrom(0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65);
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 80 }),
      fc
        .tuple(fc.integer({ min: 0, max: 8 }), lengths)
        .chain(([op, n]) => fc.uint8Array({ minLength: n, maxLength: n }).map((a) => Uint8Array.of(op, ...a))),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        // Act
        let decoded: Command | undefined;
        try {
          decoded = decodeCommand(bytes);
        } catch (error) {
          // Assess (failure path)
          expect(error).toBeInstanceOf(E4Error);
          return;
        }

        // Assess (success path)
        expect(encodeCommand(decoded)).toEqual(bytes);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('command codec: encode errors', () => {
  const bytes = (n: number): Uint8Array => new Uint8Array(n).fill(7);

  const wrongSizes: Array<[string, Command]> = [
    ['RemoveTopic with a 15-byte hash', { type: 'RemoveTopic', topicHash: bytes(15) }],
    ['RemoveTopic with a 32-byte hash', { type: 'RemoveTopic', topicHash: bytes(32) }],
    ['SetIDKey with a 31-byte key', { type: 'SetIDKey', key: bytes(31) }],
    ['SetIDKey with a 48-byte key', { type: 'SetIDKey', key: bytes(48) }],
    ['SetIDKey with an empty key', { type: 'SetIDKey', key: bytes(0) }],
    ['SetTopicKey with a 31-byte key', { type: 'SetTopicKey', key: bytes(31), topicHash: bytes(16) }],
    ['SetTopicKey with a 17-byte hash', { type: 'SetTopicKey', key: bytes(32), topicHash: bytes(17) }],
    ['RemovePubKey with a 17-byte id', { type: 'RemovePubKey', id: bytes(17) }],
    ['SetPubKey with a 33-byte key', { type: 'SetPubKey', publicKey: bytes(33), id: bytes(16) }],
    ['SetPubKey with a 15-byte id', { type: 'SetPubKey', publicKey: bytes(32), id: bytes(15) }],
    ['SetC2Key with a 64-byte key', { type: 'SetC2Key', publicKey: bytes(64) }],
  ];

  for (const [label, command] of wrongSizes) {
    it(`${label} -> RangeError`, () => {
      // Act + Assess
      expect(() => encodeCommand(command)).toThrow(RangeError);
    });
  }

  it('a field that is not a Uint8Array, or an unknown type -> TypeError', () => {
    // Prepare
    const notBytes = { type: 'SetC2Key', publicKey: Array.from(bytes(32)) } as unknown as Command;
    const missing = { type: 'SetTopicKey', key: bytes(32) } as unknown as Command;
    const unknown = { type: 'Reboot' } as unknown as Command;

    // Act + Assess
    expect(() => encodeCommand(notBytes)).toThrow(TypeError);
    expect(() => encodeCommand(missing)).toThrow(TypeError);
    expect(() => encodeCommand(unknown)).toThrow(TypeError);
  });
});

describe("command builders: e4go's Cmd* functions", () => {
  const ids = vectors.identities;

  const cases: Array<[string, () => Uint8Array, string]> = [
    ['cmdRemoveTopic(topic)', () => cmdRemoveTopic(vector('sym_RemoveTopic').args.topic), 'sym_RemoveTopic'],
    ['cmdResetTopics()', () => cmdResetTopics(), 'sym_ResetTopics'],
    ['cmdSetIdKey(32-byte key)', () => cmdSetIdKey(hex(ids.new_id_key_hex)), 'sym_SetIDKey'],
    [
      'cmdSetIdKey(64-byte Ed25519 key)',
      () => cmdSetIdKey(hex(ids.new_ed25519_identity.private_key_hex)),
      'pub_SetIDKey',
    ],
    [
      'cmdSetTopicKey(key, topic)',
      () => cmdSetTopicKey(hex(ids.topic_key_hex), vector('sym_SetTopicKey').args.topic),
      'sym_SetTopicKey',
    ],
    [
      'cmdSetTopicKey(second key, topic)',
      () => cmdSetTopicKey(hex(ids.topic_key2_hex), vector('sym_SetTopicKey_rotation').args.topic),
      'sym_SetTopicKey_rotation',
    ],
    ['cmdRemovePubKey(name)', () => cmdRemovePubKey(vector('pub_RemovePubKey').args.name), 'pub_RemovePubKey'],
    ['cmdResetPubKeys()', () => cmdResetPubKeys(), 'pub_ResetPubKeys'],
    [
      'cmdSetPubKey(publicKey, name)',
      () => cmdSetPubKey(hex(ids.pubkey_client.ed25519_public_key_hex), vector('pub_SetPubKey').args.name),
      'pub_SetPubKey',
    ],
    ['cmdSetC2Key(c2PublicKey)', () => cmdSetC2Key(hex(ids.new_c2.curve25519_public_hex)), 'pub_SetC2Key'],
  ];

  for (const [label, build, name] of cases) {
    it(`${label} equals the plaintext of ${name}`, () => {
      // Act
      const built = build();

      // Assess
      expect(built).toEqual(plaintext(name));
    });
  }

  it('builders reject wrong key sizes with a RangeError', () => {
    // Act + Assess
    expect(() => cmdSetTopicKey(new Uint8Array(16), 'a/b')).toThrow(RangeError);
    expect(() => cmdSetC2Key(new Uint8Array(31))).toThrow(RangeError);
    expect(() => cmdSetPubKey(new Uint8Array(64), 'x')).toThrow(RangeError);
    expect(() => cmdSetIdKey(new Uint8Array(40))).toThrow(RangeError);
  });

  it('cmdRemoveTopic hashes a unicode topic as UTF-8 (the state-file vector)', () => {
    // Prepare: step 4 of the symmetric state-file sequence removes the unicode topic
    const steps = vectors.state_files[0].commands as Array<{ name: string; command_plaintext_hex: string }>;
    const step = steps.find((s) => s.name === 'RemoveTopic(unicode topic)')!;

    // Act
    const built = cmdRemoveTopic('Ünïcødé/トピック');

    // Assess
    expect(built).toEqual(hex(step.command_plaintext_hex));
  });
});
