/**
 * E4Client: creation in its four configurations, restoring from a store, options, argument checks, the results of
 * unprotect, and persistence of every change, checked against e4go's vectors where they exist.
 */
import { describe, expect, it } from 'vitest';
import {
  bytesToHex,
  type ClientOptions,
  type CryptoEngine,
  c2CommandKey,
  cmdRemoveTopic,
  cmdResetTopics,
  cmdSetPubKey,
  cmdSetTopicKey,
  decodeState,
  E4Client,
  E4Error,
  E4ErrorCode,
  fixedClock,
  hashIdAlias,
  MemoryStateStore,
  protectCommand,
  pureEngine,
  type StateStore,
  utf8,
} from '../../../shared/e4/index.js';
import { nodeEngine } from '../../../shared/e4/node/index.js';
import { e4goVectors, hex } from '../../support/vectors.js';
import { withoutWatermarks } from '../../support/watermarks.js';

const v = e4goVectors();
const ids = v.identities;
const FIXED_TS: number = v.meta.fixed_timestamp;
const TOPIC: string = ids.topic;
const TOPIC_KEY = hex(ids.topic_key_hex);
const SYM_KEY = hex(ids.symmetric_client.client_sym_key_hex);
const CLIENT_ID = hex(ids.symmetric_client.id_hex);
const CLIENT_NAME: string = ids.symmetric_client.name;
const ED_PRIVATE = hex(ids.pubkey_client.ed25519_private_key_hex);
const ED_PUBLIC = hex(ids.pubkey_client.ed25519_public_key_hex);
const C2_PUBLIC = hex(ids.c2.curve25519_public_hex);
const SHARED_KEY = hex(ids.pubkey_client.shared_command_key_hex);
const PASSWORD = v.password_keys[0];
const SLOW = 30_000; // Argon2i with 64 MiB takes about a second per derivation

// biome-ignore lint/suspicious/noExplicitAny: vector entries are loosely typed data
const named = (list: any[], name: string): any => list.find((entry) => entry.name === name);
const SYM_MESSAGE = named(v.symmetric_messages_fixed, 'sym_pattern_16');
const PUB_MESSAGE = named(v.pubkey_messages_fixed, 'pub_pattern_16');

/** A store that keeps a copy of every document saved, in order. */
class RecordingStore implements StateStore {
  readonly documents: string[] = [];

  async load(): Promise<Uint8Array | undefined> {
    const last = this.documents.at(-1);
    return last === undefined ? undefined : utf8(last);
  }

  async save(document: Uint8Array): Promise<void> {
    this.documents.push(new TextDecoder().decode(document));
  }
}

const failingStore = (what: 'load' | 'save'): StateStore => ({
  load: async () => {
    if (what === 'load') throw new Error('unreadable');
    return undefined;
  },
  save: async () => {
    if (what === 'save') throw new Error('read-only');
  },
});

async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

async function e4Code(run: () => unknown): Promise<string> {
  const error = await failure(run);
  if (!(error instanceof E4Error)) throw error;
  return error.code;
}

function applyCommand(client: E4Client, command: Uint8Array, key: Uint8Array): Promise<void> {
  const result = client.unprotect(protectCommand(command, key, { timestamp: FIXED_TS }), client.receivingTopic);
  if (result.kind !== 'command') throw new Error('expected a command');
  return result.saved;
}

const atFixedTime = (options: ClientOptions = {}): ClientOptions => ({ clock: fixedClock(FIXED_TS), ...options });

