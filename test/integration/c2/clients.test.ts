/** Client use cases over the local adapters (dynalite, keyring file, aedes). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { countClients, getClient, listClients } from '../../../shared/c2/clients/readClients.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import {
  bytesToHex,
  deriveSymKey,
  hashIdAlias,
  randomEd25519KeyPair,
  randomKey,
  toBase64,
} from '../../../shared/e4/index.js';
import { inIdOrder } from '../../contract/keyStore.contract.js';
import { callerOf } from '../../support/callerOf.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';

const TENANT = 'tenant-a';
const NOW = Date.parse('2026-11-23T10:00:00.000Z');
let c2: LocalC2;

beforeAll(async () => {
  c2 = await startLocalC2({ clock: () => NOW });
});
afterAll(async () => {
  await c2?.close();
});

/** The key stored for a client, as the C2 will use it to protect commands. */
async function storedKey(name: string): Promise<Uint8Array> {
  const record = await c2.deps.store.getClient(TENANT, name);
  return c2.deps.vault.unwrap(record!.wrappedKey, {
    tenantId: TENANT,
    kind: 'client',
    name,
    version: record!.keyVersion,
  });
}

describe('createClient', () => {
  it('draws keys from the injected random source (clock, ids and randomness are injectable)', async () => {
    // Prepare
    const drawn: number[] = [];
    const random = (length: number) => {
      drawn.push(length);
      return Uint8Array.from({ length }, (_, i) => (i * 7 + drawn.length) & 0xff);
    };

    // Act
    const created = await createClient({ ...c2.deps, random }, callerOf(TENANT), {
      name: 'device-seeded',
      mode: 'symmetric',
      generateKey: true,
    });

    // Assess
    expect(drawn[0]).toBe(32);
    expect(created.key).toEqual(Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 1) & 0xff));
  });

  it('enrols a symmetric client from its key: the E4 id of its name, the key stored wrapped, never shown', async () => {
    // Prepare
    const key = randomKey();

    // Act
    const created = await createClient(c2.deps, callerOf(TENANT), {
      name: 'device-key',
      mode: 'symmetric',
      key: key.slice(),
    });

    // Assess
    expect(created).toEqual({
      client: {
        name: 'device-key',
        id: bytesToHex(hashIdAlias('device-key')),
        mode: 'symmetric',
        keyVersion: 1,
        createdAt: '2026-11-23T10:00:00.000Z',
        updatedAt: '2026-11-23T10:00:00.000Z',
      },
    });
    expect(await storedKey('device-key')).toEqual(key);
    const record = await c2.deps.store.getClient(TENANT, 'device-key');
    expect(bytesToHex(record!.wrappedKey)).not.toContain(bytesToHex(key));
  });

  it('from a password: the key is the e4go Argon2i derivation', async () => {
    const password = 'correct horse battery staple';
    await createClient(c2.deps, callerOf(TENANT), { name: 'device-password', mode: 'symmetric', password });
    expect(await storedKey('device-password')).toEqual(deriveSymKey(password));
  });

  it('with a generated key: returned once, the same as stored', async () => {
    const created = await createClient(c2.deps, callerOf(TENANT), {
      name: 'device-generated',
      mode: 'symmetric',
      generateKey: true,
    });
    expect(created.key).toHaveLength(32);
    expect(await storedKey('device-generated')).toEqual(created.key);
    expect(JSON.stringify(await getClient(c2.deps, callerOf(TENANT), 'device-generated'))).not.toContain(
      toBase64(created.key!),
    );
  });

  it('a public-key client from its Ed25519 public key', async () => {
    const { publicKey } = randomEd25519KeyPair();
    const created = await createClient(c2.deps, callerOf(TENANT), { name: 'device-pubkey', mode: 'pubkey', publicKey });
    expect(created.client.mode).toBe('pubkey');
    expect(await storedKey('device-pubkey')).toEqual(publicKey);
  });

  it('an existing name is ALREADY_EXISTS and the stored key is unchanged (E4 replaced it silently)', async () => {
    const key = randomKey();
    await createClient(c2.deps, callerOf(TENANT), { name: 'device-once', mode: 'symmetric', key: key.slice() });
    const again = await codeOfAsync(() =>
      createClient(c2.deps, callerOf(TENANT), { name: 'device-once', mode: 'symmetric', key: randomKey() }),
    );
    expect(again).toBe(C2ErrorCode.AlreadyExists);
    expect(await storedKey('device-once')).toEqual(key);
  });

  it.each([
    ['an empty name', { name: '', mode: 'symmetric', key: randomKey() }],
    ['a name of 256 bytes', { name: 'é'.repeat(128), mode: 'symmetric', key: randomKey() }],
    ['a lone surrogate in the name', { name: 'a\ud800', mode: 'symmetric', key: randomKey() }],
    ['a short key', { name: 'x', mode: 'symmetric', key: new Uint8Array(31) }],
    ['an all-zero key', { name: 'x', mode: 'symmetric', key: new Uint8Array(32) }],
    ['a key that is not bytes', { name: 'x', mode: 'symmetric', key: 'abc' }],
    ['a short password', { name: 'x', mode: 'symmetric', password: 'short' }],
    ['no key at all', { name: 'x', mode: 'symmetric' }],
    ['an unknown mode', { name: 'x', mode: 'quantum', key: randomKey() }],
    ['a public key of small order', { name: 'x', mode: 'pubkey', publicKey: Uint8Array.of(1, ...new Uint8Array(31)) }],
  ])('refuses %s with INVALID_INPUT, storing nothing', async (_label, input) => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed input
    const code = await codeOfAsync(() => createClient(c2.deps, callerOf(TENANT), input as any));
    expect(code).toBe(C2ErrorCode.InvalidInput);
    expect(await c2.deps.store.getClient(TENANT, 'x')).toBeUndefined();
  });
});

describe('getClient, listClients, countClients', () => {
  it('reads one client; NOT_FOUND for another name', async () => {
    await createClient(c2.deps, callerOf('tenant-read'), { name: 'one', mode: 'symmetric', generateKey: true });
    expect((await getClient(c2.deps, callerOf('tenant-read'), 'one')).name).toBe('one');
    expect(await codeOfAsync(() => getClient(c2.deps, callerOf('tenant-read'), 'two'))).toBe(C2ErrorCode.NotFound);
  });

  it('lists in id order with cursors, counts, and refuses a limit out of 1..100', async () => {
    const tenant = 'tenant-list';
    for (const name of ['c', 'a', 'b'])
      await createClient(c2.deps, callerOf(tenant), { name, mode: 'symmetric', generateKey: true });
    const first = await listClients(c2.deps, callerOf(tenant), { limit: 2 });
    const second = await listClients(c2.deps, callerOf(tenant), { limit: 2, cursor: first.cursor! });
    expect([...first.items, ...second.items].map((c) => c.name)).toEqual(inIdOrder(['a', 'b', 'c']));
    expect(second.cursor).toBeUndefined();
    expect(await countClients(c2.deps, callerOf(tenant))).toBe(3);
    expect(await codeOfAsync(() => listClients(c2.deps, callerOf(tenant), { limit: 101 }))).toBe(
      C2ErrorCode.InvalidInput,
    );
  });
});
