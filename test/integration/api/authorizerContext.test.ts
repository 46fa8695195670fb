/**
 * The api handler as the AWS deployment runs it: the principal taken from the Lambda authorizer's context
 * (authorizerContextAuthenticator), refusals answered in the API's error shape, and no way around the authorizer.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { authorizerContextAuthenticator } from '../../../functions/api/authorizerContextAuthenticator.js';
import type { AuthorizerContext } from '../../../functions/authorizer/AuthorizerContext.js';
import { answerOf, apiEvent } from '../../support/apiEvent.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

const TENANT = 'tenant-context';
let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture({ tenantId: TENANT, handler: { authenticate: authorizerContextAuthenticator } });
});
afterAll(async () => {
  await api?.close();
});

/** GET `path` as API Gateway passes it on after the authorizer answered `context` (none: not through it). */
async function get(path: string, context?: AuthorizerContext | Record<string, unknown>, token?: string) {
  const event = apiEvent('GET', path, token === undefined ? {} : { token });
  const requestContext =
    context === undefined ? event.requestContext : { ...event.requestContext, authorizer: { lambda: context } };
  return answerOf(await api.handler({ ...event, requestContext }));
}
const principal = (scope: string) => ({
  tenantId: TENANT,
  keyId: '0123456789abcdef',
  scope,
  actor: 'apikey:0123456789abcdef',
});

it("answers with the context's principal (tenant, scope)", async () => {
  const answer = await get('/v1/stats', principal('read-only'));
  expect([answer.status, answer.json]).toEqual([200, { clients: 0, topics: 0 }]);
});

it('refuses a request without the context with 401, even with a valid API key (no way around the authorizer)', async () => {
  const answer = await get('/v1/stats', undefined, api.token);
  expect([answer.status, errorCodeOf(answer)]).toEqual([401, 'UNAUTHORIZED']);
  expect(answer.headers['www-authenticate']).toBe('Bearer');
});

it.each([
  ['refused: unauthenticated', { refused: 'unauthenticated' }],
  ['a refusal it does not know', { refused: 'something else' }],
  ['an unknown scope', principal('root')],
  ['a principal without a tenant', { keyId: 'k', scope: 'admin', actor: 'apikey:k' }],
  ['an empty tenant', { ...principal('admin'), tenantId: '' }],
])('answers %s with 401 in the API error shape', async (_label, context) => {
  const answer = await get('/v1/stats', context);
  expect([answer.status, errorCodeOf(answer)]).toEqual([401, 'UNAUTHORIZED']);
});

it('answers refused: unavailable (the authorizer could not read its store) with 503 UNAVAILABLE', async () => {
  const answer = await get('/v1/stats', { refused: 'unavailable' });
  expect([answer.status, errorCodeOf(answer)]).toEqual([503, 'UNAVAILABLE']);
});

it('answers a scope too low for the route with 403 FORBIDDEN', async () => {
  const answer = await get('/v1/keys/api', principal('operator'));
  expect([answer.status, errorCodeOf(answer)]).toEqual([403, 'FORBIDDEN']);
});

it('answers the public routes without any context', async () => {
  const answer = await get('/v1/health');
  expect([answer.status, answer.json]).toEqual([200, { status: 'ok' }]);
});