describe('E4Client.create: symmetric key', () => {
  it('with an id: that id, its control topic, and e4go bytes for commands and messages', async () => {
    // Prepare
    const store = new RecordingStore();

    // Act
    const client = await E4Client.create({ mode: 'symmetric', key: SYM_KEY, id: CLIENT_ID }, atFixedTime({ store }));
    const command = client.unprotect(hex(named(v.commands, 'sym_SetTopicKey').protected_hex), client.receivingTopic);
    const protectedMessage = client.protectMessage(hex(SYM_MESSAGE.plaintext_hex), TOPIC);

    // Assess
    expect(client.id).toEqual(CLIENT_ID);
    expect(client.mode).toBe('symmetric');
    expect(client.receivingTopic).toBe(`e4/${ids.symmetric_client.id_hex}`);
    expect(client.publicKey).toBeUndefined();
    expect(command.kind).toBe('command');
    expect(bytesToHex(protectedMessage)).toBe(SYM_MESSAGE.protected_hex);
    expect(store.documents.length).toBeGreaterThanOrEqual(1);
    const first = decodeState(store.documents[0]!);
    expect(first.id).toEqual(CLIENT_ID);
    expect(first.identity).toEqual({ mode: 'symmetric', key: SYM_KEY });
    expect(first.topicKeys).toEqual([]);
  });

  it('with a name: the id is HashIDAlias(name)', async () => {
    // Act
    const client = await E4Client.create({ mode: 'symmetric', key: SYM_KEY, name: CLIENT_NAME });

    // Assess
    expect(bytesToHex(client.id)).toBe(ids.symmetric_client.id_hex);
    expect(client.receivingTopic).toBe(ids.symmetric_client.receiving_topic);
  });

  it('with the empty name: the id is HashIDAlias("")', async () => {
    // Prepare
    const alias = v.id_alias.find((a: { name: string }) => a.name === '');

    // Act
    const client = await E4Client.create({ mode: 'symmetric', key: SYM_KEY, name: '' });

    // Assess
    expect(bytesToHex(client.id)).toBe(alias.id_hex);
  });

  it('without an id (or with an empty one): a random 16-byte id', async () => {
    // Act
    const a = await E4Client.create({ mode: 'symmetric', key: SYM_KEY });
    const b = await E4Client.create({ mode: 'symmetric', key: SYM_KEY, id: new Uint8Array(0) });

    // Assess
    expect(a.id).toHaveLength(16);
    expect(b.id).toHaveLength(16);
    expect(bytesToHex(a.id)).not.toBe(bytesToHex(b.id));
    expect(a.receivingTopic).toBe(`e4/${bytesToHex(a.id)}`);
  });

  it('accepts an id of any length, as e4go SymIDAndKey does', async () => {
    // Act
    const client = await E4Client.create({ mode: 'symmetric', key: SYM_KEY, id: new Uint8Array([1, 2, 3, 4, 5]) });

    // Assess
    expect(client.id).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    expect(client.receivingTopic).toBe('e4/0102030405');
  });

  it('copies the key and the id it is given', async () => {
    // Prepare
    const key = SYM_KEY.slice();
    const id = CLIENT_ID.slice();
    const client = await E4Client.create({ mode: 'symmetric', key, id }, atFixedTime());

    // Act
    key.fill(1);
    id.fill(1);
    client.id.fill(2);
    const saved = applyCommand(client, cmdSetTopicKey(TOPIC_KEY, TOPIC), SYM_KEY);

    // Assess
    await expect(saved).resolves.toBeUndefined();
    expect(client.id).toEqual(CLIENT_ID);
  });
});

describe('E4Client.create: symmetric password', () => {
  it(
    'derives the key with Argon2i and the id from the name',
    async () => {
      // Prepare
      const store = new RecordingStore();

      // Act
      const client = await E4Client.create(
        { mode: 'symmetric', name: 'alice', password: PASSWORD.password },
        atFixedTime({ store }),
      );
      const saved = applyCommand(client, cmdSetTopicKey(TOPIC_KEY, TOPIC), hex(PASSWORD.derive_sym_key_hex));

      // Assess
      await expect(saved).resolves.toBeUndefined();
      expect(client.id).toEqual(hashIdAlias('alice'));
      expect(client.hasTopicKey(TOPIC)).toBe(true);
      const state = decodeState(store.documents[0]!);
      expect(state.identity.mode === 'symmetric' && bytesToHex(state.identity.key)).toBe(PASSWORD.derive_sym_key_hex);
    },
    SLOW,
  );

  it('refuses a password shorter than 16 bytes before deriving anything', async () => {
    // Prepare
    const short = v.password_keys.find((p: { password: string }) => p.password === 'short');

    // Act
    const error = await failure(() => E4Client.create({ mode: 'symmetric', name: 'alice', password: short.password }));

    // Assess
    expect(error).toMatchObject({ code: E4ErrorCode.InvalidPassword, message: short.derive_sym_key_error });
  });
});

