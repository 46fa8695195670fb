/** The client routes over the local adapters: create (four ways), read by id, list with paging; keys never shown back. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bytesToHex,
  deriveSymKey,
  hashIdAlias,
  randomEd25519KeyPair,
  randomKey,
  toBase64,
} from '../../../shared/e4/index.js';
import { operationFinishedOverHttp } from '../../support/operationFinishedOverHttp.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

const NOW = '2026-11-23T10:00:00.000Z';
let api: ApiFixture;
/** Every response body of this suite, to check where keys appear. */
const bodies: { readonly label: string; readonly raw: string }[] = [];

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-clients', clock: () => Date.parse(NOW) });
});
afterAll(async () => {
  await api?.close();
});

async function send(...args: Parameters<ApiFixture['call']>) {
  const answer = await api.call(...args);
  bodies.push({ label: `${args[0]} ${args[1]}`, raw: answer.raw });
  return answer;
}

async function storedKey(name: string): Promise<Uint8Array> {
  const record = await api.c2.deps.store.getClient(api.tenantId, name);
  return api.c2.deps.vault.unwrap(record!.wrappedKey, {
    tenantId: api.tenantId,
    kind: 'client',
    name,
    version: record!.keyVersion,
  });
}

const idOf = (name: string) => bytesToHex(hashIdAlias(name));

const viewOf = (name: string, mode = 'symmetric') => ({
  name,
  id: idOf(name),
  mode,
  keyVersion: 1,
  createdAt: NOW,
  updatedAt: NOW,
});

describe('POST /v1/clients', () => {
  const key = randomKey();
  const { publicKey } = randomEd25519KeyPair();
  let generated: string;

  it('enrols a client from its key: 201 { client }, without the key', async () => {
    const answer = await send('POST', '/v1/clients', { body: { name: 'with-key', key: toBase64(key) } });
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual({ client: viewOf('with-key') });
    expect(await storedKey('with-key')).toEqual(key);
  });

  it('with provisionDevice in local mode (no IoT Core): 400, and nothing is created', async () => {
    const answer = await send('POST', '/v1/clients', {
      body: { name: 'wants-a-thing', generateKey: true, provisionDevice: true },
    });
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('INVALID_INPUT');
    expect(answer.json.error.message).toMatch(/provisioning is not available/);
    expect((await send('GET', `/v1/clients/${bytesToHex(hashIdAlias('wants-a-thing'))}`)).status).toBe(404);
  });

  it('from a password (Argon2i as e4go)', async () => {
    const password = 'correct horse battery staple';
    const answer = await send('POST', '/v1/clients', { body: { name: 'with-password', mode: 'symmetric', password } });
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual({ client: viewOf('with-password') });
    expect(await storedKey('with-password')).toEqual(deriveSymKey(password));
  });

  it('with a generated key: returned once, in base64, the key stored', async () => {
    const answer = await send('POST', '/v1/clients', { body: { name: 'generated', generateKey: true } });
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual({ client: viewOf('generated'), key: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/) });
    generated = answer.json.key;
    expect(toBase64(await storedKey('generated'))).toBe(generated);
  });

  it('a public-key client from its Ed25519 public key', async () => {
    const answer = await send('POST', '/v1/clients', {
      body: { name: 'pubkey', mode: 'pubkey', publicKey: toBase64(publicKey) },
    });
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual({ client: viewOf('pubkey', 'pubkey') });
    expect(await storedKey('pubkey')).toEqual(publicKey);
  });

  it('a name in UTF-8 of 255 bytes', async () => {
    const name = `${'é'.repeat(127)}x`;
    const answer = await send('POST', '/v1/clients', { body: { name, generateKey: true } });
    expect(answer.status).toBe(201);
    expect(answer.json.client.name).toBe(name);
  });

  it('an existing name is 409 ALREADY_EXISTS, the stored key unchanged', async () => {
    const answer = await send('POST', '/v1/clients', { body: { name: 'with-key', key: toBase64(randomKey()) } });
    expect(answer.status).toBe(409);
    expect(errorCodeOf(answer)).toBe('ALREADY_EXISTS');
    expect(await storedKey('with-key')).toEqual(key);
  });

  describe('GET /v1/clients/{clientId}', () => {
    it('reads a client by its id (never its key), with the number of topics it is on', async () => {
      const answer = await send('GET', `/v1/clients/${idOf('generated')}`);
      expect(answer.status).toBe(200);
      expect(answer.json).toEqual({ ...viewOf('generated'), topicCount: 0 });
    });

    it('addresses a name with "/", " " and "%" by its id: the path is hex only', async () => {
      // Prepare
      const name = 'hall 1/door%41';
      const created = await send('POST', '/v1/clients', { body: { name, generateKey: true } });

      // Act
      const answer = await send('GET', `/v1/clients/${created.json.client.id}`);

      // Assess
      expect(created.json.client.id).toBe(idOf(name));
      expect(answer.status).toBe(200);
      expect(answer.json.name).toBe(name);
    });

    it('takes the id in either hex case (uppercase, mixed): the same client', async () => {
      const id = idOf('generated');
      const mixed = [...id].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
      for (const given of [id.toUpperCase(), mixed]) {
        const answer = await send('GET', `/v1/clients/${given}`);
        expect(answer.status).toBe(200);
        expect(answer.json.id).toBe(id);
      }
    });

    it('the name in the path is no longer a way in: 400 INVALID_INPUT', async () => {
      const answer = await send('GET', '/v1/clients/generated');
      expect(answer.status).toBe(400);
      expect(errorCodeOf(answer)).toBe('INVALID_INPUT');
    });

    it('an unknown id is 404 NOT_FOUND', async () => {
      const answer = await send('GET', `/v1/clients/${idOf('nobody')}`);
      expect(answer.status).toBe(404);
      expect(errorCodeOf(answer)).toBe('NOT_FOUND');
    });

    it("another tenant's client is 404 for this tenant", async () => {
      const other = await api.tokenOf('tenant-other');
      const answer = await api.call('GET', `/v1/clients/${idOf('generated')}`, { token: other });
      expect(answer.status).toBe(404);
      expect(errorCodeOf(answer)).toBe('NOT_FOUND');
    });
  });

  it('a name another tenant uses is 409 ALREADY_EXISTS, without saying whose; the API answers no mqtt on this C2', async () => {
    const other = await api.tokenOf('tenant-rival');
    const answer = await api.call('POST', '/v1/clients', {
      body: { name: 'with-key', generateKey: true },
      token: other,
    });
    expect(answer.status).toBe(409);
    expect(JSON.parse(answer.raw)).toEqual({
      error: { code: 'ALREADY_EXISTS', message: 'this client name is not available: choose another' },
    });
    expect(answer.raw).not.toContain(api.tenantId);
    const reissue = await send('POST', `/v1/clients/${idOf('with-key')}/mqtt-credentials`);
    expect(reissue.status).toBe(400);
    expect(errorCodeOf(reissue)).toBe('INVALID_INPUT');
  });

  it('no response but the creation with generateKey contains a key (in base64 or hex)', () => {
    const secrets = [toBase64(key), bytesToHex(key), toBase64(publicKey), bytesToHex(publicKey), generated];
    const leaks = bodies.filter(({ raw }) => secrets.some((secret) => raw.includes(secret)));
    expect(leaks.map((body) => body.label)).toEqual(['POST /v1/clients']);
    expect(leaks[0]!.raw).toContain(generated);
  });
});

