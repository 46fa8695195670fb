/**
 * Key material never shows: not in what a client prints (JSON, util.inspect), not in the message of any error the
 * library raises. "Shows" is checked strictly: no 10-character window of the hex, base64 or base64url form of any
 * secret key may appear.
 */
import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  c2CommandKey,
  cmdSetC2Key,
  cmdSetIdKey,
  cmdSetPubKey,
  cmdSetTopicKey,
  decodeState,
  E4Client,
  E4Error,
  encodeState,
  fixedClock,
  MemoryStateStore,
  protectCommand,
  protectSymKey,
  pureEngine,
  unprotectSymKey,
  utf8,
} from '../../../shared/e4/index.js';
import { e4goVectors, hex } from '../../support/vectors.js';

const v = e4goVectors();
const ids = v.identities;
const FIXED_TS: number = v.meta.fixed_timestamp;
const TOPIC: string = ids.topic;

const SYM_KEY = hex(ids.symmetric_client.client_sym_key_hex);
const TOPIC_KEY = hex(ids.topic_key_hex);
const TOPIC_KEY2 = hex(ids.topic_key2_hex);
const WRONG_KEY = hex(ids.wrong_key_hex);
const ED_PRIVATE = hex(ids.pubkey_client.ed25519_private_key_hex);
const SHARED_KEY = hex(ids.pubkey_client.shared_command_key_hex);
const C2_PRIVATE = hex(ids.c2.curve25519_private_hex);
const C2_PUBLIC = hex(ids.c2.curve25519_public_hex);
const NEW_ED_PRIVATE = hex(ids.new_ed25519_identity.private_key_hex);

const SECRETS: Uint8Array[] = [
  SYM_KEY,
  TOPIC_KEY,
  TOPIC_KEY2,
  WRONG_KEY,
  ED_PRIVATE,
  ED_PRIVATE.subarray(0, 32),
  SHARED_KEY,
  C2_PRIVATE,
  NEW_ED_PRIVATE,
  NEW_ED_PRIVATE.subarray(0, 32),
];

function fragmentsOf(key: Uint8Array): string[] {
  const buffer = Buffer.from(key);
  const forms = [
    buffer.toString('hex'),
    buffer.toString('hex').toUpperCase(),
    buffer.toString('base64'),
    buffer.toString('base64url'),
  ];
  return forms.flatMap((form) => Array.from({ length: form.length - 9 }, (_, i) => form.slice(i, i + 10)));
}

const FRAGMENTS = SECRETS.flatMap(fragmentsOf);

/** The fragments of secret keys found in a text (empty when it shows none). */
function leaks(text: string): string[] {
  return FRAGMENTS.filter((fragment) => text.includes(fragment));
}

async function caught(run: () => unknown): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

const command = (plaintext: Uint8Array, key: Uint8Array) => protectCommand(plaintext, key, { timestamp: FIXED_TS });

async function symmetricClient(): Promise<E4Client> {
  const client = await E4Client.create(
    { mode: 'symmetric', key: SYM_KEY, id: hex(ids.symmetric_client.id_hex) },
    { clock: fixedClock(FIXED_TS), store: new MemoryStateStore() },
  );
  const result = client.unprotect(command(cmdSetTopicKey(TOPIC_KEY, TOPIC), SYM_KEY), client.receivingTopic);
  if (result.kind === 'command') await result.saved;
  return client;
}

async function pubkeyClient(): Promise<E4Client> {
  const client = await E4Client.create(
    { mode: 'pubkey', privateKey: ED_PRIVATE, c2PublicKey: C2_PUBLIC, id: hex(ids.pubkey_client.id_hex) },
    { clock: fixedClock(FIXED_TS) },
  );
  const result = client.unprotect(command(cmdSetTopicKey(TOPIC_KEY2, TOPIC), SHARED_KEY), client.receivingTopic);
  if (result.kind === 'command') await result.saved;
  return client;
}