describe('E4Client.create: public key', () => {
  it('with a key and an id: signs as e4go, and takes commands under the X25519 shared key', async () => {
    // Prepare
    const store = new RecordingStore();

    // Act
    const client = await E4Client.create(
      { mode: 'pubkey', privateKey: ED_PRIVATE, c2PublicKey: C2_PUBLIC, id: CLIENT_ID },
      atFixedTime({ store }),
    );
    const command = client.unprotect(hex(named(v.commands, 'pub_SetTopicKey').protected_hex), client.receivingTopic);
    const protectedMessage = client.protectMessage(hex(PUB_MESSAGE.plaintext_hex), TOPIC);

    // Assess
    expect(client.mode).toBe('pubkey');
    expect(client.id).toEqual(CLIENT_ID);
    expect(client.publicKey).toEqual(ED_PUBLIC);
    expect(command.kind).toBe('command');
    expect(bytesToHex(protectedMessage)).toBe(PUB_MESSAGE.protected_hex);
    const first = decodeState(store.documents[0]!);
    expect(first.identity).toEqual({
      mode: 'pubkey',
      privateKey: ED_PRIVATE,
      signerId: CLIENT_ID,
      c2PublicKey: C2_PUBLIC,
      pubKeys: new Map(),
    });
  });

  it('with a name: the id is HashIDAlias(name)', async () => {
    // Act
    const client = await E4Client.create({
      mode: 'pubkey',
      privateKey: ED_PRIVATE,
      c2PublicKey: C2_PUBLIC,
      name: ids.pubkey_client.name,
    });

    // Assess
    expect(bytesToHex(client.id)).toBe(ids.pubkey_client.id_hex);
  });

  it('without an id: a random 16-byte id', async () => {
    // Act
    const client = await E4Client.create({ mode: 'pubkey', privateKey: ED_PRIVATE, c2PublicKey: C2_PUBLIC });

    // Assess
    expect(client.id).toHaveLength(16);
  });

  for (const length of [1, 15, 17, 32]) {
    it(`refuses an id of ${length} bytes with INVALID_ID`, async () => {
      // Prepare
      const id = new Uint8Array(length).fill(1);

      // Act
      const code = await e4Code(() =>
        E4Client.create({ mode: 'pubkey', privateKey: ED_PRIVATE, c2PublicKey: C2_PUBLIC, id }),
      );

      // Assess
      expect(code).toBe(E4ErrorCode.InvalidId);
    });
  }

  it(
    'from a password: the Ed25519 key seeded by Argon2i, the id from the name',
    async () => {
      // Act
      const client = await E4Client.create({
        mode: 'pubkey',
        name: 'bob',
        password: PASSWORD.password,
        c2PublicKey: C2_PUBLIC,
      });

      // Assess
      expect(bytesToHex(client.publicKey!)).toBe(PASSWORD.ed25519_public_key_hex);
      expect(client.id).toEqual(hashIdAlias('bob'));
    },
    SLOW,
  );
});

