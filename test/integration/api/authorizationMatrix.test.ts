/**
 * The authorization matrix, generated from the route table (a new route is in it by construction): for every route
 * that needs a key, (a) no key, a malformed, revoked or expired key are 401, all with the same body; (b) a key whose
 * scope does not grant the route's is 403 FORBIDDEN; (c) tenant B's admin key on tenant A's records is 404 (a
 * collection answers B's own, with nothing of A's), and A's state, read through every GET route before and after,
 * has not changed. Keys whose scope grants a route are not refused (in a third tenant, holding nothing). Platform
 * routes (scope `platform`) take platform keys only, which no tenant route takes; every route refuses the keys of a
 * suspended tenant with 403 TENANT_SUSPENDED.
 */

import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRoute, RouteScope } from '../../../functions/api/defineRoute.js';
import { routes } from '../../../functions/api/routes.js';
import { API_KEY_SCOPES, PRINCIPAL_SCOPES } from '../../../shared/c2/apiKeys/ApiKeyScope.js';
import { apiKeyPrefix, formatApiKeyToken } from '../../../shared/c2/apiKeys/apiKeyToken.js';
import { createPlatformKey } from '../../../shared/c2/platform/createPlatformKey.js';
import type { ApiKeyScope, PrincipalScope } from '../../../shared/c2/ports.js';
import type { ApiAnswer } from '../../support/apiEvent.js';
import { recordSecret } from '../../support/recordedSecrets.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

const A = 'tenant-matrix-a';
const B = 'tenant-matrix-b';
const C = 'tenant-matrix-c';
/** The tenant the platform routes address (deleted by the last of them). */
const D = 'tenant-matrix-d';
/** A suspended tenant. */
const S = 'tenant-matrix-s';

/** Which key scopes may call a route of each scope: the rule, written here apart from the code that applies it. */
const CALLERS_OF: Readonly<Record<RouteScope, readonly PrincipalScope[]>> = {
  any: ['admin', 'operator', 'read-only', 'enrol', 'platform'],
  platform: ['platform'],
  admin: ['admin'],
  operator: ['admin', 'operator'],
  'read-only': ['admin', 'operator', 'read-only'],
  enrol: ['admin', 'operator', 'enrol'],
};

/** The routes anyone may call; any other route needs a key (a new public route must be added here on purpose). */
const PUBLIC_ROUTES = ['getHealth', 'getOpenApiDocument'];

const policyOf = (tenant: string) => ({
  name: `policy of ${tenant}`,
  target: { topicPrefix: `${tenant}/` },
  action: 'rotate-topic-key',
  schedule: { expression: 'rate(30 days)' },
});

/**
 * A valid body for each route that takes one, naming records of the tenant calling (B and C make their own; client
 * names are unique across tenants). A route with a body and no sample here fails the test.
 */
const SAMPLE_BODIES: Readonly<Record<string, (tenant: string) => unknown>> = {
  createClient: (tenant) => ({ name: `device-of-${tenant}`, generateKey: true }),
  createClients: (tenant) => ({ clients: [{ name: `batch-device-of-${tenant}`, generateKey: true }] }),
  createTopic: (tenant) => ({ topic: `${tenant}/topic` }),
  createApiKey: (tenant) => ({ name: `key of ${tenant}`, scope: 'read-only' }),
  createPolicy: policyOf,
  replacePolicy: policyOf,
  patchPolicy: () => ({ enabled: false }),
  createTenant: () => ({ id: 'tenant-matrix-e' }),
  setTenantLimits: () => ({ maxClients: 50 }),
  openEnrolmentWindow: () => ({ durationMinutes: 60, maxCount: 5 }),
  enrol: (tenant) => ({ name: `enrolled-of-${tenant}`, key: Buffer.alloc(32, 9).toString('base64') }),
  registerFactoryBatch: (tenant) => ({
    name: 'batch',
    devices: [{ name: `factory-device-of-${tenant}`, key: Buffer.alloc(32, 8).toString('base64') }],
  }),
  appendFactoryDevices: (tenant) => ({
    devices: [{ name: `appended-device-of-${tenant}`, key: Buffer.alloc(32, 8).toString('base64') }],
  }),
  // A well-formed code that names no device.
  claimDevice: () => ({ code: `${'0'.repeat(24)}0` }),
};

let api: ApiFixture;
/** A's record of each path parameter's kind. */
let idsOfA: Record<string, string>;
/** Strings that only A's records hold: none may appear in an answer to another tenant. */
let markersOfA: string[];
let tokens: { revoked: string; expired: string; malformed: string; ofB: string; ofS: string } & Record<
  PrincipalScope,
  string
>;
/** Tenant C's key of each scope (and a platform key). */
let tokensOfC: Record<PrincipalScope, string>;

const authenticated = routes.filter((route) => route.scope !== 'public');

