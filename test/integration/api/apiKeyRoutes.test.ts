/**
 * The API key routes (/v1/keys/api) over the local adapters: create (the token once), list, read, rotate, revoke;
 * the last admin key kept; last use recorded; each change in the event log; bad input a 4xx; the README examples;
 * GET /v1/whoami for a key of every scope.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlatformKey } from '../../../shared/c2/platform/createPlatformKey.js';
import { recordSecret } from '../../support/recordedSecrets.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

const START = Date.parse('2026-11-23T10:00:00.000Z');
let now = START;
let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-key-routes', clock: () => now });
});
afterAll(async () => {
  await api?.close();
});

interface KeyAnswer {
  keyId: string;
  name: string;
  scope: string;
  prefix: string;
  status: string;
  token?: string;
  lastUsedAt?: string;
  revokedAt?: string;
  rotatedAt?: string;
  expiresAt?: string;
}

async function createKey(body: Record<string, unknown>, token?: string): Promise<KeyAnswer & { token: string }> {
  const answer = await api.call('POST', '/v1/keys/api', { body, ...(token ? { token } : {}) });
  expect(answer.status, answer.raw).toBe(201);
  return answer.json;
}

/** The events of a key (in any order: the clock stands still, events of one time sort by their random part). */
const eventsOf = async (keyId: string) =>
  ((await api.call('GET', '/v1/events?limit=100')).json.items as { action: string; target: { name: string } }[]).filter(
    (event) => event.target.name === keyId,
  );

describe('POST /v1/keys/api', () => {
  it('creates a key of the scope asked, shows its token once, and the token works within its scope', async () => {
    // Act
    const created = await createKey({ name: 'dashboard', scope: 'read-only', expiresAt: '2027-01-01T00:00:00Z' });
    const read = await api.call('GET', `/v1/keys/api/${created.keyId}`);
    const readWithIt = await api.call('GET', '/v1/stats', { token: created.token });
    const writeWithIt = await api.call('POST', '/v1/topics', { token: created.token, body: { topic: 'x' } });

    // Assess
    expect(created).toMatchObject({
      name: 'dashboard',
      scope: 'read-only',
      status: 'active',
      expiresAt: '2027-01-01T00:00:00.000Z',
      createdAt: '2026-11-23T10:00:00.000Z',
    });
    expect(created.token).toMatch(new RegExp(`^e4c2\\.tenant-key-routes\\.${created.prefix.replace('.', '\\.')}`));
    expect(read.status).toBe(200);
    expect(read.json).toEqual({ ...created, token: undefined });
    expect(read.raw).not.toContain(created.token.split('.')[3]);
    expect(readWithIt.status).toBe(200);
    expect(writeWithIt.status).toBe(403);
    expect(errorCodeOf(writeWithIt)).toBe('FORBIDDEN');
    expect(await eventsOf(created.keyId)).toMatchObject([
      { action: 'apikey.create', actor: `apikey:${api.token.split('.')[2]}`, result: 'ok' },
    ]);
  });

  it.each([
    ['no scope', { name: 'k' }],
    ['an unknown scope', { name: 'k', scope: 'root' }],
    ['no name', { scope: 'admin' }],
    ['a name of 256 bytes', { name: 'x'.repeat(256), scope: 'admin' }],
    ['an expiry in the past', { name: 'k', scope: 'admin', expiresAt: '2026-11-23T09:59:59Z' }],
    ['an expiry that is no time', { name: 'k', scope: 'admin', expiresAt: 'next week' }],
    ['an unknown field', { name: 'k', scope: 'admin', secret: 'mine' }],
  ])('refuses %s with 400 INVALID_INPUT, creating nothing', async (_label, body) => {
    const before = await api.c2.deps.store.countApiKeys('tenant-key-routes');
    const answer = await api.call('POST', '/v1/keys/api', { body });
    expect(answer.status, answer.raw).toBe(400);
    expect(errorCodeOf(answer)).toBe('INVALID_INPUT');
    expect(await api.c2.deps.store.countApiKeys('tenant-key-routes')).toBe(before);
  });
});