describe('E4Client.create: invalid configurations', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a symmetric key of 31 bytes', { mode: 'symmetric', key: SYM_KEY.subarray(1) }, E4ErrorCode.InvalidKey],
    ['an all-zero symmetric key', { mode: 'symmetric', key: new Uint8Array(32) }, E4ErrorCode.InvalidKey],
    [
      'a private key whose public half is not its seed',
      {
        mode: 'pubkey',
        privateKey: new Uint8Array([...ED_PRIVATE.subarray(0, 32), ...C2_PUBLIC]),
        c2PublicKey: C2_PUBLIC,
      },
      E4ErrorCode.InvalidKey,
    ],
    [
      'a 32-byte private key',
      { mode: 'pubkey', privateKey: ED_PRIVATE.subarray(0, 32), c2PublicKey: C2_PUBLIC },
      E4ErrorCode.InvalidKey,
    ],
    [
      'an all-zero C2 key',
      { mode: 'pubkey', privateKey: ED_PRIVATE, c2PublicKey: new Uint8Array(32) },
      E4ErrorCode.InvalidKey,
    ],
  ];

  for (const [label, config, code] of cases) {
    it(`refuses ${label} with ${code}`, async () => {
      // Act
      const actual = await e4Code(() => E4Client.create(config as Parameters<typeof E4Client.create>[0]));

      // Assess
      expect(actual).toBe(code);
    });
  }

  const typeErrors: Array<[string, unknown, ClientOptions?]> = [
    ['no config', undefined],
    ['an unknown mode', { mode: 'quantum', key: SYM_KEY }],
    ['both an id and a name', { mode: 'symmetric', key: SYM_KEY, id: CLIENT_ID, name: 'x' }],
    ['a name that is not a string', { mode: 'symmetric', key: SYM_KEY, name: 42 }],
    ['an id that is not bytes', { mode: 'symmetric', key: SYM_KEY, id: 'abc' }],
    ['a symmetric key that is not bytes', { mode: 'symmetric', key: ids.symmetric_client.client_sym_key_hex }],
    ['a missing C2 key', { mode: 'pubkey', privateKey: ED_PRIVATE }],
    ['a password configuration without a name', { mode: 'symmetric', password: 'a password of 16+ bytes' }],
    ['an empty receiving topic', { mode: 'symmetric', key: SYM_KEY }, { receivingTopic: '' }],
  ];

  for (const [label, config, options] of typeErrors) {
    it(`throws a TypeError for ${label}`, async () => {
      // Act
      const error = await failure(() => E4Client.create(config as Parameters<typeof E4Client.create>[0], options));

      // Assess
      expect(error).toBeInstanceOf(TypeError);
    });
  }

  it('throws a RangeError for a negative or fractional future tolerance', async () => {
    // Act
    const negative = await failure(() =>
      E4Client.create({ mode: 'symmetric', key: SYM_KEY }, { futureToleranceSeconds: -1 }),
    );
    const fractional = await failure(() =>
      E4Client.create({ mode: 'symmetric', key: SYM_KEY }, { futureToleranceSeconds: 0.5 }),
    );

    // Assess
    expect(negative).toBeInstanceOf(RangeError);
    expect(fractional).toBeInstanceOf(RangeError);
  });

  it('rejects with STORAGE_FAILED when the first state cannot be saved', async () => {
    // Act
    const error = await failure(() =>
      E4Client.create({ mode: 'symmetric', key: SYM_KEY }, { store: failingStore('save') }),
    );

    // Assess
    expect(error).toMatchObject({ code: E4ErrorCode.StorageFailed });
    expect(((error as E4Error).cause as Error).message).toBe('read-only');
  });
});