/** The path of the route with A's records in it. */
function pathOf(route: ApiRoute): string {
  return route.path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    const id = idsOfA[name];
    if (id === undefined) throw new Error(`no record of A for the path parameter ${name}: add one to idsOfA`);
    return id;
  });
}

/** The route called with `token` (null: none) and its sample body, as the tenant of the token would write it. */
function send(route: ApiRoute, token: string | null): Promise<ApiAnswer> {
  const body = SAMPLE_BODIES[route.operationId]?.(token?.split('.')[1] ?? 'nobody');
  return api.call(route.method, pathOf(route), { token, ...(body === undefined ? {} : { body }) });
}

/** What A sees through every GET route, minus what moves on its own (last use to the minute, next run times). */
async function stateOfA(): Promise<string[]> {
  const reads = routes.filter(
    (route) => route.method === 'GET' && route.scope !== 'public' && route.scope !== 'platform',
  );
  const answers = await Promise.all(reads.map((route) => api.call('GET', pathOf(route))));
  return answers.map((answer, i) => {
    expect(answer.status, `${reads[i]!.operationId}: ${answer.raw}`).toBe(200);
    return `${reads[i]!.operationId} ${JSON.stringify(answer.json, (key, value) => (key === 'lastUsedAt' || key === 'nextRuns' ? undefined : value))}`;
  });
}

async function ok(answer: Promise<ApiAnswer>): Promise<Record<string, unknown>> {
  const done = await answer;
  expect(done.status, done.raw).toBeLessThan(300);
  return done.json as Record<string, unknown>;
}

beforeAll(async () => {
  api = await startApiFixture({ tenantId: A });
  // A's records: two clients on a topic, an operation (a finished rotation), a policy, and its keys.
  const { client } = await ok(api.call('POST', '/v1/clients', { body: { name: 'device-of-a', generateKey: true } }));
  const { client: other } = await ok(
    api.call('POST', '/v1/clients', { body: { name: 'other-device-of-a', generateKey: true } }),
  );
  const topic = await ok(api.call('POST', '/v1/topics', { body: { topic: 'topic/of/a' } }));
  await ok(api.call('PUT', `/v1/topics/${topic.hash}/clients/${(client as { id: string }).id}`));
  const rotated = await ok(api.call('POST', `/v1/topics/${topic.hash}/rotate`));
  const operation = await api.operationFinished((rotated.operation as { id: string }).id);
  const policy = await ok(api.call('POST', '/v1/policies', { body: policyOf(A) }));
  const opened = await ok(api.call('POST', '/v1/enrolment-windows', { body: { durationMinutes: 60, maxCount: 5 } }));
  recordSecret(opened.token as string);
  const keyId = api.token.split('.')[2]!;
  idsOfA = {
    clientId: (client as { id: string }).id,
    sourceClientId: (other as { id: string }).id,
    topicHash: topic.hash as string,
    operationId: operation.id,
    policyId: policy.id as string,
    windowId: (opened.window as { id: string }).id,
    keyId,
    tenantId: D,
  };
  markersOfA = [...Object.values(idsOfA).filter((id) => id !== D), A, 'device-of-a', 'topic/of/a'];

  // Keys of A that must be refused: revoked (through the API), expired (written as the store holds it: the API
  // refuses an expiry in the past), and malformed.
  const revoked = await ok(api.call('POST', '/v1/keys/api', { body: { name: 'revoked', scope: 'admin' } }));
  await ok(api.call('DELETE', `/v1/keys/api/${revoked.keyId}`));
  const secret = new Uint8Array(32).fill(7);
  const expired = formatApiKeyToken({ tenantId: A, keyId: 'e0e0e0e0e0e0e0e0', secret });
  await api.c2.deps.store.createApiKey({
    keyId: 'e0e0e0e0e0e0e0e0',
    tenantId: A,
    name: 'expired',
    scope: 'admin',
    secretHash: sha256(secret),
    prefix: apiKeyPrefix(expired),
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-02T00:00:00.000Z',
  });
  const scoped = Object.fromEntries(
    await Promise.all(API_KEY_SCOPES.map(async (scope) => [scope, await api.tokenOf(A, scope)] as const)),
  ) as Record<ApiKeyScope, string>;
  const platform = (await createPlatformKey(api.c2.deps, 'test', 'platform')).token;
  recordSecret(platform);
  for (const id of [D, S]) {
    const made = await api.call('POST', '/v1/tenants', { token: platform, body: { id } });
    expect(made.status, made.raw).toBe(201);
  }
  const batch = await ok(
    api.call('POST', '/v1/factory-batches', {
      token: platform,
      body: {
        name: 'batch of the matrix',
        devices: [{ name: 'factory-device', key: Buffer.alloc(32, 7).toString('base64') }],
      },
    }),
  );
  idsOfA.batchId = (batch.batch as { id: string }).id;
  const ofS = await api.tokenOf(S);
  expect((await api.call('POST', `/v1/tenants/${S}/suspend`, { token: platform })).status).toBe(200);
  tokens = {
    ...scoped,
    platform,
    ofS,
    revoked: revoked.token as string,
    expired,
    malformed: `${api.token}x`,
    ofB: await api.tokenOf(B),
  };
  tokensOfC = {
    ...(Object.fromEntries(
      await Promise.all(API_KEY_SCOPES.map(async (scope) => [scope, await api.tokenOf(C, scope)] as const)),
    ) as Record<ApiKeyScope, string>),
    platform,
  };
});

