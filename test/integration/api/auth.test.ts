/** Authentication: a bearer API key on every route but health and the OpenAPI document; the Authenticator seam. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../functions/api/createApiHandler.js';
import { headerOf } from '../../../functions/api/headerOf.js';
import { call } from '../../support/apiEvent.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-auth' });
});
afterAll(async () => {
  await api?.close();
});

const PROTECTED: [string, string][] = [
  ['POST', '/v1/clients'],
  ['GET', '/v1/clients'],
  ['GET', '/v1/clients/x'],
  ['POST', '/v1/topics'],
  ['GET', '/v1/topics'],
  ['GET', '/v1/topics/x'],
  ['GET', '/v1/stats'],
];

describe('without a valid API key', () => {
  it.each(PROTECTED)('%s %s is 401 UNAUTHORIZED with WWW-Authenticate: Bearer', async (method, path) => {
    const answer = await api.call(method, path, { token: null });
    expect(answer.status).toBe(401);
    expect(errorCodeOf(answer)).toBe('UNAUTHORIZED');
    expect(answer.headers['www-authenticate']).toBe('Bearer');
  });

  const wrongAuthorizations: [string, (token: string) => string][] = [
    ['another scheme', (token) => `Basic ${token}`],
    ['Bearer without a token', () => 'Bearer'],
    ['Bearer and garbage', () => 'Bearer garbage'],
    ['a wrong secret', (token) => `Bearer ${token.slice(0, -43)}${'A'.repeat(43)}`],
    ['a token of an unknown key id', (token) => `Bearer ${token.replace(/\.[0-9a-f]{16}\./, '.00000000000000aa.')}`],
    ['the token moved to another tenant', (token) => `Bearer ${token.replace('.tenant-auth.', '.tenant-b.')}`],
    ['two tokens', (token) => `Bearer ${token}, Bearer ${token}`],
    ['the token without a scheme', (token) => token],
  ];
  it.each(wrongAuthorizations)('refuses %s with 401', async (_label, authorization) => {
    const answer = await api.call('GET', '/v1/stats', {
      token: null,
      headers: { authorization: authorization(api.token) },
    });
    expect(answer.status).toBe(401);
    expect(errorCodeOf(answer)).toBe('UNAUTHORIZED');
  });

  it('answers 401 before looking at the body (no 400 for an unauthenticated caller)', async () => {
    const answer = await api.call('POST', '/v1/clients', { token: null, body: '{not json' });
    expect(answer.status).toBe(401);
  });
});

describe('with a valid API key', () => {
  it.each([
    ['Bearer <token>', (token: string) => ({ authorization: `Bearer ${token}` })],
    ['a lower-case scheme', (token: string) => ({ authorization: `bearer ${token}` })],
    ['a capitalised header name', (token: string) => ({ Authorization: `Bearer ${token}` })],
  ])('accepts %s', async (_label, headers) => {
    const answer = await api.call('GET', '/v1/stats', { token: null, headers: headers(api.token) });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ clients: 0, topics: 0 });
  });
});

describe('the Authenticator seam', () => {
  it('a handler given another authenticator takes its caller (here: a tenant header) and ignores API keys', async () => {
    // Prepare
    const handler = createApiHandler(api.c2.deps, {
      authenticate: async (event) => {
        const tenantId = headerOf(event, 'x-test-tenant');
        return tenantId ? { tenantId, keyId: 'test', scope: 'admin' as const, actor: 'test' } : undefined;
      },
      log: () => {},
    });

    // Act
    const created = await call(handler, 'POST', '/v1/topics', {
      body: { topic: 'seam' },
      headers: { 'x-test-tenant': 'tenant-seam' },
    });
    const withApiKey = await call(handler, 'GET', '/v1/stats', { token: api.token });

    // Assess
    expect(created.status).toBe(201);
    expect(await api.c2.deps.store.getTopic('tenant-seam', 'seam')).toBeDefined();
    expect(withApiKey.status).toBe(401);
  });
});