describe('E4Client.load and loadOrCreate', () => {
  it('a symmetric client loaded from the store of another behaves the same', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const original = await E4Client.create({ mode: 'symmetric', key: SYM_KEY, id: CLIENT_ID }, atFixedTime({ store }));
    await applyCommand(original, cmdSetTopicKey(TOPIC_KEY, TOPIC), SYM_KEY);
    await applyCommand(original, cmdSetTopicKey(hex(ids.topic_key2_hex), 'second/topic'), SYM_KEY);
    const payload = utf8('same behaviour');

    // Act
    const loaded = await E4Client.load(atFixedTime({ store }) as ClientOptions & { store: StateStore });

    // Assess
    expect(loaded.id).toEqual(original.id);
    expect(loaded.mode).toBe('symmetric');
    expect(loaded.receivingTopic).toBe(original.receivingTopic);
    expect(loaded.topicCount).toBe(2);
    expect(loaded.protectMessage(payload, TOPIC)).toEqual(original.protectMessage(payload, TOPIC));
    expect(loaded.unprotect(original.protectMessage(payload, 'second/topic'), 'second/topic')).toEqual({
      kind: 'message',
      payload,
    });
    await expect(applyCommand(loaded, cmdResetTopics(), SYM_KEY)).resolves.toBeUndefined();
    expect(loaded.topicCount).toBe(0);
  });

  for (const engine of [pureEngine, nodeEngine] as CryptoEngine[]) {
    it(`a public-key client loaded from the store of another behaves the same (${engine.name} engine)`, async () => {
      // Prepare
      const store = new MemoryStateStore();
      const options = atFixedTime({ store, engine });
      const original = await E4Client.create(
        { mode: 'pubkey', privateKey: ED_PRIVATE, c2PublicKey: C2_PUBLIC, id: CLIENT_ID },
        options,
      );
      await applyCommand(original, cmdSetTopicKey(TOPIC_KEY, TOPIC), SHARED_KEY);
      await applyCommand(original, cmdSetPubKey(ED_PUBLIC, CLIENT_NAME), SHARED_KEY);
      const payload = utf8('signed and sealed');

      // Act
      const loaded = await E4Client.load(options as ClientOptions & { store: StateStore });

      // Assess
      expect(loaded.mode).toBe('pubkey');
      expect(loaded.publicKey).toEqual(ED_PUBLIC);
      expect(loaded.protectMessage(payload, TOPIC)).toEqual(original.protectMessage(payload, TOPIC));
      expect(loaded.unprotect(original.protectMessage(payload, TOPIC), TOPIC)).toEqual({ kind: 'message', payload });
      await expect(applyCommand(loaded, cmdRemoveTopic(TOPIC), SHARED_KEY)).resolves.toBeUndefined();
      expect(loaded.hasTopicKey(TOPIC)).toBe(false);
    });
  }

  it('load of an empty store -> INVALID_STATE', async () => {
    // Act
    const code = await e4Code(() => E4Client.load({ store: new MemoryStateStore() }));

    // Assess
    expect(code).toBe(E4ErrorCode.InvalidState);
  });

  it('load of a store holding something else than a state -> INVALID_STATE', async () => {
    // Act
    const code = await e4Code(() => E4Client.load({ store: new MemoryStateStore(utf8('{"hello":"world"}')) }));

    // Assess
    expect(code).toBe(E4ErrorCode.InvalidState);
  });

  it('load of a store that cannot be read -> STORAGE_FAILED', async () => {
    // Act
    const error = await failure(() => E4Client.load({ store: failingStore('load') }));

    // Assess
    expect(error).toMatchObject({ code: E4ErrorCode.StorageFailed });
    expect(((error as E4Error).cause as Error).message).toBe('unreadable');
  });

  it('loadOrCreate creates (and saves) a client when the store is empty', async () => {
    // Prepare
    const store = new RecordingStore();

    // Act
    const client = await E4Client.loadOrCreate({ mode: 'symmetric', key: SYM_KEY, name: 'first-boot' }, { store });

    // Assess
    expect(client.id).toEqual(hashIdAlias('first-boot'));
    expect(store.documents).toHaveLength(1);
    expect(decodeState(store.documents[0]!).id).toEqual(hashIdAlias('first-boot'));
  });

  it('loadOrCreate loads the saved client when the config matches it', async () => {
    // Prepare
    const store = new RecordingStore();
    await E4Client.create({ mode: 'symmetric', key: SYM_KEY, name: 'saved' }, { store });

    // Act
    const client = await E4Client.loadOrCreate({ mode: 'symmetric', key: SYM_KEY, name: 'saved' }, { store });

    // Assess
    expect(client.id).toEqual(hashIdAlias('saved'));
    expect(store.documents).toHaveLength(1);
  });

  it('loadOrCreate refuses a config that contradicts the saved client (STATE_MISMATCH), saving nothing', async () => {
    // Prepare
    const store = new RecordingStore();
    await E4Client.create({ mode: 'symmetric', key: SYM_KEY, name: 'saved' }, { store });

    // Act
    const loading = E4Client.loadOrCreate({ mode: 'symmetric', key: hex(ids.wrong_key_hex), name: 'other' }, { store });

    // Assess
    await expect(loading).rejects.toMatchObject({ code: E4ErrorCode.StateMismatch });
    expect(store.documents).toHaveLength(1);
  });
});