describe('GET /v1/keys/api', () => {
  it('lists the keys a page at a time, without secrets or hashes, revoked ones as revoked', async () => {
    // Prepare
    const tenant = await api.tokenOf('tenant-key-list');
    const keys = [await createKey({ name: 'one', scope: 'operator' }, tenant)];
    keys.push(await createKey({ name: 'two', scope: 'enrol' }, tenant));
    await api.call('DELETE', `/v1/keys/api/${keys[1]!.keyId}`, { token: tenant });

    // Act
    const first = await api.call('GET', '/v1/keys/api?limit=2', { token: tenant });
    const second = await api.call('GET', `/v1/keys/api?limit=2&cursor=${first.json.cursor}`, { token: tenant });

    // Assess
    const items: KeyAnswer[] = [...first.json.items, ...second.json.items];
    expect(second.json.cursor).toBeUndefined();
    expect(items.map((key) => key.keyId)).toEqual(items.map((key) => key.keyId).sort());
    expect(items.map((key) => `${key.name} ${key.scope} ${key.status}`).sort()).toEqual([
      'admin key of tenant-key-list admin active',
      'one operator active',
      'two enrol revoked',
    ]);
    for (const raw of [first.raw, second.raw]) {
      expect(raw).not.toMatch(/secretHash|token/);
      for (const key of keys) expect(raw).not.toContain(key.token.split('.')[3]);
    }
  });

  it('refuses a bad limit or cursor with 400', async () => {
    expect((await api.call('GET', '/v1/keys/api?limit=0')).status).toBe(400);
    const cursor = await api.call('GET', '/v1/keys/api?cursor=not-a-cursor');
    expect(cursor.status).toBe(400);
    expect(errorCodeOf(cursor)).toBe('INVALID_CURSOR');
  });
});

describe('GET /v1/keys/api/{keyId}', () => {
  it('is 404 for an unknown key and 400 for an id that is not 16 hex digits', async () => {
    const unknown = await api.call('GET', '/v1/keys/api/0000000000000000');
    const malformed = await api.call('GET', '/v1/keys/api/xyz');
    expect(unknown.status).toBe(404);
    expect(errorCodeOf(unknown)).toBe('NOT_FOUND');
    expect(malformed.status).toBe(400);
    expect(errorCodeOf(malformed)).toBe('INVALID_INPUT');
  });

  it('accepts the id in upper case', async () => {
    const created = await createKey({ name: 'upper', scope: 'read-only' });
    expect((await api.call('GET', `/v1/keys/api/${created.keyId.toUpperCase()}`)).json.keyId).toBe(created.keyId);
  });
});

describe('lastUsedAt', () => {
  it('moves with use, at most once a minute', async () => {
    // Prepare
    const created = await createKey({ name: 'used', scope: 'read-only' });
    const lastUsed = async () => (await api.call('GET', `/v1/keys/api/${created.keyId}`)).json.lastUsedAt;
    const at = (ms: number) => new Date(START + ms).toISOString();

    try {
      // Act and assess
      expect(await lastUsed()).toBeUndefined();
      now = START + 5_000;
      await api.call('GET', '/v1/stats', { token: created.token });
      expect(await lastUsed()).toBe(at(5_000));
      now = START + 30_000;
      await api.call('GET', '/v1/stats', { token: created.token });
      expect(await lastUsed()).toBe(at(5_000));
      now = START + 70_000;
      await api.call('GET', '/v1/stats', { token: created.token });
      expect(await lastUsed()).toBe(at(70_000));
    } finally {
      now = START;
    }
  });
});