afterAll(async () => {
  await api?.close();
});

describe('the route table', () => {
  it('gives every route a scope; only health and the document are public; read-only routes are GETs', () => {
    for (const route of routes) {
      expect([...PRINCIPAL_SCOPES, 'any', 'public'], route.operationId).toContain(route.scope);
      if (route.scope === 'read-only') expect(route.method, route.operationId).toBe('GET');
    }
    expect(routes.filter((route) => route.scope === 'public').map((route) => route.operationId)).toEqual(PUBLIC_ROUTES);
  });

  it('keeps API key management to admin keys, and gives enrol keys one route of their own: POST /v1/enrol', () => {
    const keyRoutes = routes.filter((route) => route.path.startsWith('/v1/keys/api'));
    expect(keyRoutes.map((route) => route.scope)).toEqual(keyRoutes.map(() => 'admin'));
    expect(routes.filter((route) => route.scope === 'any').map((route) => route.operationId)).toEqual(['whoAmI']);
    expect(routes.filter((route) => route.scope === 'enrol').map((route) => route.operationId)).toEqual(['enrol']);
  });

  it('has a sample body for every route that takes one', () => {
    const missing = routes.filter((route) => route.body && !(route.operationId in SAMPLE_BODIES));
    expect(missing.map((route) => route.operationId)).toEqual([]);
  });
});

describe.each(authenticated.map((route) => [`${route.method} ${route.path}`, route] as const))('%s', (_name, route) => {
  it('is 401 without a usable key (none, malformed, revoked, expired), always with the same answer', async () => {
    // Act
    const answers = await Promise.all(
      [null, tokens.malformed, tokens.revoked, tokens.expired].map((token) => send(route, token)),
    );

    // Assess
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect(errorCodeOf(answer)).toBe('UNAUTHORIZED');
      expect(answer.raw).toBe(answers[0]!.raw);
    }
  });

  const granted = CALLERS_OF[route.scope as RouteScope];
  const refused = PRINCIPAL_SCOPES.filter((scope) => !granted.includes(scope));
  it.runIf(refused.length > 0)(`is 403 FORBIDDEN for a key of scope ${refused.join(', ')}`, async () => {
    for (const scope of refused) {
      const answer = await send(route, tokens[scope]);
      expect(answer.status, scope).toBe(403);
      expect(errorCodeOf(answer)).toBe('FORBIDDEN');
      expect((answer.json as { error: { message: string } }).error.message).toContain(`this key's scope is ${scope}`);
    }
  });

  it('is not refused for a key whose scope grants it (tenant C)', async () => {
    for (const scope of granted) {
      const answer = await send(route, tokensOfC[scope]);
      expect([401, 403], `${scope}: ${answer.raw}`).not.toContain(answer.status);
      expect(answer.status, `${scope}: ${answer.raw}`).toBeLessThan(500);
    }
  });

  it('is 403 TENANT_SUSPENDED for a key of a suspended tenant', async () => {
    const answer = await send(route, tokens.ofS);
    expect(answer.status, answer.raw).toBe(403);
    expect(errorCodeOf(answer)).toBe('TENANT_SUSPENDED');
  });

  it("gives tenant B nothing of A's and changes nothing of A's", async () => {
    // Prepare
    const before = await stateOfA();

    // Act
    const answer = await send(route, tokens.ofB);

    // Assess
    if (route.scope === 'platform') {
      expect(answer.status, answer.raw).toBe(403);
      expect(errorCodeOf(answer)).toBe('FORBIDDEN');
    } else if (route.operationId === 'enrol') {
      // B's key opens no enrolment window (of A's or its own).
      expect(answer.status, answer.raw).toBe(409);
      expect(errorCodeOf(answer)).toBe('ENROLMENT_CLOSED');
    } else if (route.operationId === 'claimDevice') {
      // The sample code names no device (of A's batches or any).
      expect(answer.status, answer.raw).toBe(404);
      expect(errorCodeOf(answer)).toBe('NOT_FOUND');
    } else if (/\{[^}]+\}/.test(route.path)) {
      expect(answer.status, answer.raw).toBe(404);
      expect(errorCodeOf(answer)).toBe('NOT_FOUND');
    } else {
      expect(answer.status, answer.raw).toBeLessThan(300);
    }
    // An error may name what B asked for (the ids in the path), nothing else of A's.
    for (const marker of markersOfA.filter((marker) => !pathOf(route).includes(marker))) {
      expect(answer.raw).not.toContain(marker);
    }
    expect(await stateOfA()).toEqual(before);
  });
});