describe('E4Client: receivingTopic option', () => {
  const CONTROL = 'devices/sensor-1/e4';

  it('takes commands on the given control topic; e4/<id> is then an ordinary topic', async () => {
    // Prepare
    const client = await E4Client.create(
      { mode: 'symmetric', key: SYM_KEY, id: CLIENT_ID },
      atFixedTime({ receivingTopic: CONTROL }),
    );
    const command = protectCommand(cmdSetTopicKey(TOPIC_KEY, TOPIC), SYM_KEY, { timestamp: FIXED_TS });

    // Act
    const onDefault = await e4Code(() => client.unprotect(command, `e4/${bytesToHex(CLIENT_ID)}`));
    const onControl = client.unprotect(command, CONTROL);

    // Assess
    expect(client.receivingTopic).toBe(CONTROL);
    expect(client.isReceivingTopic(CONTROL)).toBe(true);
    expect(client.isReceivingTopic(`e4/${bytesToHex(CLIENT_ID)}`)).toBe(false);
    expect(onDefault).toBe(E4ErrorCode.TopicKeyNotFound);
    expect(onControl.kind).toBe('command');
    expect(client.hasTopicKey(TOPIC)).toBe(true);
  });

  it('is saved: a loaded client keeps it, whatever option the load is given', async () => {
    // Prepare
    const store = new RecordingStore();
    await E4Client.create({ mode: 'symmetric', key: SYM_KEY }, { store, receivingTopic: CONTROL });

    // Act
    const loaded = await E4Client.load({ store, receivingTopic: 'something/else' });

    // Assess
    expect(decodeState(store.documents[0]!).receivingTopic).toBe(CONTROL);
    expect(loaded.receivingTopic).toBe(CONTROL);
  });
});