describe('POST /v1/keys/api/{keyId}/rotate', () => {
  it('gives the key a new token once: the old one is refused at once, the scope and id stay', async () => {
    // Prepare
    const created = await createKey({ name: 'ci', scope: 'operator' });

    // Act
    const rotated = await api.call('POST', `/v1/keys/api/${created.keyId}/rotate`);
    const withOld = await api.call('GET', '/v1/stats', { token: created.token });
    const withNew = await api.call('GET', '/v1/stats', { token: rotated.json.token });

    // Assess
    expect(rotated.status, rotated.raw).toBe(200);
    expect(rotated.json).toMatchObject({
      keyId: created.keyId,
      scope: 'operator',
      name: 'ci',
      rotatedAt: '2026-11-23T10:00:00.000Z',
    });
    expect(rotated.json.token).not.toBe(created.token);
    expect(rotated.json.prefix).toBe(rotated.json.token.split('.').slice(2).join('.').slice(0, 21));
    expect(withOld.status).toBe(401);
    expect(withNew.status).toBe(200);
    expect((await eventsOf(created.keyId)).map((event) => event.action).sort()).toEqual([
      'apikey.create',
      'apikey.rotate',
    ]);
  });

  it('refuses a revoked key (409 WRONG_MODE) and an unknown one (404)', async () => {
    const created = await createKey({ name: 'gone', scope: 'operator' });
    await api.call('DELETE', `/v1/keys/api/${created.keyId}`);
    const revoked = await api.call('POST', `/v1/keys/api/${created.keyId}/rotate`);
    const unknown = await api.call('POST', '/v1/keys/api/00000000000000ff/rotate');
    expect(revoked.status).toBe(409);
    expect(errorCodeOf(revoked)).toBe('WRONG_MODE');
    expect(unknown.status).toBe(404);
  });
});

describe('DELETE /v1/keys/api/{keyId}', () => {
  it('revokes: the key is refused from then on (401, as a bad key), listed as revoked; again answers the same', async () => {
    // Prepare
    const created = await createKey({ name: 'leaked', scope: 'admin' });

    // Act
    const revoked = await api.call('DELETE', `/v1/keys/api/${created.keyId}`);
    const again = await api.call('DELETE', `/v1/keys/api/${created.keyId}`);
    const withIt = await api.call('GET', '/v1/stats', { token: created.token });
    const withBadKey = await api.call('GET', '/v1/stats', { token: `${created.token.slice(0, -1)}A` });

    // Assess
    expect(revoked.status).toBe(200);
    expect(revoked.json).toMatchObject({
      keyId: created.keyId,
      status: 'revoked',
      revokedAt: '2026-11-23T10:00:00.000Z',
    });
    expect(again.json).toEqual(revoked.json);
    expect(withIt.status).toBe(401);
    expect(withIt.raw).toBe(withBadKey.raw);
    expect((await eventsOf(created.keyId)).map((event) => event.action).sort()).toEqual([
      'apikey.create',
      'apikey.revoke',
    ]);
  });

  it('refuses to revoke the last usable admin key (409 LAST_ADMIN_KEY), which keeps working', async () => {
    // Prepare: a tenant whose only other admin key is expired.
    const admin = await api.tokenOf('tenant-last-admin');
    const keyId = admin.split('.')[2]!;
    await createKey({ name: 'soon gone', scope: 'admin', expiresAt: '2026-11-23T10:00:01Z' }, admin);
    await createKey({ name: 'operator', scope: 'operator' }, admin);
    now = START + 2_000;

    try {
      // Act
      const refused = await api.call('DELETE', `/v1/keys/api/${keyId}`, { token: admin });

      // Assess
      expect(refused.status).toBe(409);
      expect(errorCodeOf(refused)).toBe('LAST_ADMIN_KEY');
      expect((await api.call('GET', `/v1/keys/api/${keyId}`, { token: admin })).json.status).toBe('active');
    } finally {
      now = START;
    }
  });

  it('keeps an admin key when the last two are revoked at the same time', async () => {
    // Prepare
    const first = await api.tokenOf('tenant-two-admins');
    const second = (await createKey({ name: 'second', scope: 'admin' }, first)).token;

    // Act
    const answers = await Promise.all([
      api.call('DELETE', `/v1/keys/api/${first.split('.')[2]}`, { token: second }),
      api.call('DELETE', `/v1/keys/api/${second.split('.')[2]}`, { token: first }),
    ]);

    // Assess
    expect(answers.filter((answer) => answer.status === 200).length).toBeLessThanOrEqual(1);
    for (const answer of answers.filter((one) => one.status !== 200)) {
      expect(answer.status).toBe(409);
      expect(errorCodeOf(answer)).toBe('LAST_ADMIN_KEY');
    }
    const working = await Promise.all([first, second].map((token) => api.call('GET', '/v1/stats', { token })));
    expect(working.filter((answer) => answer.status === 200).length).toBeGreaterThanOrEqual(1);
  });
});

