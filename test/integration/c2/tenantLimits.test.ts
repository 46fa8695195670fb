/**
 * Per-tenant quotas over the local adapters (dynalite, keyring file, aedes): clients and topics against their
 * counters (limits/createCounted.ts), policies against their count, operations in progress against their slots
 * (operations/operationSlots.ts), each tenant apart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { deleteClient } from '../../../shared/c2/clients/deleteClient.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import { setTenantLimits } from '../../../shared/c2/limits/setTenantLimits.js';
import { DEFAULT_TENANT_LIMITS, MAX_LIMIT, tenantLimits } from '../../../shared/c2/limits/tenantLimits.js';
import { tenantLimitsView } from '../../../shared/c2/limits/tenantLimitsView.js';
import { finishOperation } from '../../../shared/c2/operations/finishOperation.js';
import { newOperationId } from '../../../shared/c2/operations/newOperationId.js';
import { takeOperationSlot } from '../../../shared/c2/operations/operationSlots.js';
import { createPolicy } from '../../../shared/c2/policies/createPolicy.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { deleteTopic } from '../../../shared/c2/topics/deleteTopic.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { clientRecord } from '../../contract/keyStore.contract.js';
import { operationRecord } from '../../contract/operationStore.contract.js';
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

  it('setTenantLimits: requestsPerMinute set and back to its default; out of range or not an integer refused', async () => {
    // Act
    const set = await setTenantLimits(c2.deps, 'limits-rate', { requestsPerMinute: 120 });
    const refused = await Promise.all(
      [-1, 1.5, MAX_LIMIT + 1, '60'].map((value) =>
        codeOfAsync(() => setTenantLimits(c2.deps, 'limits-rate', { requestsPerMinute: value as number })),
      ),
    );
    const back = await setTenantLimits(c2.deps, 'limits-rate', { requestsPerMinute: null });

    // Assess
    expect(set.limits.requestsPerMinute).toBe(120);
    expect(refused).toEqual(Array.from({ length: 4 }, () => C2ErrorCode.InvalidInput));
    expect(back.limits.requestsPerMinute).toBe(DEFAULT_TENANT_LIMITS.requestsPerMinute);
  });

  it('topics: LIMIT_REACHED past maxTopics, naming it; a deletion frees a slot; other tenants unaffected', async () => {
    // Prepare
    const tenant = 'topics-capped';
    await c2.deps.store.setTenantLimits(tenant, { maxTopics: 3 });
    for (const topic of ['a', 'b', 'c']) await createTopic(c2.deps, callerOf(tenant), { topic });

    // Act
    const refused = await errorOf(() => createTopic(c2.deps, callerOf(tenant), { topic: 'd' }));
    await operationFinished(c2.deps, (await deleteTopic(c2.deps, callerOf(tenant), 'a')).operation);
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

  it("clients: a creation refused for another reason (another tenant's name) counts nothing", async () => {
    const tenant = 'clients-refused';
    await c2.deps.store.setTenantLimits(tenant, { maxClients: 1 });
    await newClient('clients-holder', 'held-name');
    expect(await codeOfAsync(() => newClient(tenant, 'held-name'))).toBe(C2ErrorCode.AlreadyExists);
    expect((await c2.deps.store.getCounts(tenant)).clients ?? 0).toBe(0);
    await newClient(tenant, 'own-name');
    expect(await c2.deps.store.getCounts(tenant)).toEqual({ clients: 1 });
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

  describe('operations in progress (maxConcurrentOperations)', () => {
    const apiCaller = (tenant: string) => callerOf(tenant, 'apikey:0123456789abcdef');
    /** An operation recorded and never queued: it stays in progress, holding the slot taken for it. */
    const heldOperation = async (tenant: string, second: number) => {
      const record = operationRecord(second, { tenantId: tenant, id: newOperationId(c2.deps), actor: 'apikey:x' });
      await c2.deps.operations.createOperation(record);
      expect(await takeOperationSlot(c2.deps, tenant, record.id)).toBe(true);
      return record;
    };

    it('an API rotation past the limit is LIMIT_REACHED naming it; an operation that finishes frees its slot', async () => {
      // Prepare
      const tenant = 'ops-capped';
      await c2.deps.store.setTenantLimits(tenant, { maxConcurrentOperations: 2 });
      await createTopic(c2.deps, callerOf(tenant), { topic: 't' });
      const [first] = [await heldOperation(tenant, 1), await heldOperation(tenant, 2)];

      // Act
      const refused = await errorOf(() => rotateTopicKey(c2.deps, apiCaller(tenant), 't'));
      const byPolicy = await rotateTopicKey(c2.deps, callerOf(tenant, 'scheduler'), 't');
      await finishOperation(c2.deps, first!, { code: 'TEST', message: 'ended by the test' });
      const accepted = await rotateTopicKey(c2.deps, apiCaller(tenant), 't');
      const finished = await operationFinished(c2.deps, accepted.operation);

      // Assess
      expect(refused.code).toBe(C2ErrorCode.LimitReached);
      expect(refused.message).toContain('maxConcurrentOperations');
      expect(byPolicy.operation.id).toBeDefined();
      expect(finished.status).toBe('succeeded');
      // The slot goes back right after the operation's end is recorded: waited for.
      const deadline = Date.now() + 10_000;
      while ((await c2.deps.operations.listOperationSlots(tenant)).length > 1 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect((await c2.deps.operations.listOperationSlots(tenant)).map((slot) => slot.operationId)).toEqual([
        expect.not.stringMatching(first!.id),
      ]);
      expect((await tenantLimitsView(c2.deps, tenant)).usage.operationsInProgress).toBe(1);
    });

    it('at the limit, a repeat of a recorded request (same Idempotency-Key) answers with its operation', async () => {
      const tenant = 'ops-repeat';
      await c2.deps.store.setTenantLimits(tenant, { maxConcurrentOperations: 1 });
      await createTopic(c2.deps, callerOf(tenant), { topic: 't' });
      await heldOperation(tenant, 1); // the one slot, held
      await c2.deps.store.setTenantLimits(tenant, { maxConcurrentOperations: 2 });
      const first = await rotateTopicKey(c2.deps, apiCaller(tenant), 't', { idempotencyKey: 'rotate-once' });
      await c2.deps.store.setTenantLimits(tenant, { maxConcurrentOperations: 1 });
      const repeat = await rotateTopicKey(c2.deps, apiCaller(tenant), 't', { idempotencyKey: 'rotate-once' });
      const other = await errorOf(() => rotateTopicKey(c2.deps, apiCaller(tenant), 't', { idempotencyKey: 'another' }));
      expect([repeat.created, repeat.operation.id]).toEqual([false, first.operation.id]);
      expect(other.code).toBe(C2ErrorCode.LimitReached);
    });

    it('a limit lowered below the slots held refuses until enough of them are freed', async () => {
      const tenant = 'ops-lowered';
      await c2.deps.store.setTenantLimits(tenant, { maxConcurrentOperations: 3 });
      const held = [await heldOperation(tenant, 1), await heldOperation(tenant, 2), await heldOperation(tenant, 3)];
      await c2.deps.store.setTenantLimits(tenant, { maxConcurrentOperations: 2 });
      const refused = await codeOfAsync(() => takeOperationSlot(c2.deps, tenant, 'next'));
      await finishOperation(c2.deps, held[0]!, { code: 'TEST', message: 'ended by the test' });
      const stillRefused = await codeOfAsync(() => takeOperationSlot(c2.deps, tenant, 'next'));
      await finishOperation(c2.deps, held[1]!, { code: 'TEST', message: 'ended by the test' });
      expect([refused, stillRefused]).toEqual([C2ErrorCode.LimitReached, C2ErrorCode.LimitReached]);
      expect(await takeOperationSlot(c2.deps, tenant, 'next')).toBe(true);
    });

    it('10 starts at once at a limit of 3: exactly 3 slots taken, the others LIMIT_REACHED', async () => {
      const tenant = 'ops-race';
      await c2.deps.store.setTenantLimits(tenant, { maxConcurrentOperations: 3 });
      const outcomes = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          takeOperationSlot(c2.deps, tenant, `op-${i}`).then(String, (error: { code: string }) => error.code),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === 'true')).toHaveLength(3);
      expect(outcomes.filter((outcome) => outcome === C2ErrorCode.LimitReached)).toHaveLength(7);
    });

    it('a full quota frees the slots of finished operations and of starts never recorded (after a minute)', async () => {
      // Prepare: one slot of an operation that finished without freeing it (a crash), one of a start never recorded.
      const tenant = 'ops-abandoned';
      await c2.deps.store.setTenantLimits(tenant, { maxConcurrentOperations: 3 });
      const ended = await heldOperation(tenant, 1);
      await c2.deps.operations.updateOperation(
        tenant,
        ended.id,
        { status: 'succeeded', finishedAt: new Date().toISOString(), updatedAt: new Date().toISOString() },
        ended.revision,
      );
      const longAgo = new Date(Date.now() - 120_000).toISOString();
      // The two slots the first did not take (a slot is taken at random).
      const [endedSlot] = (await c2.deps.operations.listOperationSlots(tenant)).map((slot) => slot.slot);
      const [neverRecorded, justTaken] = [0, 1, 2].filter((slot) => slot !== endedSlot) as [number, number];
      const takenAt = new Date().toISOString();
      expect(
        await c2.deps.operations.takeOperationSlot(tenant, {
          slot: neverRecorded,
          operationId: 'never-recorded',
          takenAt: longAgo,
        }),
      ).toBe(true);
      expect(
        await c2.deps.operations.takeOperationSlot(tenant, { slot: justTaken, operationId: 'just-taken', takenAt }),
      ).toBe(true);

      // Act
      const taken = [await takeOperationSlot(c2.deps, tenant, 'a'), await takeOperationSlot(c2.deps, tenant, 'b')];
      const refused = await codeOfAsync(() => takeOperationSlot(c2.deps, tenant, 'c'));

      // Assess
      expect(taken).toEqual([true, true]);
      expect(refused).toBe(C2ErrorCode.LimitReached);
      const held = (await c2.deps.operations.listOperationSlots(tenant)).map((slot) => slot.operationId);
      expect(held.sort()).toEqual(['a', 'b', 'just-taken']);
    });
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