describe('E4Client: protect and unprotect', () => {
  async function symmetricClient(store: StateStore = new MemoryStateStore()): Promise<E4Client> {
    const client = await E4Client.create({ mode: 'symmetric', key: SYM_KEY, id: CLIENT_ID }, atFixedTime({ store }));
    await applyCommand(client, cmdSetTopicKey(TOPIC_KEY, TOPIC), SYM_KEY);
    return client;
  }

  it('rejects arguments of the wrong type with a TypeError', async () => {
    // Prepare
    const client = await symmetricClient();
    const bytes = new Uint8Array(40);
    const calls: Array<() => unknown> = [
      () => client.protectMessage('hello' as unknown as Uint8Array, TOPIC),
      () => client.protectMessage([1, 2, 3] as unknown as Uint8Array, TOPIC),
      () => client.protectMessage(new Uint16Array(4) as unknown as Uint8Array, TOPIC),
      () => client.protectMessage(bytes, 42 as unknown as string),
      () => client.protectMessage(bytes, undefined as unknown as string),
      () => client.unprotect('hello' as unknown as Uint8Array, TOPIC),
      () => client.unprotect(null as unknown as Uint8Array, TOPIC),
      () => client.unprotect(bytes, Symbol('t') as unknown as string),
      () => client.unprotect(bytes, null as unknown as string),
    ];

    for (const call of calls) {
      // Act
      const error = await failure(call);

      // Assess
      expect(error).toBeInstanceOf(TypeError);
    }
  });

  it('accepts a Buffer (a Uint8Array subclass) as payload', async () => {
    // Prepare
    const client = await symmetricClient();

    // Act
    const frame = client.protectMessage(Buffer.from('from a buffer'), TOPIC);
    const result = client.unprotect(Buffer.from(frame), TOPIC);

    // Assess
    expect(result).toEqual({ kind: 'message', payload: utf8('from a buffer') });
  });

  it('protectMessage and unprotect on a topic without a key -> TOPIC_KEY_NOT_FOUND', async () => {
    // Prepare
    const client = await symmetricClient();
    const frame = client.protectMessage(utf8('x'), TOPIC);

    // Act
    const protectError = await failure(() => client.protectMessage(utf8('x'), 'no/such/topic'));
    const unprotectError = await failure(() => client.unprotect(frame, 'no/such/topic'));

    // Assess
    expect(protectError).toMatchObject({ code: E4ErrorCode.TopicKeyNotFound, message: 'topic key not found' });
    expect(unprotectError).toMatchObject({ code: E4ErrorCode.TopicKeyNotFound, message: 'topic key not found' });
  });

  it('unprotect returns { kind: "message", payload } for a message', async () => {
    // Prepare
    const client = await E4Client.create(
      { mode: 'symmetric', key: SYM_KEY, id: CLIENT_ID },
      { clock: fixedClock(v.meta.fixed_check_time) },
    );
    await applyCommand(client, cmdSetTopicKey(TOPIC_KEY, TOPIC), SYM_KEY);

    // Act
    const result = client.unprotect(hex(SYM_MESSAGE.protected_hex), TOPIC);

    // Assess
    expect(result).toEqual({ kind: 'message', payload: hex(SYM_MESSAGE.plaintext_hex) });
  });

  it('unprotect returns { kind: "command", command, saved } for a command; saved resolves once it is stored', async () => {
    // Prepare
    const store = new RecordingStore();
    const client = await symmetricClient(store);
    const before = store.documents.length;

    // Act
    const result = client.unprotect(
      protectCommand(cmdRemoveTopic(TOPIC), SYM_KEY, { timestamp: FIXED_TS }),
      client.receivingTopic,
    );

    // Assess
    expect(result.kind).toBe('command');
    if (result.kind !== 'command') return;
    expect(result.command).toBe('RemoveTopic');
    expect(result.saved).toBeInstanceOf(Promise);
    await result.saved;
    expect(store.documents).toHaveLength(before + 1);
    expect(decodeState(store.documents.at(-1)!).topicKeys).toEqual([]);
    expect(client.hasTopicKey(TOPIC)).toBe(false);
  });

  it('a command that fails changes and saves nothing', async () => {
    // Prepare
    const store = new RecordingStore();
    const client = await symmetricClient(store);
    const saves = store.documents.length;
    const underWrongKey = protectCommand(cmdResetTopics(), hex(ids.wrong_key_hex), { timestamp: FIXED_TS });
    const zeroTopicKey = protectCommand(cmdSetTopicKey(new Uint8Array(32), TOPIC), SYM_KEY, { timestamp: FIXED_TS });
    const pubkeyOnly = protectCommand(cmdSetPubKey(ED_PUBLIC, 'x'), SYM_KEY, { timestamp: FIXED_TS });

    // Act
    const codes = [
      await e4Code(() => client.unprotect(underWrongKey, client.receivingTopic)),
      await e4Code(() => client.unprotect(zeroTopicKey, client.receivingTopic)),
      await e4Code(() => client.unprotect(pubkeyOnly, client.receivingTopic)),
    ];
    await client.flush();

    // Assess
    expect(codes).toEqual([E4ErrorCode.AuthenticationFailed, E4ErrorCode.InvalidKey, E4ErrorCode.UnsupportedOperation]);
    expect(store.documents).toHaveLength(saves);
    expect(client.topicCount).toBe(1);
  });

  it('flush() resolves once every change so far is saved, even when nobody awaited them', async () => {
    // Prepare
    const store = new RecordingStore();
    const client = await E4Client.create({ mode: 'symmetric', key: SYM_KEY, id: CLIENT_ID }, atFixedTime({ store }));

    // Act
    for (let i = 0; i < 5; i++) {
      client.unprotect(
        protectCommand(cmdSetTopicKey(TOPIC_KEY, `topic/${i}`), SYM_KEY, { timestamp: FIXED_TS }),
        client.receivingTopic,
      );
    }
    await client.flush();

    // Assess
    expect(decodeState(store.documents.at(-1)!).topicKeys).toHaveLength(5);
    expect(client.topicCount).toBe(5);
  });

  it('flush() rejects with STORAGE_FAILED when the store fails, and the command promise too', async () => {
    // Prepare
    let failing = false;
    const store: StateStore = {
      load: async () => undefined,
      save: async () => {
        if (failing) throw new Error('disk gone');
      },
    };
    const client = await E4Client.create({ mode: 'symmetric', key: SYM_KEY, id: CLIENT_ID }, atFixedTime({ store }));
    failing = true;

    // Act
    const saved = applyCommand(client, cmdSetTopicKey(TOPIC_KEY, TOPIC), SYM_KEY);
    const flushError = await failure(() => client.flush());
    const savedError = await failure(() => saved);
    failing = false;
    await client.flush();

    // Assess
    expect(flushError).toMatchObject({ code: E4ErrorCode.StorageFailed });
    expect(savedError).toMatchObject({ code: E4ErrorCode.StorageFailed });
    expect(client.hasTopicKey(TOPIC)).toBe(true); // applied in memory; saved by the retry
  });
});