describe('secrets: what a client prints', () => {
  it('the check itself finds a key written in any of its forms', () => {
    // Act + Assess
    expect(leaks(`x${Buffer.from(TOPIC_KEY).toString('base64')}x`)).not.toEqual([]);
    expect(leaks(`x${Buffer.from(ED_PRIVATE.subarray(8, 20)).toString('hex')}x`)).not.toEqual([]);
    expect(leaks('e4/26e02b6bba30de43c4195e04bcedd488 hello')).toEqual([]);
  });

  for (const [mode, make] of [
    ['symmetric', symmetricClient],
    ['public-key', pubkeyClient],
  ] as const) {
    it(`a ${mode} client: JSON.stringify, util.inspect (all options), util.format and String show no key`, async () => {
      // Prepare
      const client = await make();

      // Act
      const printed = [
        JSON.stringify(client),
        JSON.stringify({ nested: [client] }),
        inspect(client),
        inspect(client, { showHidden: true, depth: Number.POSITIVE_INFINITY, getters: true }),
        inspect({ wrapper: client }, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
        format('%o %O %j %s', client, client, client, client),
        String(client),
      ];

      // Assess
      for (const text of printed) expect(leaks(text)).toEqual([]);
      expect(JSON.parse(JSON.stringify(client))).toMatchObject({ keys: '[redacted]' });
    });
  }
});

describe('secrets: error messages of failing paths', () => {
  /** [label, the failing call] */
  const paths: Array<[string, () => unknown]> = [
    [
      'a message under a wrong topic key',
      async () => {
        const client = await symmetricClient();
        client.unprotect(protectSymKey(utf8('hello'), WRONG_KEY, { timestamp: FIXED_TS }), TOPIC);
      },
    ],
    [
      'a command under a wrong key',
      async () => {
        const client = await symmetricClient();
        client.unprotect(command(cmdSetTopicKey(TOPIC_KEY2, TOPIC), WRONG_KEY), client.receivingTopic);
      },
    ],
    [
      'SetTopicKey with an all-zero key',
      async () => {
        const client = await symmetricClient();
        client.unprotect(command(cmdSetTopicKey(new Uint8Array(32), TOPIC), SYM_KEY), client.receivingTopic);
      },
    ],
    [
      'SetIDKey of 64 bytes on a symmetric client',
      async () => {
        const client = await symmetricClient();
        client.unprotect(command(cmdSetIdKey(NEW_ED_PRIVATE), SYM_KEY), client.receivingTopic);
      },
    ],
    [
      'SetIDKey with a mismatched Ed25519 key on a public-key client',
      async () => {
        const client = await pubkeyClient();
        const mismatched = new Uint8Array([...NEW_ED_PRIVATE.subarray(0, 32), ...ED_PRIVATE.subarray(32)]);
        client.unprotect(command(cmdSetIdKey(mismatched), SHARED_KEY), client.receivingTopic);
      },
    ],
    [
      'SetIDKey of 32 bytes on a public-key client',
      async () => {
        const client = await pubkeyClient();
        client.unprotect(command(cmdSetIdKey(NEW_ED_PRIVATE.subarray(0, 32)), SHARED_KEY), client.receivingTopic);
      },
    ],
    [
      'SetPubKey with a key that is not a curve point',
      async () => {
        const client = await pubkeyClient();
        const notAPoint = new Uint8Array(32).fill(0xff);
        notAPoint[31] = 0x7f;
        client.unprotect(command(cmdSetPubKey(notAPoint, 'peer'), SHARED_KEY), client.receivingTopic);
      },
    ],
    [
      'SetC2Key with an all-zero key',
      async () => {
        const client = await pubkeyClient();
        client.unprotect(command(cmdSetC2Key(new Uint8Array(32)), SHARED_KEY), client.receivingTopic);
      },
    ],
    [
      'a message signed by an unknown signer',
      async () => {
        const client = await pubkeyClient();
        client.unprotect(client.protectMessage(utf8('hello'), TOPIC), TOPIC);
      },
    ],
    ['create with a 31-byte symmetric key', () => E4Client.create({ mode: 'symmetric', key: SYM_KEY.subarray(1) })],
    [
      'create with a private key whose halves do not match',
      () =>
        E4Client.create({
          mode: 'pubkey',
          privateKey: new Uint8Array([...ED_PRIVATE.subarray(0, 32), ...NEW_ED_PRIVATE.subarray(32)]),
          c2PublicKey: C2_PUBLIC,
        }),
    ],
    ['protectSymKey with a 33-byte key', () => protectSymKey(utf8('x'), new Uint8Array([...TOPIC_KEY, 1]))],
    [
      'unprotectSymKey under a wrong key',
      () =>
        unprotectSymKey(protectSymKey(utf8('hello'), TOPIC_KEY, { timestamp: FIXED_TS }), WRONG_KEY, {
          now: { seconds: FIXED_TS, nanos: 0 },
        }),
    ],
    ['C2 command key from a low-order client key', () => c2CommandKey(pureEngine, C2_PRIVATE, new Uint8Array(32))],
  ];

  /** Invalid state documents built from a valid public-key document holding the secrets above. */
  const pubkeyDocument = new TextDecoder().decode(
    encodeState({
      id: hex(ids.pubkey_client.id_hex),
      topicKeys: [['a8e2b4f8d3dcd5fcab7895e743427050', TOPIC_KEY]],
      identity: {
        mode: 'pubkey',
        privateKey: ED_PRIVATE,
        signerId: hex(ids.pubkey_client.id_hex),
        c2PublicKey: C2_PUBLIC,
        pubKeys: new Map(),
      },
      receivingTopic: 'e4/x',
    }),
  );
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  const documents: Array<[string, string]> = [
    ['private key truncated', pubkeyDocument.replace(b64(ED_PRIVATE), b64(ED_PRIVATE.subarray(0, 48)))],
    [
      'private key with a wrong public half',
      pubkeyDocument.replace(
        b64(ED_PRIVATE),
        b64(new Uint8Array([...ED_PRIVATE.subarray(0, 32), ...NEW_ED_PRIVATE.subarray(32)])),
      ),
    ],
    ['private key with a bad character', pubkeyDocument.replace(b64(ED_PRIVATE), `${b64(ED_PRIVATE).slice(0, -2)}!=`)],
    ['topic key of 33 bytes', pubkeyDocument.replace(b64(TOPIC_KEY), b64(new Uint8Array([...TOPIC_KEY, 9])))],
    ['topic key not base64', pubkeyDocument.replace(b64(TOPIC_KEY), `${b64(TOPIC_KEY)}x`)],
    ['keyType 7', pubkeyDocument.replace('"keyType":1', '"keyType":7')],
    ['C2 key missing', pubkeyDocument.replace(/"C2PubKey":"[^"]*",/, '')],
    ['document cut in the private key', pubkeyDocument.slice(0, pubkeyDocument.indexOf(b64(ED_PRIVATE)) + 30)],
    ['a key without its quotes (malformed JSON)', pubkeyDocument.replace(`"${b64(TOPIC_KEY)}"`, b64(TOPIC_KEY))],
  ];

  for (const [label, document] of documents) {
    paths.push([`decodeState: ${label}`, () => decodeState(document)]);
    paths.push([`E4Client.load: ${label}`, () => E4Client.load({ store: new MemoryStateStore(utf8(document)) })]);
  }

  for (const [label, run] of paths) {
    it(`${label}: the error shows no key material`, async () => {
      // Act
      const error = await caught(run);

      // Assess
      expect(error).toBeInstanceOf(Error);
      expect(leaks(error.message)).toEqual([]);
      expect(leaks(String(error))).toEqual([]);
      expect(leaks(JSON.stringify(error))).toEqual([]);
      if (error instanceof E4Error && error.cause instanceof E4Error) {
        expect(leaks(error.cause.message)).toEqual([]);
      }
      // util.inspect prints the cause chain too (decodeState drops JSON.parse's error, which quotes the document).
      expect(leaks(inspect(error))).toEqual([]);
    });
  }

  it('every path above fails with an E4Error', async () => {
    // Act
    const errors = await Promise.all(paths.map(([, run]) => caught(run)));

    // Assess
    expect(
      errors.flatMap((error, i) => (error instanceof E4Error ? [] : [`${paths[i]![0]}: ${error.message}`])),
    ).toEqual([]);
  });
});
