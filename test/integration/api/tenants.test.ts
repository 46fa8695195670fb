/**
 * The platform operator's routes on a local C2 (dynalite, keyring, aedes, the real work queue): tenants created with
 * a first admin key, listed, read, their limits set, suspended (their keys refused with 403 TENANT_SUSPENDED) and
 * resumed, and deleted: every record of the tenant, its clients' names (another tenant can take them), its policies'
 * schedules (LocalScheduler) and its registry entry gone; a deletion that crashed half-way goes on when its message
 * comes again (a StepQueue hands the messages over by hand).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../../functions/api/createApiHandler.js';
import { createApiKey } from '../../../shared/c2/apiKeys/createApiKey.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { handleWork } from '../../../shared/c2/operations/handleWork.js';
import { createPlatformKey } from '../../../shared/c2/platform/createPlatformKey.js';
import { PLATFORM_TENANT } from '../../../shared/c2/platform/platformKeyToken.js';
import type { KeyStore } from '../../../shared/c2/ports.js';
import { hashIdAlias } from '../../../shared/e4/index.js';
import { type ApiAnswer, call } from '../../support/apiEvent.js';
import { operationFinished } from '../../support/operationFinished.js';
import { recordSecret } from '../../support/recordedSecrets.js';
import { StepQueue } from '../../support/stepQueue.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

let api: ApiFixture;
let platform: string;

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-home' });
  platform = (await createPlatformKey(api.c2.deps, 'test', 'platform')).token;
  recordSecret(platform);
});
afterAll(async () => {
  await api?.close();
});

const asPlatform = (method: string, path: string, body?: unknown) =>
  api.call(method, path, { token: platform, ...(body === undefined ? {} : { body }) });

function expectOk(answer: ApiAnswer, status = 200): ApiAnswer['json'] {
  expect(answer.status, answer.raw).toBe(status);
  return answer.json;
}

function expectSuspended(answer: ApiAnswer): void {
  expect(answer.status, answer.raw).toBe(403);
  expect(errorCodeOf(answer)).toBe('TENANT_SUSPENDED');
}

/** A client, a topic with the client on it, a rotation policy and a second API key of the tenant, through its key. */
async function fillTenant(token: string, clientName: string): Promise<{ policyId: string }> {
  const as = (method: string, path: string, body?: unknown) =>
    api.call(method, path, { token, ...(body === undefined ? {} : { body }) });
  const { client } = expectOk(await as('POST', '/v1/clients', { name: clientName, generateKey: true }), 201);
  const topic = expectOk(await as('POST', '/v1/topics', { topic: `${clientName}/topic` }), 201);
  expectOk(await as('PUT', `/v1/topics/${topic.hash}/clients/${client.id}`));
  const policy = expectOk(
    await as('POST', '/v1/policies', {
      name: 'monthly',
      target: { topicPrefix: `${clientName}/` },
      action: 'rotate-topic-key',
      schedule: { expression: 'rate(30 days)' },
    }),
    201,
  );
  expectOk(await as('POST', '/v1/keys/api', { name: 'second', scope: 'operator' }), 201);
  return { policyId: policy.id };
}

/** Nothing of the tenant is left but its tombstone: no record of any kind, no claim, no schedule. */
async function expectGone(deps: C2Deps, tenantId: string, clientNames: string[], policyId: string): Promise<void> {
  const { store } = deps;
  expect(await store.getTenant(tenantId)).toMatchObject({ id: tenantId, status: 'deleted' });
  expect((await store.listClients(tenantId, { limit: 10 })).items).toEqual([]);
  expect(await store.countApiKeys(tenantId)).toBe(0);
  expect(await store.getTenantLimits(tenantId)).toEqual({});
  // A sweep of the partition finds nothing left to delete.
  expect(await store.deleteTenantItems(tenantId, 100)).toBe(0);
  for (const name of clientNames) expect(await store.getClientIdClaim(hashIdAlias(name))).toBeUndefined();
  expect(await deps.scheduler!.getSchedule(tenantId, policyId)).toBeUndefined();
}