describe("E4Client: e4go's state-file sequences, every change saved in order", () => {
  for (const file of v.state_files) {
    for (const engine of [pureEngine, nodeEngine] as CryptoEngine[]) {
      it(`${file.name} (${engine.name} engine): each save has e4go's length, and the last is e4go's document`, async () => {
        // Prepare
        const store = new RecordingStore();
        let now = 0;
        const clock = () => ({ seconds: now, nanos: 0 });
        const init = file.initial_config;
        const config =
          file.mode === 'symmetric'
            ? ({ mode: 'symmetric', key: hex(init.client_sym_key_hex), id: hex(init.id_hex) } as const)
            : ({
                mode: 'pubkey',
                privateKey: hex(ids.pubkey_client.ed25519_private_key_hex),
                c2PublicKey: hex(init.c2_public_hex),
                id: hex(init.id_hex),
              } as const);
        const client = await E4Client.create(config, { store, clock, engine });
        const afterCreate = store.documents.length;

        // Act
        const lengths: number[] = [];
        for (const step of file.commands) {
          now = step.now_unix;
          const result = client.unprotect(hex(step.protected_hex), client.receivingTopic);
          if (result.kind !== 'command') throw new Error(`step ${step.step} is not a command`);
          await result.saved;
          lengths.push(utf8(withoutWatermarks(store.documents.at(-1)!)).length);
        }

        // Assess
        expect(store.documents.length - afterCreate).toBe(file.commands.length);
        expect(lengths).toEqual(file.commands.map((step: { state_len_after: number }) => step.state_len_after));
        // (the library's watermarks of these recent commands follow e4go's fields; e4go ignores them)
        expect(withoutWatermarks(store.documents.at(-1)!)).toBe(file.state_json);
      });
    }
  }
});

describe('E4Client: public keys of small order are refused', () => {
  // The identity point as a signer key would let anyone forge: with A = O, S = r and R = rB verify for any message.
  const identityPoint = new Uint8Array(32);
  identityPoint[0] = 1;

  it.each([pureEngine, nodeEngine].map((e) => [e.name, e] as const))(
    'SetPubKey with the identity point -> INVALID_KEY, nothing stored (%s)',
    async (_name, engine: CryptoEngine) => {
      // Prepare
      const client = await E4Client.create(
        { mode: 'pubkey', id: hex(ids.pubkey_client.id_hex), privateKey: ED_PRIVATE, c2PublicKey: C2_PUBLIC },
        atFixedTime({ engine }),
      );
      const command = protectCommand(cmdSetPubKey(identityPoint, 'forger'), SHARED_KEY, { timestamp: FIXED_TS });

      // Act
      const code = await e4Code(async () => client.unprotect(command, client.receivingTopic));

      // Assess
      expect(code).toBe(E4ErrorCode.InvalidKey);
      const state = decodeState(client.exportState());
      expect(state.identity.mode === 'pubkey' && state.identity.pubKeys.size).toBe(0);
    },
  );

  it('the C2 side refuses to derive a command key for such a client (INVALID_KEY, not a crash)', () => {
    // Act / Assess
    for (const engine of [pureEngine, nodeEngine]) {
      expect(() => c2CommandKey(engine, hex(ids.c2.curve25519_private_hex), identityPoint)).toThrowError(
        expect.objectContaining({ code: E4ErrorCode.InvalidKey }),
      );
    }
  });
});