describe('GET /v1/clients', () => {
  let token: string;
  const names = ['delta', 'alpha', 'echo', 'charlie', 'bravo'];
  beforeAll(async () => {
    token = await api.tokenOf('tenant-list');
    for (const name of names) {
      const answer = await api.call('POST', '/v1/clients', { token, body: { name, generateKey: true } });
      expect(answer.status).toBe(201);
    }
  });

  it('lists in id order, a page of `limit` at a time, following the cursor to the end', async () => {
    // Act
    const pages: { items: { name: string }[]; cursor?: string }[] = [];
    let cursor: string | undefined;
    do {
      const query = `limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const answer = await api.call('GET', `/v1/clients?${query}`, { token });
      expect(answer.status).toBe(200);
      pages.push(answer.json);
      cursor = answer.json.cursor;
    } while (cursor && pages.length < 10);

    // Assess
    const inIdOrder = [...names].sort((a, b) => idOf(a).localeCompare(idOf(b)));
    expect(pages.map((page) => page.items.map((item) => item.name))).toEqual([
      inIdOrder.slice(0, 2),
      inIdOrder.slice(2, 4),
      inIdOrder.slice(4),
    ]);
    expect(pages.at(-1)).not.toHaveProperty('cursor');
  });

  it('20 by default: the whole list, with views only', async () => {
    const answer = await api.call('GET', '/v1/clients', { token });
    expect(answer.status).toBe(200);
    expect(answer.json.items.map((item: { id: string }) => item.id)).toEqual(names.map(idOf).sort());
    expect(Object.keys(answer.json.items[0]).sort()).toEqual([
      'createdAt',
      'id',
      'keyVersion',
      'mode',
      'name',
      'updatedAt',
    ]);
  });

  it('?name= looks a client up by name: a page of one (name URL-encoded), without a cursor', async () => {
    // Prepare
    const name = 'hall 1/door+%é';
    expect((await api.call('POST', '/v1/clients', { token, body: { name, generateKey: true } })).status).toBe(201);

    // Act
    const found = await api.call('GET', `/v1/clients?name=${encodeURIComponent(name)}&limit=1`, { token });
    const plain = await api.call('GET', '/v1/clients?name=charlie', { token });

    // Assess
    expect(found.status).toBe(200);
    expect(found.json).toEqual({
      items: [{ ...viewOf(name), createdAt: expect.any(String), updatedAt: expect.any(String) }],
    });
    expect(plain.json.items.map((item: { name: string }) => item.name)).toEqual(['charlie']);
    const deleted = await api.call('DELETE', `/v1/clients/${idOf(name)}`, { token });
    expect(deleted.status).toBe(202);
    await operationFinishedOverHttp((path) => api.call('GET', path, { token }), deleted.json.operation.id);
  });

  it('?name= of no client is an empty page (200), of another tenant too', async () => {
    const unknown = await api.call('GET', '/v1/clients?name=nobody', { token });
    const otherTenant = await api.call('GET', '/v1/clients?name=charlie');
    expect([unknown.status, otherTenant.status]).toEqual([200, 200]);
    expect(unknown.json).toEqual({ items: [] });
    expect(otherTenant.json).toEqual({ items: [] });
  });

  it('?name= with a cursor, or an empty name, is 400 INVALID_INPUT', async () => {
    for (const query of ['name=charlie&cursor=bm90LWEtY3Vyc29y', 'name=']) {
      const answer = await api.call('GET', `/v1/clients?${query}`, { token });
      expect(answer.status).toBe(400);
      expect(errorCodeOf(answer)).toBe('INVALID_INPUT');
    }
  });

  it('?namePrefix= finds the clients whose name starts with it, page by page; a bad prefix is 400', async () => {
    // Prepare: in a tenant of its own (the others count theirs), and topics (searched alike)
    const token = await api.tokenOf('tenant-prefix');
    for (const name of ['door/1', 'door/2', 'door/3', 'doormat']) {
      expect((await api.call('POST', '/v1/clients', { token, body: { name, generateKey: true } })).status).toBe(201);
    }
    expect((await api.call('POST', '/v1/topics', { token, body: { topic: 'door/events' } })).status).toBe(201);
    expect((await api.call('POST', '/v1/topics', { token, body: { topic: 'window/events' } })).status).toBe(201);

    // Act
    const found: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const query = `namePrefix=${encodeURIComponent('door/')}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const answer = await api.call('GET', `/v1/clients?${query}`, { token });
      expect(answer.status, answer.raw).toBe(200);
      found.push(...answer.json.items.map((item: { name: string }) => item.name));
      cursor = answer.json.cursor;
      if (!cursor) break;
    }
    const topics = await api.call('GET', '/v1/topics?namePrefix=door', { token });
    const otherTenant = await api.call('GET', '/v1/clients?namePrefix=door');
    const refused = await Promise.all(
      ['namePrefix=', `namePrefix=${'x'.repeat(256)}`, 'namePrefix=door&name=door%2F1', 'namePrefix=a&limit=0'].map(
        (query) => api.call('GET', `/v1/clients?${query}`, { token }),
      ),
    );
    const badTopic = await api.call('GET', `/v1/topics?namePrefix=${encodeURIComponent('$SYS')}`, { token });

    // Assess
    expect(found).toEqual(['door/1', 'door/2', 'door/3'].sort((a, b) => idOf(a).localeCompare(idOf(b))));
    expect(topics.json.items.map((item: { topic: string }) => item.topic)).toEqual(['door/events']);
    expect(otherTenant.json).toEqual({ items: [] });
    for (const answer of [...refused, badTopic]) {
      expect(answer.status, answer.raw).toBe(400);
      expect(errorCodeOf(answer)).toBe('INVALID_INPUT');
    }
  });

  it('a cursor it did not issue is 400 INVALID_CURSOR', async () => {
    const answer = await api.call('GET', '/v1/clients?cursor=bm90LWEtY3Vyc29y', { token });
    expect(answer.status).toBe(400);
    expect(errorCodeOf(answer)).toBe('INVALID_CURSOR');
  });

  it('GET /v1/stats counts the clients of the tenant', async () => {
    const answer = await api.call('GET', '/v1/stats', { token });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ clients: names.length, topics: 0 });
  });
});
