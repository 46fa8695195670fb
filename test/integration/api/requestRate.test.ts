/**
 * The tenants' request rate over HTTP (local adapters, the clock the test's): the request past `requestsPerMinute`
 * in a minute is 429 RATE_LIMITED with Retry-After, other tenants and the public routes are not counted with it, the
 * next minute is accepted; a store failure of the count lets the request through.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { LIMIT_TTL_MS, requestRateLimiter } from '../../../shared/c2/limits/requestRateLimiter.js';
import { openDynaliteTable } from '../../support/dynaliteTable.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

const TENANT = 'tenant-rate';
const MINUTE = Date.parse('2026-12-01T10:00:00.000Z');
let now = MINUTE + 15_000;
let api: ApiFixture;
/** The tenants the handler reported refused for their rate (the worker's metric with a tenant dimension). */
const rateLimited: string[] = [];

beforeAll(async () => {
  api = await startApiFixture({
    tenantId: TENANT,
    clock: () => now,
    handler: { onRateLimited: (tenantId) => void rateLimited.push(tenantId) },
  });
  await api.c2.deps.store.setTenantLimits(TENANT, { requestsPerMinute: 3 });
});
afterAll(async () => {
  await api?.close();
});

it('answers the request past the limit with 429 RATE_LIMITED and Retry-After (seconds to the next minute)', async () => {
  // Prepare: a frozen clock, so the 3 requests fall in one minute whatever the machine's speed.
  const other = await api.tokenOf('tenant-rate-other');
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await api.call('GET', '/v1/stats')).status);
  // The public routes are not counted.
  expect((await api.call('GET', '/v1/health', { token: null })).status).toBe(200);

  // Act
  const limited = await api.call('GET', '/v1/stats');
  const otherTenant = await api.call('GET', '/v1/stats', { token: other });

  // Assess
  expect(statuses).toEqual([200, 200, 200]);
  expect([limited.status, errorCodeOf(limited)]).toEqual([429, 'RATE_LIMITED']);
  expect(limited.headers['retry-after']).toBe('45');
  expect(limited.json.error.message).toContain('requestsPerMinute');
  expect(otherTenant.status).toBe(200);
  // Still refused later in the minute, with less to wait.
  now = MINUTE + 59_500;
  const later = await api.call('POST', '/v1/topics', { body: { topic: 'refused' } });
  expect([later.status, later.headers['retry-after']]).toEqual([429, '1']);
  expect(await api.c2.deps.store.getTopic(TENANT, 'refused')).toBeUndefined();
  expect(rateLimited).toEqual([TENANT, TENANT]);

  // Act + Assess: the next minute counts again.
  now = MINUTE + 60_000;
  expect((await api.call('GET', '/v1/stats')).status).toBe(200);
});

it('a changed limit takes effect once the cached one is older than its TTL', async () => {
  // Prepare: a fresh minute, the limit raised.
  now = MINUTE + 10 * 60_000;
  await api.c2.deps.store.setTenantLimits(TENANT, { requestsPerMinute: 5 });
  now += LIMIT_TTL_MS;

  // Act
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await api.call('GET', '/v1/stats')).status);

  // Assess
  expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
});

it('GET /v1/limits shows requestsPerMinute', async () => {
  now = MINUTE + 20 * 60_000;
  const answer = await api.call('GET', '/v1/limits');
  expect(answer.json.limits.requestsPerMinute).toBe(5);
});

it('a limit of 0 refuses every request of the tenant', async () => {
  // Prepare
  const tenant = 'tenant-rate-zero';
  const token = await api.tokenOf(tenant);
  await api.c2.deps.store.setTenantLimits(tenant, { requestsPerMinute: 0 });

  // Act
  const answer = await api.call('GET', '/v1/stats', { token });

  // Assess
  expect([answer.status, errorCodeOf(answer)]).toEqual([429, 'RATE_LIMITED']);
});

it('lets the request through when the count cannot be written (fail open), and says so', async () => {
  // Prepare: a store whose table does not exist (a real failure of a real dynalite).
  const table = await openDynaliteTable();
  const failures: unknown[] = [];
  try {
    const limit = requestRateLimiter(
      { ...api.c2.deps, store: new DynamoKeyStore(table.db, 'no-such-table') },
      { onStoreFailure: (error) => failures.push(error) },
    );

    // Act
    const verdict = await limit(TENANT);

    // Assess
    expect(verdict).toEqual({ allowed: true });
    expect(failures).toHaveLength(1);
  } finally {
    await table.close();
  }
});