describe('a tenant through the platform routes', () => {
  it('is created with a first admin key, listed, read, and has its limits set', async () => {
    // Act
    const created = expectOk(
      await asPlatform('POST', '/v1/tenants', { id: 'acme', displayName: 'Acme Inc.', limits: { maxClients: 1 } }),
      201,
    );

    // Assess
    expect(created.tenant).toMatchObject({ id: 'acme', displayName: 'Acme Inc.', status: 'active' });
    expect(created.limits.limits.maxClients).toBe(1);
    expect(created.adminKey).toMatchObject({ scope: 'admin', status: 'active' });
    const token = created.adminKey.token as string;
    expect(token.startsWith('e4c2.acme.')).toBe(true);
    const as = (method: string, path: string, body?: unknown) =>
      api.call(method, path, { token, ...(body === undefined ? {} : { body }) });
    expectOk(await as('POST', '/v1/clients', { name: 'acme-1', generateKey: true }), 201);
    const full = await as('POST', '/v1/clients', { name: 'acme-2', generateKey: true });
    expect(full.status).toBe(409);
    expect(errorCodeOf(full)).toBe('LIMIT_REACHED');

    const limits = expectOk(await asPlatform('PUT', '/v1/tenants/acme/limits', { maxClients: 5, maxTopics: null }));
    expect(limits).toMatchObject({ limits: { maxClients: 5 }, usage: { clients: 1 } });
    expectOk(await as('POST', '/v1/clients', { name: 'acme-2', generateKey: true }), 201);

    const read = expectOk(await asPlatform('GET', '/v1/tenants/acme'));
    expect(read).toEqual(created.tenant);
    expectOk(await asPlatform('POST', '/v1/tenants', { id: 'acme-two' }), 201);
    const first = expectOk(await asPlatform('GET', '/v1/tenants?limit=1'));
    expect(first.items.map((tenant: { id: string }) => tenant.id)).toEqual(['acme']);
    const next = expectOk(await asPlatform('GET', `/v1/tenants?limit=1&cursor=${first.cursor}`));
    expect(next.items.map((tenant: { id: string }) => tenant.id)).toEqual(['acme-two']);
  });

  it('is suspended (its keys refused with 403 TENANT_SUSPENDED, its records kept) and resumed', async () => {
    // Prepare
    const created = expectOk(await asPlatform('POST', '/v1/tenants', { id: 'pausable' }), 201);
    const token = created.adminKey.token as string;
    expectOk(await api.call('POST', '/v1/clients', { token, body: { name: 'pausable-1', generateKey: true } }), 201);

    // Act
    const suspended = expectOk(await asPlatform('POST', '/v1/tenants/pausable/suspend'));

    // Assess
    expect(suspended.status).toBe('suspended');
    expectSuspended(await api.call('GET', '/v1/stats', { token }));
    expectSuspended(await api.call('POST', '/v1/clients', { token, body: { name: 'pausable-2', generateKey: true } }));
    expectSuspended(await api.call('GET', '/v1/keys/api', { token }));
    // Suspended again: answered as it is.
    expect(expectOk(await asPlatform('POST', '/v1/tenants/pausable/suspend')).status).toBe('suspended');
    // Another tenant's key is not affected.
    expectOk(await api.call('GET', '/v1/stats'));

    const resumed = expectOk(await asPlatform('POST', '/v1/tenants/pausable/resume'));
    expect(resumed.status).toBe('active');
    expect(expectOk(await api.call('GET', '/v1/stats', { token }))).toEqual({ clients: 1, topics: 0 });
  });

  it('is recorded in the platform event log, not in the tenant', async () => {
    const { items } = await api.c2.deps.store.listEvents(PLATFORM_TENANT, { action: 'tenant.' }, { limit: 100 });
    const actions = new Set(items.map((event) => `${event.action} ${event.target.name}`));
    expect(actions).toContain('tenant.create acme');
    expect(actions).toContain('tenant.limits acme');
    expect(actions).toContain('tenant.suspend pausable');
    expect(actions).toContain('tenant.resume pausable');
  });

  it('is deleted: every record, its clients names, its policies schedules, its keys, then its entry', async () => {
    // Prepare
    const created = expectOk(await asPlatform('POST', '/v1/tenants', { id: 'doomed' }), 201);
    const token = created.adminKey.token as string;
    const { policyId } = await fillTenant(token, 'doomed-device');
    expect(await api.c2.deps.scheduler!.getSchedule('doomed', policyId)).toBeDefined();

    // Act
    const started = expectOk(await asPlatform('DELETE', '/v1/tenants/doomed'), 202);

    // Assess
    expect(started.tenant).toBe('doomed');
    expect(started.operation).toMatchObject({ kind: 'tenant.delete', target: { type: 'tenant', name: 'doomed' } });
    // The tenant reads `deleted` from the operation's last step on; the operation ends just after.
    const operation = await operationFinished(api.c2.deps, { tenantId: PLATFORM_TENANT, id: started.operation.id });
    expect(operation).toMatchObject({ status: 'succeeded', cursor: 'done' });
    const answer = await asPlatform('GET', '/v1/tenants/doomed');
    expect(answer.json.status, answer.raw).toBe('deleted');
    await expectGone(api.c2.deps, 'doomed', ['doomed-device'], policyId);
    expect((await api.call('GET', '/v1/stats', { token })).status).toBe(401);
    // Its client's name is free: another tenant takes it.
    expectOk(await api.call('POST', '/v1/clients', { body: { name: 'doomed-device', generateKey: true } }), 201);
  });

  it('a deleted tenant stays deleted: a key written after its sweep is refused; its id is taken again once empty', async () => {
    // Prepare: a tenant deleted, then an API key of it written after the sweep (as a request a cache let through)
    const created = expectOk(await asPlatform('POST', '/v1/tenants', { id: 'ghost' }), 201);
    const deleted = expectOk(await asPlatform('DELETE', '/v1/tenants/ghost'), 202);
    await operationFinished(api.c2.deps, { tenantId: PLATFORM_TENANT, id: deleted.operation.id });
    const late = await createApiKey(
      api.c2.deps,
      { tenantId: 'ghost', actor: 'test' },
      { name: 'late', scope: 'admin' },
    );

    // Act
    const withLate = await api.call('GET', '/v1/stats', { token: late.token });
    const withFirst = await api.call('GET', '/v1/stats', { token: created.adminKey.token });
    const again = await asPlatform('POST', '/v1/tenants', { id: 'ghost' });
    const redeleted = expectOk(await asPlatform('DELETE', '/v1/tenants/ghost'), 202);
    await operationFinished(api.c2.deps, { tenantId: PLATFORM_TENANT, id: redeleted.operation.id });
    const reborn = await asPlatform('POST', '/v1/tenants', { id: 'ghost' });

    // Assess
    expect([withLate.status, withFirst.status]).toEqual([401, 401]);
    expect([again.status, errorCodeOf(again)]).toEqual([409, 'ALREADY_EXISTS']);
    expect(reborn.status, reborn.raw).toBe(201);
    expect(reborn.json.tenant.status).toBe('active');
    expect((await api.call('GET', '/v1/stats', { token: reborn.json.adminKey.token })).status).toBe(200);
    expect((await api.call('GET', '/v1/stats', { token: late.token })).status).toBe(401);
  });

  it('deletions asked at the same time start one operation', async () => {
    // Prepare
    expectOk(await asPlatform('POST', '/v1/tenants', { id: 'twice' }), 201);

    // Act
    const answers = await Promise.all([1, 2, 3].map(() => asPlatform('DELETE', '/v1/tenants/twice')));

    // Assess
    const ids = answers.map((answer) => expectOk(answer, 202).operation.id as string);
    expect(new Set(ids).size, JSON.stringify(ids)).toBe(1);
    const shown = expectOk(await asPlatform('GET', '/v1/tenants/twice'));
    expect(shown.deletion.id).toBe(ids[0]);
    await operationFinished(api.c2.deps, { tenantId: PLATFORM_TENANT, id: ids[0]! });
  });

  it('a deletion goes on where it stood after a worker died half-way; it shows as deleting meanwhile', async () => {
    // Prepare: a tenant with records, its deletion handed over by hand
    const created = expectOk(await asPlatform('POST', '/v1/tenants', { id: 'crashing' }), 201);
    const token = created.adminKey.token as string;
    const { policyId } = await fillTenant(token, 'crashing-device');
    await fillTenantMore(token);
    const queue = new StepQueue();
    const deps: C2Deps = { ...api.c2.deps, queue };
    const handler = createApiHandler(deps);
    const started = await call(handler, 'DELETE', '/v1/tenants/crashing', { token: platform });
    expect(started.status, started.raw).toBe(202);
    const shown = expectOk(await call(handler, 'GET', '/v1/tenants/crashing', { token: platform }));
    expect(shown).toMatchObject({ status: 'deleting', deletion: { id: started.json.operation.id, status: 'pending' } });
    expectSuspended(await call(handler, 'GET', '/v1/stats', { token }));

    // Act: a worker that dies after deleting its first client (a fault injected: a crash inside one call cannot be
    // caused otherwise), then the message handed over again, as the queue does
    let deleted = 0;
    const dying = new Proxy(deps.store, {
      get: (target, property: keyof KeyStore) => {
        if (property === 'deleteClient') {
          return async (tenantId: string, name: string) => {
            if (deleted++ === 1) throw new Error('the worker died');
            await target.deleteClient(tenantId, name);
          };
        }
        const value = target[property];
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const message = queue.take();
    expect(message).toMatchObject({ type: 'operation', tenantId: PLATFORM_TENANT });
    await expect(handleWork({ ...deps, store: dying }, message)).rejects.toThrow('the worker died');
    expect((await deps.store.listClients('crashing', { limit: 10 })).items).toHaveLength(1);
    await queue.enqueue([message]);
    await queue.drain(deps);

    // Assess
    const operation = await deps.operations.getOperation(PLATFORM_TENANT, started.json.operation.id);
    expect(operation).toMatchObject({ status: 'succeeded' });
    await expectGone(deps, 'crashing', ['crashing-device', 'crashing-extra'], policyId);
  });
});

/** A second client, so that the deletion has more than one. */
async function fillTenantMore(token: string): Promise<void> {
  expectOk(await api.call('POST', '/v1/clients', { token, body: { name: 'crashing-extra', generateKey: true } }), 201);
}
