/**
 * Per-tenant quotas over the local adapters (dynalite, keyring file, aedes): clients and topics against their
 * counters (limits/withCountedSlot.ts), policies against their count, each tenant apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { deleteClient } from '../../../shared/c2/clients/deleteClient.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import { setTenantLimits } from '../../../shared/c2/limits/setTenantLimits.js';
import { DEFAULT_TENANT_LIMITS, tenantLimits } from '../../../shared/c2/limits/tenantLimits.js';
import { createPolicy } from '../../../shared/c2/policies/createPolicy.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { deleteTopic } from '../../../shared/c2/topics/deleteTopic.js';
import { clientRecord } from '../../contract/keyStore.contract.js';
import { callerOf } from '../../support/callerOf.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { errorOf } from '../../support/errorOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { operationFinished } from '../../support/operationFinished.js';

let c2: LocalC2;
beforeAll(async () => {
  c2 = await startLocalC2();
});
afterAll(async () => {
  await c2?.close();
});

const newClient = (tenant: string, name: string) =>
  createClient(c2.deps, callerOf(tenant), { name, mode: 'symmetric', generateKey: true });

describe('tenant limits', () => {
  it('are the defaults until set, per tenant', async () => {
    await c2.deps.store.setTenantLimits('limits-set', { maxTopics: 3 });
    expect(await tenantLimits(c2.deps, 'limits-none')).toEqual(DEFAULT_TENANT_LIMITS);
    expect(await tenantLimits(c2.deps, 'limits-set')).toEqual({ ...DEFAULT_TENANT_LIMITS, maxTopics: 3 });
  });

  it('topics: LIMIT_REACHED past maxTopics, naming it; a deletion frees a slot; other tenants unaffected', async () => {
    // Prepare
    const tenant = 'topics-capped';
    await c2.deps.store.setTenantLimits(tenant, { maxTopics: 3 });
    for (const topic of ['a', 'b', 'c']) await createTopic(c2.deps, callerOf(tenant), { topic });

    // Act
    const refused = await errorOf(() => createTopic(c2.deps, callerOf(tenant), { topic: 'd' }));
    await deleteTopic(c2.deps, callerOf(tenant), 'a');
    await createTopic(c2.deps, callerOf(tenant), { topic: 'd' });
    const again = await codeOfAsync(() => createTopic(c2.deps, callerOf(tenant), { topic: 'e' }));

    // Assess
    expect(refused.code).toBe(C2ErrorCode.LimitReached);
    expect(refused.message).toContain('at most 3 topics');
    expect(refused.message).toContain('maxTopics');
    expect(again).toBe(C2ErrorCode.LimitReached);
    expect(await c2.deps.store.getTopic(tenant, 'e')).toBeUndefined();
    expect(await c2.deps.store.countTopics(tenant)).toBe(3);
    expect(await c2.deps.store.getCounts(tenant)).toEqual({ topics: 3 });
    await createTopic(c2.deps, callerOf('topics-other'), { topic: 'e' });
  });

  it('a topic that exists already takes no slot', async () => {
    const tenant = 'topics-exists';
    await c2.deps.store.setTenantLimits(tenant, { maxTopics: 2 });
    await createTopic(c2.deps, callerOf(tenant), { topic: 'a' });
    expect(await codeOfAsync(() => createTopic(c2.deps, callerOf(tenant), { topic: 'a' }))).toBe(
      C2ErrorCode.AlreadyExists,
    );
    await createTopic(c2.deps, callerOf(tenant), { topic: 'b' });
    expect(await c2.deps.store.getCounts(tenant)).toEqual({ topics: 2 });
  });

  it('clients: 20 creations at once at a limit of 5 make exactly 5 clients, the others LIMIT_REACHED', async () => {
    // Prepare
    const tenant = 'clients-race';
    await c2.deps.store.setTenantLimits(tenant, { maxClients: 5 });

    // Act
    const codes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => codeOfAsync(() => newClient(tenant, `race-${i}`))),
    );

    // Assess
    expect(codes.filter((code) => code === 'ok')).toHaveLength(5);
    expect(codes.filter((code) => code === C2ErrorCode.LimitReached)).toHaveLength(15);
    expect(await c2.deps.store.countClients(tenant)).toBe(5);
    expect(await c2.deps.store.getCounts(tenant)).toEqual({ clients: 5 });
  });

  it('clients: creations at once on a tenant without a counter yet are all made (it is started once)', async () => {
    const tenant = 'clients-fresh';
    const codes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => codeOfAsync(() => newClient(tenant, `fresh-${i}`))),
    );
    expect(codes).toEqual(Array.from({ length: 10 }, () => 'ok'));
    expect(await c2.deps.store.getCounts(tenant)).toEqual({ clients: 10 });
  });

  it("clients: a creation refused for another reason (another tenant's name) gives its slot back", async () => {
    const tenant = 'clients-refused';
    await c2.deps.store.setTenantLimits(tenant, { maxClients: 1 });
    await newClient('clients-holder', 'held-name');
    expect(await codeOfAsync(() => newClient(tenant, 'held-name'))).toBe(C2ErrorCode.AlreadyExists);
    expect(await c2.deps.store.getCounts(tenant)).toEqual({ clients: 0 });
    await newClient(tenant, 'own-name');
  });

  it('clients: a deletion frees a slot, once', async () => {
    // Prepare
    const tenant = 'clients-deleted';
    await c2.deps.store.setTenantLimits(tenant, { maxClients: 2 });
    await newClient(tenant, 'one');
    await newClient(tenant, 'two');
    expect(await codeOfAsync(() => newClient(tenant, 'three'))).toBe(C2ErrorCode.LimitReached);

    // Act
    const started = await deleteClient(c2.deps, callerOf(tenant), { name: 'one' });
    expect((await operationFinished(c2.deps, started.operation)).status).toBe('succeeded');

    // Assess
    expect(await c2.deps.store.getCounts(tenant)).toEqual({ clients: 1 });
    await newClient(tenant, 'three');
    expect(await codeOfAsync(() => newClient(tenant, 'four'))).toBe(C2ErrorCode.LimitReached);
  });

  it('clients: a tenant with clients from before the quotas has its counter started from their count', async () => {
    // Prepare: two records written without a counter (as before the quotas)
    const tenant = 'clients-before';
    await c2.deps.store.createClient(clientRecord('old-1', { tenantId: tenant }));
    await c2.deps.store.createClient(clientRecord('old-2', { tenantId: tenant }));
    await c2.deps.store.setTenantLimits(tenant, { maxClients: 3 });
    expect(await c2.deps.store.getCounts(tenant)).toEqual({});

    // Act
    await newClient(tenant, 'new-1');
    const refused = await codeOfAsync(() => newClient(tenant, 'new-2'));

    // Assess
    expect(refused).toBe(C2ErrorCode.LimitReached);
    expect(await c2.deps.store.getCounts(tenant)).toEqual({ clients: 3 });
  });

  it('policies: LIMIT_REACHED past maxPolicies, naming it', async () => {
    const tenant = 'policies-capped';
    await c2.deps.store.setTenantLimits(tenant, { maxPolicies: 1 });
    const policy = (name: string) => ({
      name,
      target: { topicPrefix: 'sensors/' },
      action: 'rotate-topic-key',
      schedule: { expression: 'rate(1 day)' },
    });
    await createPolicy(c2.deps, callerOf(tenant), policy('first'));
    const refused = await errorOf(() => createPolicy(c2.deps, callerOf(tenant), policy('second')));
    expect(refused.code).toBe(C2ErrorCode.LimitReached);
    expect(refused.message).toContain('maxPolicies');
  });

  it('eventRetentionDays: 1 to 3650 days, or null for the default; set, it is in force', async () => {
    // Act
    const below = await errorOf(() => setTenantLimits(c2.deps, 'retention', { eventRetentionDays: 0 }));
    const above = await errorOf(() => setTenantLimits(c2.deps, 'retention', { eventRetentionDays: 3651 }));
    const set = await setTenantLimits(c2.deps, 'retention', { eventRetentionDays: 30 });
    const reset = await setTenantLimits(c2.deps, 'retention', { eventRetentionDays: null });

    // Assess
    expect([below.code, above.code]).toEqual([C2ErrorCode.InvalidInput, C2ErrorCode.InvalidInput]);
    expect(above.message).toContain('from 1 to 3650');
    expect(set.limits.eventRetentionDays).toBe(30);
    expect(reset.limits.eventRetentionDays).toBe(DEFAULT_TENANT_LIMITS.eventRetentionDays);
  });
});
