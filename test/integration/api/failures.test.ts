/**
 * Failures on the server's side: a 5xx with a generic body (nothing of the error), the error logged as name, code
 * and message only. Test routes throw on purpose; the store-down case uses a C2 whose database is stopped.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { ApiLogEntry } from '../../../functions/api/ApiLogger.js';
import { createApiHandler } from '../../../functions/api/createApiHandler.js';
import { defineRoute } from '../../../functions/api/defineRoute.js';
import { routes } from '../../../functions/api/routes.js';
import { createApiKey } from '../../../shared/c2/apiKeys/createApiKey.js';
import { C2Error, C2ErrorCode } from '../../../shared/c2/errors.js';
import { apiEvent, call } from '../../support/apiEvent.js';
import { callerOf } from '../../support/callerOf.js';
import { startLocalC2 } from '../../support/localC2.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-failures' });
});
afterAll(async () => {
  await api?.close();
});

const SECRET_DETAIL = 'detail-that-must-not-leave';

const failingRoute = (path: `/${string}`, error: () => unknown, response: z.ZodType = z.strictObject({})) =>
  defineRoute({
    method: 'GET',
    path,
    scope: 'read-only',
    operationId: `fail${path.replaceAll('/', '_')}`,
    summary: 'fails',
    response,
    run: async () => {
      throw error();
    },
  });

const TEST_ROUTES = [
  failingRoute('/test/error', () => new Error(`boom: ${SECRET_DETAIL}`)),
  failingRoute('/test/type-error', () => new TypeError(`cannot read ${SECRET_DETAIL}`)),
  failingRoute('/test/not-an-error', () => SECRET_DETAIL),
  failingRoute('/test/key-integrity', () => new C2Error(C2ErrorCode.KeyIntegrity, `tampered ${SECRET_DETAIL}`)),
  failingRoute('/test/key-unavailable', () => new C2Error(C2ErrorCode.KeyUnavailable, `kms down ${SECRET_DETAIL}`)),
  failingRoute('/test/delivery', () => new C2Error(C2ErrorCode.DeliveryFailed, `broker ${SECRET_DETAIL}`)),
  defineRoute({
    method: 'GET',
    path: '/test/extra-field',
    scope: 'read-only',
    operationId: 'extraField',
    summary: 'returns more than its schema',
    response: z.strictObject({ name: z.string() }),
    run: async () => ({ name: 'x', wrappedKey: SECRET_DETAIL }) as { name: string },
  }),
];

describe('a route that fails', () => {
  let logs: ApiLogEntry[];
  let handler: ReturnType<typeof createApiHandler>;
  beforeAll(() => {
    logs = [];
    handler = createApiHandler(api.c2.deps, { routes: TEST_ROUTES, log: (entry) => logs.push(entry) });
  });

  it.each([
    ['an Error', '/test/error', 500, 'INTERNAL', { name: 'Error', message: `boom: ${SECRET_DETAIL}` }],
    [
      'a TypeError',
      '/test/type-error',
      500,
      'INTERNAL',
      { name: 'TypeError', message: `cannot read ${SECRET_DETAIL}` },
    ],
    [
      'a thrown string',
      '/test/not-an-error',
      500,
      'INTERNAL',
      { name: 'string', message: 'a non-Error value was thrown' },
    ],
    [
      'KEY_INTEGRITY',
      '/test/key-integrity',
      500,
      'INTERNAL',
      { name: 'C2Error', code: 'KEY_INTEGRITY', message: `tampered ${SECRET_DETAIL}` },
    ],
    [
      'KEY_UNAVAILABLE',
      '/test/key-unavailable',
      503,
      'UNAVAILABLE',
      { name: 'C2Error', code: 'KEY_UNAVAILABLE', message: `kms down ${SECRET_DETAIL}` },
    ],
    [
      'DELIVERY_FAILED',
      '/test/delivery',
      503,
      'UNAVAILABLE',
      { name: 'C2Error', code: 'DELIVERY_FAILED', message: `broker ${SECRET_DETAIL}` },
    ],
  ])('%s: %s is %s %s, generic, logged with the tenant and key id', async (_label, path, status, code, logged) => {
    // Prepare
    logs.length = 0;

    // Act
    const answer = await call(handler, 'GET', path, { token: api.token });

    // Assess
    expect(answer.status).toBe(status);
    expect(errorCodeOf(answer)).toBe(code);
    expect(answer.raw).not.toContain(SECRET_DETAIL);
    const [, tenantId, keyId] = api.token.split('.');
    expect(logs).toEqual([{ level: 'error', message: 'request failed', status, tenantId, keyId, error: logged }]);
  });

  it('a response with a field its schema does not list is a 500: the field never leaves', async () => {
    logs.length = 0;
    const answer = await call(handler, 'GET', '/test/extra-field', { token: api.token });
    expect(answer.status).toBe(500);
    expect(answer.raw).not.toContain(SECRET_DETAIL);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.error.message).toBe('the response of extraField does not match its schema at (root)');
  });

  it('logs the Lambda request id when there is one', async () => {
    logs.length = 0;
    const context = { awsRequestId: 'req-123' } as Parameters<typeof handler>[1];
    await handler(apiEvent('GET', '/test/error', { token: api.token }), context);
    expect(logs[0]!.requestId).toBe('req-123');
  });
});

describe('a store that is down', () => {
  it('is a 500 with a generic body, logged', async () => {
    // Prepare
    const c2 = await startLocalC2();
    const { token } = await createApiKey(c2.deps, callerOf('tenant-down'), { name: 'k', scope: 'admin' });
    const logs: ApiLogEntry[] = [];
    const handler = createApiHandler(c2.deps, { log: (entry) => logs.push(entry) });
    await c2.close();

    // Act
    const answer = await call(handler, 'GET', '/v1/clients', { token });

    // Assess
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(logs).toHaveLength(1);
    expect(logs[0]!.status).toBe(500);
  });
});

describe('the route table', () => {
  it('refuses a table with a route twice', () => {
    expect(() => createApiHandler(api.c2.deps, { routes: [...routes, routes[0]!] })).toThrow(/twice/);
  });
});
