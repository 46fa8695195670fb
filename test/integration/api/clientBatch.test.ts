/**
 * `POST /v1/clients/batch` over the local adapters: a result per item, keys shown once, and idempotent (a batch run
 * again after an interruption answers `exists` for what it created with a key it gave, `exists_unverified` for a
 * generated key, `failed` for a name held with another key or mode); malformed batches refused whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomEd25519KeyPair, randomKey, toBase64 } from '../../../shared/e4/index.js';
import { recordSecretsIn } from '../../support/recordedSecrets.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-batch' });
});
afterAll(async () => {
  await api?.close();
});

const batch = async (clients: unknown[]) => {
  const answer = await api.call('POST', '/v1/clients/batch', { body: { clients } });
  recordSecretsIn(answer.json);
  return answer;
};

describe('POST /v1/clients/batch', () => {
  it('creates each item, answers each result, and answers exists when run again', async () => {
    // Prepare
    const key = toBase64(randomKey());
    const publicKey = toBase64(randomEd25519KeyPair().publicKey);
    const items = [
      { name: 'batch-key', key },
      { name: 'batch-password', password: 'a long enough password' },
      { name: 'batch-generated', generateKey: true },
      { name: 'batch-pubkey', mode: 'pubkey', publicKey },
    ];

    // Act
    const first = await batch(items);
    const again = await batch(items);

    // Assess
    expect(first.status, first.raw).toBe(200);
    expect(first.json.counts).toEqual({ created: 4, exists: 0, existsUnverified: 0, failed: 0 });
    expect(first.json.results.map((r: { name: string; status: string }) => `${r.name} ${r.status}`)).toEqual(
      items.map((item) => `${item.name} created`),
    );
    expect(first.json.results[2].key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(first.json.results[0].key).toBeUndefined();
    expect(first.json.results[3].client).toMatchObject({ name: 'batch-pubkey', mode: 'pubkey', keyVersion: 1 });
    expect(again.status, again.raw).toBe(200);
    expect(again.json.counts).toEqual({ created: 0, exists: 3, existsUnverified: 1, failed: 0 });
    expect(again.json.results.map((r: { status: string }) => r.status)).toEqual([
      'exists',
      'exists',
      'exists_unverified',
      'exists',
    ]);
    expect(again.json.results[2].client).toMatchObject({ name: 'batch-generated', mode: 'symmetric' });
    expect(again.raw).not.toContain('"key"');
    expect(again.raw).not.toContain('"mqtt"');
    expect((await api.call('GET', '/v1/stats')).json.clients).toBe(4);
  });

  it('fails only the items that cannot be: another key, another mode, a bad key', async () => {
    // Prepare
    const key = toBase64(randomKey());
    expect((await batch([{ name: 'held', key }])).json.counts.created).toBe(1);

    // Act
    const answer = await batch([
      { name: 'held', key: toBase64(randomKey()) },
      { name: 'held', mode: 'pubkey', publicKey: toBase64(randomEd25519KeyPair().publicKey) },
    ]).catch((error) => error);
    const mixed = await batch([
      { name: 'held', key: toBase64(randomKey()) },
      { name: 'fresh', key },
    ]);
    const otherMode = await batch([
      { name: 'held', mode: 'pubkey', publicKey: toBase64(randomEd25519KeyPair().publicKey) },
    ]);
    const pubkeyHeld = await batch([
      { name: 'held-pubkey', mode: 'pubkey', publicKey: toBase64(randomEd25519KeyPair().publicKey) },
    ]);
    const generatedOverPubkey = await batch([{ name: 'held-pubkey', generateKey: true }]);

    // Assess
    expect([answer.status, errorCodeOf(answer)]).toEqual([400, 'INVALID_INPUT']);
    expect(answer.json.error.message).toContain('given twice');
    expect(mixed.json.counts).toEqual({ created: 1, exists: 0, existsUnverified: 0, failed: 1 });
    expect(mixed.json.results[0]).toEqual({
      name: 'held',
      status: 'failed',
      error: { code: 'ALREADY_EXISTS', message: 'client "held" exists with another key' },
    });
    expect(otherMode.json.results[0].error.message).toBe('client "held" exists with another mode');
    expect(pubkeyHeld.json.counts.created).toBe(1);
    expect(generatedOverPubkey.json.results[0]).toEqual({
      name: 'held-pubkey',
      status: 'failed',
      error: { code: 'ALREADY_EXISTS', message: 'client "held-pubkey" exists with another mode' },
    });
  });

  it('refuses a malformed batch whole, creating nothing', async () => {
    // Act
    const empty = await batch([]);
    const tooMany = await batch(Array.from({ length: 101 }, (_, i) => ({ name: `many-${i}`, generateKey: true })));
    const passwords = await batch(
      Array.from({ length: 11 }, (_, i) => ({ name: `pw-${i}`, password: 'a long password!' })),
    );
    const badItem = await batch([
      { name: 'ok-item', generateKey: true },
      { name: 'bad-item', key: 'not base64!' },
    ]);

    // Assess
    for (const answer of [empty, tooMany, passwords, badItem])
      expect([answer.status, errorCodeOf(answer)]).toEqual([400, 'INVALID_INPUT']);
    expect(badItem.json.error.message).toContain('clients');
    expect((await api.call('GET', '/v1/clients?name=ok-item')).json.items).toEqual([]);
    expect((await api.call('GET', '/v1/clients?name=many-0')).json.items).toEqual([]);
    expect(passwords.json.error.message).toContain('at most 10 clients with a password');
  });
});
