/** The tenant's quotas over HTTP (local adapters): GET /v1/limits, and 409 LIMIT_REACHED past a limit. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_TENANT_LIMITS } from '../../../shared/c2/limits/tenantLimits.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-limits' });
});
afterAll(async () => {
  await api?.close();
});

it('GET /v1/limits: the defaults and what the tenant holds', async () => {
  await api.call('POST', '/v1/topics', { body: { topic: 'a' } });
  const answer = await api.call('GET', '/v1/limits');
  expect(answer.status).toBe(200);
  expect(answer.json).toEqual({
    limits: DEFAULT_TENANT_LIMITS,
    usage: { clients: 0, topics: 1, policies: 0, operationsInProgress: 0 },
  });
});

it('POST past a limit: 409 LIMIT_REACHED naming it, the record not written', async () => {
  // Prepare
  await api.c2.deps.store.setTenantLimits(api.tenantId, { maxTopics: 2, maxClients: 1 });
  await api.call('POST', '/v1/topics', { body: { topic: 'b' } });
  const client = { name: 'dev-1', mode: 'symmetric', generateKey: true };
  expect((await api.call('POST', '/v1/clients', { body: client })).status).toBe(201);

  // Act
  const topic = await api.call('POST', '/v1/topics', { body: { topic: 'c' } });
  const second = await api.call('POST', '/v1/clients', { body: { ...client, name: 'dev-2' } });

  // Assess
  expect([topic.status, errorCodeOf(topic)]).toEqual([409, 'LIMIT_REACHED']);
  expect(topic.json.error.message).toContain('maxTopics');
  expect([second.status, errorCodeOf(second)]).toEqual([409, 'LIMIT_REACHED']);
  expect(second.json.error.message).toContain('maxClients');
  expect(await api.c2.deps.store.getTopic(api.tenantId, 'c')).toBeUndefined();
  const limits = await api.call('GET', '/v1/limits');
  expect(limits.json).toEqual({
    limits: { ...DEFAULT_TENANT_LIMITS, maxTopics: 2, maxClients: 1 },
    usage: { clients: 1, topics: 2, policies: 0, operationsInProgress: 0 },
  });
});
