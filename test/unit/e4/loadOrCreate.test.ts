/**
 * E4Client.loadOrCreate is honest about what it loads: a configuration that contradicts the saved client is refused
 * with STATE_MISMATCH (naming what differs, never a key), an identity or C2 key the C2 replaced by command is
 * expected to differ, and a function configuration is called only when nothing is saved.
 */
import { describe, expect, it } from 'vitest';
import {
  c2CommandKey,
  cmdSetC2Key,
  cmdSetIdKey,
  E4Client,
  E4Error,
  E4ErrorCode,
  hashIdAlias,
  MemoryStateStore,
  protectCommand,
  pureEngine,
  randomEd25519KeyPair,
  randomKey,
  x25519PublicKey,
} from '../../../shared/e4/index.js';

const SLOW = 30_000; // Argon2i with 64 MiB

async function refusal(loading: Promise<unknown>): Promise<E4Error> {
  const error = await loading.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(E4Error);
  expect((error as E4Error).code).toBe(E4ErrorCode.StateMismatch);
  return error as E4Error;
}

describe('E4Client.loadOrCreate with a configuration', () => {
  it('refuses a saved symmetric client whose key differs, naming the field and never the key', async () => {
    // Prepare: a first run saved device-0001 with one key; the second run comes with another
    const store = new MemoryStateStore();
    const [first, second] = [randomKey(), randomKey()];
    await E4Client.loadOrCreate({ mode: 'symmetric', name: 'device-0001', key: first }, { store });
    const saved = await store.load();

    // Act
    const error = await refusal(
      E4Client.loadOrCreate({ mode: 'symmetric', name: 'device-0001', key: second }, { store }),
    );

    // Assess
    expect(error.message).toContain('(key)');
    for (const key of [first, second]) {
      expect(error.message).not.toContain(Buffer.from(key).toString('hex'));
      expect(error.message).not.toContain(Buffer.from(key).toString('base64'));
    }
    expect(await store.load()).toEqual(saved);
  });

  it.each([
    ['name', { name: 'device-0002' }],
    ['id', { id: hashIdAlias('device-0002') }],
  ])('refuses a saved client of another %s', async (field, identity) => {
    // Prepare
    const store = new MemoryStateStore();
    const key = randomKey();
    await E4Client.create({ mode: 'symmetric', name: 'device-0001', key }, { store });

    // Act
    const error = await refusal(E4Client.loadOrCreate({ mode: 'symmetric', key, ...identity }, { store }));

    // Assess
    expect(error.message).toContain(`(${field})`);
  });

  it('refuses a saved client of the other mode, and another control topic', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const key = randomKey();
    await E4Client.create({ mode: 'symmetric', name: 'device-0001', key }, { store });
    const pubkey = {
      mode: 'pubkey',
      name: 'device-0001',
      privateKey: randomEd25519KeyPair().privateKey,
      c2PublicKey: x25519PublicKey(randomKey()),
    } as const;

    // Act
    const otherMode = await refusal(E4Client.loadOrCreate(pubkey, { store }));
    const otherTopic = await refusal(
      E4Client.loadOrCreate({ mode: 'symmetric', name: 'device-0001', key }, { store, receivingTopic: 'x/e4' }),
    );

    // Assess
    expect(otherMode.message).toContain('(mode)');
    expect(otherTopic.message).toContain('(receivingTopic)');
  });

  it('refuses a saved public-key client of another private key or C2 key', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const config = {
      mode: 'pubkey',
      name: 'device-0001',
      privateKey: randomEd25519KeyPair().privateKey,
      c2PublicKey: x25519PublicKey(randomKey()),
    } as const;
    await E4Client.create(config, { store });
    const otherPrivate = { ...config, privateKey: randomEd25519KeyPair().privateKey };

    // Act
    const both = await refusal(
      E4Client.loadOrCreate({ ...otherPrivate, c2PublicKey: x25519PublicKey(randomKey()) }, { store }),
    );
    const loaded = await E4Client.loadOrCreate(config, { store });

    // Assess
    expect(both.message).toContain('(privateKey, c2PublicKey)');
    expect(loaded.publicKey).toEqual(config.privateKey.subarray(32));
  });

  it('loads a client whose identity key the C2 replaced (SetIDKey), with the key it was created with', async () => {
    // Prepare: created with `key`, then the C2 sends a new identity key
    const store = new MemoryStateStore();
    const key = randomKey();
    const config = { mode: 'symmetric', name: 'device-0001', key } as const;
    const client = await E4Client.loadOrCreate(config, { store });
    const applied = client.unprotect(protectCommand(cmdSetIdKey(randomKey()), key), client.receivingTopic);
    if (applied.kind === 'command') await applied.saved;

    // Act
    const reloaded = await E4Client.loadOrCreate(config, { store });

    // Assess
    expect(reloaded.id).toEqual(client.id);
  });

  it('loads a public-key client whose C2 key the C2 replaced (SetC2Key)', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const c2Private = randomKey();
    const { privateKey, publicKey } = randomEd25519KeyPair();
    const config = {
      mode: 'pubkey',
      name: 'device-0001',
      privateKey,
      c2PublicKey: x25519PublicKey(c2Private),
    } as const;
    const client = await E4Client.loadOrCreate(config, { store });
    const newC2 = x25519PublicKey(randomKey());
    const command = protectCommand(cmdSetC2Key(newC2), c2CommandKey(pureEngine, c2Private, publicKey));
    const applied = client.unprotect(command, client.receivingTopic);
    if (applied.kind === 'command') await applied.saved;

    // Act
    const reloaded = await E4Client.loadOrCreate(config, { store });

    // Assess
    expect(reloaded.id).toEqual(client.id);
  });

  it('matches any saved id when the configuration has neither id nor name (a random id)', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const key = randomKey();
    const first = await E4Client.loadOrCreate({ mode: 'symmetric', key }, { store });

    // Act
    const second = await E4Client.loadOrCreate({ mode: 'symmetric', key }, { store });

    // Assess
    expect(second.id).toEqual(first.id);
  });

  it(
    'compares a password configuration through the key it derives',
    async () => {
      // Prepare
      const store = new MemoryStateStore();
      const config = { mode: 'symmetric', name: 'device-0001', password: 'correct horse battery staple' } as const;
      await E4Client.loadOrCreate(config, { store });

      // Act
      const same = await E4Client.loadOrCreate(config, { store });
      const other = await refusal(
        E4Client.loadOrCreate({ ...config, password: 'another password of some length' }, { store }),
      );

      // Assess
      expect(same.id).toEqual(hashIdAlias('device-0001'));
      expect(other.message).toContain('(password)');
    },
    SLOW,
  );
});

describe('E4Client.loadOrCreate with a function', () => {
  it('calls it only when nothing is saved, and loads the saved client as it is', async () => {
    // Prepare
    const store = new MemoryStateStore();
    let calls = 0;
    const makeConfig = () => {
      calls++;
      return { mode: 'symmetric', name: 'device-0001', key: randomKey() } as const;
    };

    // Act
    const first = await E4Client.loadOrCreate(makeConfig, { store });
    const second = await E4Client.loadOrCreate(makeConfig, { store });
    const third = await E4Client.loadOrCreate(async () => makeConfig(), { store });

    // Assess
    expect(calls).toBe(1);
    expect(second.id).toEqual(first.id);
    expect(third.exportState()).toEqual(first.exportState());
  });

  it('awaits an async function on the first run', async () => {
    // Prepare
    const store = new MemoryStateStore();

    // Act
    const client = await E4Client.loadOrCreate(
      async () => ({ mode: 'symmetric', name: 'from-provisioning', key: randomKey() }) as const,
      { store },
    );

    // Assess
    expect(client.id).toEqual(hashIdAlias('from-provisioning'));
    expect(await store.load()).toBeDefined();
  });
});