describe("the README's API key examples", () => {
  it('each curl line of its API keys section answers as it says, in order (its new key in place of $KEY_ID)', async () => {
    // Prepare: the sh block of the README's "#### API keys" section
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const at = readme.indexOf('#### API keys');
    const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at, readme.indexOf('\n#### ', at + 1)))?.[1] ?? '';
    const calls = block
      .replaceAll('\\\n', ' ')
      .split('\n')
      .filter((line) => line.startsWith('curl '))
      .map((line) => ({
        method: /-X (\w+)/.exec(line)?.[1] ?? 'GET',
        body: /-d '([^']*)'/.exec(line)?.[1],
        target: /"\$API(\/v1\/[^"]*)"/.exec(line)![1]!,
      }));
    expect(calls.map(({ method, target }) => `${method} ${target}`)).toEqual([
      'POST /v1/keys/api',
      'GET /v1/keys/api',
      'GET /v1/keys/api/$KEY_ID',
      'POST /v1/keys/api/$KEY_ID/rotate',
      'DELETE /v1/keys/api/$KEY_ID',
    ]);

    // Act
    const answers = [];
    let keyId = '';
    for (const { method, body, target } of calls) {
      const answer = await api.call(method, target.replace('$KEY_ID', keyId), body ? { body: JSON.parse(body) } : {});
      keyId ||= answer.json.keyId;
      answers.push(answer);
    }

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([201, 200, 200, 200, 200]);
    expect(answers[0]!.json).toMatchObject({ scope: 'read-only', expiresAt: '2027-12-31T23:59:59.000Z' });
    expect(answers[4]!.json).toMatchObject({ keyId, status: 'revoked' });
  });
});

describe('GET /v1/whoami', () => {
  it('tells each key of each scope, a platform key too, who it is (no secret); a revoked key is 401', async () => {
    // Prepare
    const keys = await Promise.all(
      (['admin', 'operator', 'read-only', 'enrol'] as const).map((scope) =>
        createKey({
          name: `whoami ${scope}`,
          scope,
          ...(scope === 'enrol' ? { expiresAt: '2027-02-01T00:00:00Z' } : {}),
        }),
      ),
    );
    const platform = await createPlatformKey(api.c2.deps, 'test', 'whoami platform');
    recordSecret(platform.token);

    // Act
    const answers = await Promise.all(keys.map((key) => api.call('GET', '/v1/whoami', { token: key.token })));
    const ofPlatform = await api.call('GET', '/v1/whoami', { token: platform.token });
    await api.call('DELETE', `/v1/keys/api/${keys[1]!.keyId}`);
    const revoked = await api.call('GET', '/v1/whoami', { token: keys[1]!.token });

    // Assess
    answers.forEach((answer, i) => {
      const key = keys[i]!;
      expect(answer.status, answer.raw).toBe(200);
      expect(answer.json).toEqual({
        tenantId: 'tenant-key-routes',
        keyId: key.keyId,
        scope: key.scope,
        name: key.name,
        createdAt: '2026-11-23T10:00:00.000Z',
        ...(key.expiresAt ? { expiresAt: key.expiresAt } : {}),
      });
      expect(answer.raw).not.toContain(key.token.split('.')[3]);
    });
    expect(answers[3]!.json.expiresAt).toBe('2027-02-01T00:00:00.000Z');
    expect(ofPlatform.status, ofPlatform.raw).toBe(200);
    expect(ofPlatform.json).toEqual({
      tenantId: '~platform',
      keyId: platform.keyId,
      scope: 'platform',
      name: 'whoami platform',
      createdAt: '2026-11-23T10:00:00.000Z',
    });
    expect(revoked.status).toBe(401);
    expect(errorCodeOf(revoked)).toBe('UNAUTHORIZED');
  });
});
