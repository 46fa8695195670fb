/**
 * Contract of the PolicyStore port, run against every adapter (DynamoPolicyStore over dynalite, DynamoDB Local and
 * moto, next to the KeyStore and OperationStore contracts): `policyStoreContract(name, build)`. Each build gets a
 * fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import { C2ErrorCode } from '../../shared/c2/errors.js';
import { newOperationId } from '../../shared/c2/operations/newOperationId.js';
import type { PolicyRecord } from '../../shared/c2/policies/PolicyRecord.js';
import { type PolicyRunRecord, type PolicyStore, RUN_OPERATIONS_LISTED } from '../../shared/c2/ports/PolicyStore.js';
import { codeOfAsync } from '../support/codeOf.js';
import { page, readAll } from '../support/readAllPages.js';

const BASE = Date.UTC(2026, 11, 4, 0, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** A policy made `second` seconds after BASE (its id sorts by that time). */
export function policyRecord(second: number, overrides: Partial<PolicyRecord> = {}): PolicyRecord {
  const at = BASE + second * 1000;
  return {
    tenantId: 'tenant-a',
    id: newOperationId({ clock: () => at }),
    name: 'daily sensors',
    target: { topicPrefix: 'sensors/' },
    action: 'rotate-topic-key',
    schedule: { expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Paris', flexibleWindowMinutes: 15 },
    events: [{ type: 'client.removed', delayMinutes: 5 }],
    enabled: true,
    createdAt: iso(at),
    updatedAt: iso(at),
    revision: 1,
    ...overrides,
  };
}

/** A run of `policy` at `second` seconds after BASE. */
export function runRecord(policy: PolicyRecord, second: number, overrides: Partial<PolicyRunRecord> = {}) {
  const at = BASE + second * 1000;
  const run: PolicyRunRecord = {
    tenantId: policy.tenantId,
    policyId: policy.id,
    id: newOperationId({ clock: () => at }),
    at: iso(at),
    reason: 'schedule',
    scheduledTime: iso(at),
    actor: 'scheduler',
    operations: [{ id: newOperationId({ clock: () => at }), target: { type: 'topic', name: 'sensors/a b' } }],
    operationCount: 1,
    outcome: 'started',
    ...overrides,
  };
  return run;
}

export function policyStoreContract(name: string, build: () => Promise<PolicyStore>): void {
  describe(`PolicyStore contract: ${name}`, () => {
    it('creates a policy and reads it back as stored; the same id again is ALREADY_EXISTS', async () => {
      // Prepare
      const store = await build();
      const full = policyRecord(0);
      const bare = policyRecord(1, { target: { tenant: true }, action: 'rotate-c2-key', enabled: false });
      delete (bare as { events?: unknown }).events;

      // Act
      await store.createPolicy(full);
      await store.createPolicy(bare);
      const again = await codeOfAsync(() => store.createPolicy({ ...full, name: 'other' }));

      // Assess
      expect(await store.getPolicy('tenant-a', full.id)).toEqual(full);
      expect(await store.getPolicy('tenant-a', bare.id)).toEqual(bare);
      expect(again).toBe(C2ErrorCode.AlreadyExists);
      expect(await store.getPolicy('tenant-b', full.id)).toBeUndefined();
      expect(await store.getPolicy('tenant-a', 'no such id')).toBeUndefined();
    });

    it('lists and counts a tenant’s policies in id order, a page at a time, without their runs', async () => {
      // Prepare
      const store = await build();
      const policies = [0, 1, 2, 3, 4].map((second) => policyRecord(second));
      for (const policy of [...policies].reverse()) await store.createPolicy(policy);
      await store.createPolicy(policyRecord(5, { tenantId: 'tenant-b' }));
      await store.appendRun(runRecord(policies[0]!, 10));

      // Act
      const all = await readAll((cursor) => store.listPolicies('tenant-a', page(2, cursor)));

      // Assess
      expect(all.items.map((policy) => policy.id)).toEqual(policies.map((policy) => policy.id));
      expect(all.pages).toBeGreaterThanOrEqual(3);
      expect(await store.countPolicies('tenant-a')).toBe(5);
      expect(await store.countPolicies('tenant-c')).toBe(0);
      expect(await codeOfAsync(() => store.listPolicies('tenant-a', { limit: 2, cursor: 'bogus' }))).toBe(
        C2ErrorCode.InvalidCursor,
      );
    });

    it('replaces a policy at the revision read; an older revision is CONCURRENT_UPDATE, none NOT_FOUND', async () => {
      // Prepare
      const store = await build();
      const policy = policyRecord(0);
      await store.createPolicy(policy);
      const replaced: PolicyRecord = {
        ...policy,
        name: 'weekly',
        target: { topic: 'sensors/temp' },
        schedule: { expression: 'rate(7 days)' },
        enabled: false,
        updatedAt: iso(BASE + 60_000),
        revision: 2,
      };
      delete (replaced as { events?: unknown }).events;

      // Act
      await store.replacePolicy(replaced, 1);
      const stale = await codeOfAsync(() => store.replacePolicy({ ...replaced, revision: 2 }, 1));
      const missing = await codeOfAsync(() => store.replacePolicy(policyRecord(9), 1));

      // Assess
      expect(await store.getPolicy('tenant-a', policy.id)).toEqual(replaced);
      expect(stale).toBe(C2ErrorCode.ConcurrentUpdate);
      expect(missing).toBe(C2ErrorCode.NotFound);
    });

    it('deletes a policy once; then NOT_FOUND', async () => {
      // Prepare
      const store = await build();
      const policy = policyRecord(0);
      await store.createPolicy(policy);

      // Act
      await store.deletePolicy('tenant-a', policy.id);

      // Assess
      expect(await store.getPolicy('tenant-a', policy.id)).toBeUndefined();
      expect(await codeOfAsync(() => store.deletePolicy('tenant-a', policy.id))).toBe(C2ErrorCode.NotFound);
      expect(await codeOfAsync(() => store.deletePolicy('tenant-a', 'bad#id'))).toBe(C2ErrorCode.NotFound);
      expect(await store.countPolicies('tenant-a')).toBe(0);
    });

    it('appends runs once each, reads one, and lists a policy’s runs newest first, a page at a time', async () => {
      // Prepare
      const store = await build();
      const policy = policyRecord(0);
      const other = policyRecord(1);
      const runs = [10, 20, 30, 40, 50].map((second) => runRecord(policy, second));
      const failed = runRecord(policy, 60, {
        reason: 'manual',
        actor: 'key-1',
        operations: [],
        outcome: 'failed',
        error: { code: 'NOT_FOUND', message: 'no topic' },
      });
      delete (failed as { scheduledTime?: string }).scheduledTime;

      // Act
      for (const run of [...runs, failed]) expect(await store.appendRun(run)).toEqual({ run, created: true });
      const repeat = await store.appendRun({ ...runs[0]!, outcome: 'empty', operations: [] });
      await store.appendRun(runRecord(other, 15));
      const all = await readAll((cursor) => store.listRuns('tenant-a', policy.id, page(2, cursor)));

      // Assess
      expect(repeat).toEqual({ run: runs[0], created: false });
      expect(await store.getRun('tenant-a', policy.id, failed.id)).toEqual(failed);
      expect(await store.getRun('tenant-a', other.id, failed.id)).toBeUndefined();
      expect(await store.getRun('tenant-b', policy.id, failed.id)).toBeUndefined();
      expect(all.items).toEqual([failed, ...[...runs].reverse()]);
      expect((await store.listRuns('tenant-a', other.id, { limit: 10 })).items).toHaveLength(1);
      expect((await store.listRuns('tenant-b', policy.id, { limit: 10 })).items).toEqual([]);
      expect((await store.listRuns('tenant-a', 'bad#id', { limit: 10 })).items).toEqual([]);
    });

    it('keeps the largest run a policy makes (100 listed operations on 512-byte names, 900 more ids), missed', async () => {
      // Prepare
      const store = await build();
      const policy = policyRecord(0);
      const id = (n: number) => newOperationId({ clock: () => BASE + n });
      const listed = Array.from({ length: RUN_OPERATIONS_LISTED }, (_, n) => ({
        id: id(n),
        target: { type: 'topic' as const, name: `${'é'.repeat(250)}/${String(n).padStart(9, '0')}` },
      }));
      const run = runRecord(policy, 10, {
        missed: true,
        operations: listed,
        operationCount: 1000,
        moreOperationIds: Array.from({ length: 900 }, (_, n) => id(1000 + n)),
      });

      // Act
      const appended = await store.appendRun(run);

      // Assess
      expect(appended.created).toBe(true);
      expect(await store.getRun('tenant-a', policy.id, run.id)).toEqual(run);
    });
    it('keeps the event of an event run', async () => {
      // Prepare
      const store = await build();
      const policy = policyRecord(0);
      const run = runRecord(policy, 10, {
        reason: 'event',
        actor: 'events',
        event: { type: 'client.subscribed', topic: 'sensors/a' },
      });
      delete (run as { scheduledTime?: string }).scheduledTime;

      // Act
      await store.appendRun(run);

      // Assess
      expect(await store.getRun('tenant-a', policy.id, run.id)).toEqual(run);
    });

    it('counts an event once however often it comes, a run due every threshold events until settled', async () => {
      // Prepare
      const store = await build();
      const count = (eventId: string, counter = 'client.subscribed\nsensors/a') =>
        store.countEvent({ tenantId: 'tenant-a', policyId: 'p1', counter, eventId, threshold: 2, now: BASE });

      // Act
      const first = await count('e1');
      const again = await count('e1');
      const second = await count('e2');
      const elsewhere = await count('e1', 'client.subscribed\nsensors/b');
      const third = await count('e3');
      await store.settleEventRun('tenant-a', 'p1', 'client.subscribed\nsensors/a', 1);
      const afterSettle = await count('e3');
      // e1 came again after the reset of its generation: still counted once.
      const late = await count('e1');

      // Assess
      expect(first).toEqual({ counted: true, count: 1, due: [] });
      expect(again).toEqual({ counted: false, count: 1, due: [] });
      expect(second).toEqual({ counted: true, count: 0, due: [1] });
      expect(elsewhere).toEqual({ counted: true, count: 1, due: [] });
      expect(third).toEqual({ counted: true, count: 1, due: [1] });
      expect(afterSettle).toEqual({ counted: false, count: 1, due: [] });
      expect(late).toEqual({ counted: false, count: 1, due: [] });
    });

    it('counts events that come at once exactly: 50 events, a third of them twice, threshold 10 make 5 runs', async () => {
      // Prepare
      const store = await build();
      const deliveries = Array.from({ length: 50 }, (_, i) => `event-${i}`);
      deliveries.push(...deliveries.filter((_, i) => i % 3 === 0));
      const count = (eventId: string) =>
        store.countEvent({ tenantId: 'tenant-a', policyId: 'p1', counter: 'c', eventId, threshold: 10, now: BASE });

      // Act
      const results = await Promise.all(deliveries.map(count));
      const after = await count('event-0');

      // Assess
      expect(results.filter((result) => result.counted)).toHaveLength(50);
      expect(after).toEqual({ counted: false, count: 0, due: [1, 2, 3, 4, 5] });
    });

    it('opens a removal window, joins removals within its batch, opens the next one after it, arms it once', async () => {
      // Prepare
      const store = await build();
      const MINUTE = 60_000;
      const open = (eventId: string, minutes: number, counter = 'client.removed\na') =>
        store.openRemovalWindow({
          tenantId: 'tenant-a',
          policyId: 'p1',
          counter,
          eventId,
          at: BASE + minutes * MINUTE,
          batchMs: 5 * MINUTE,
          delayMs: MINUTE,
        });

      // Act
      const first = await open('e1', 0);
      await store.armRemovalWindow('tenant-a', 'p1', 'client.removed\na', BASE);
      const joined = await open('e2', 4);
      const other = await open('e3', 4, 'client.removed\nb');
      const next = await open('e4', 6);
      const seen = await open('e1', 20);

      // Assess
      expect(first).toEqual({ window: BASE, dueAt: BASE + 6 * MINUTE, armed: false });
      expect(joined).toEqual({ window: BASE, dueAt: BASE + 6 * MINUTE, armed: true });
      expect(other).toEqual({ window: BASE + 4 * MINUTE, dueAt: BASE + 10 * MINUTE, armed: false });
      expect(next).toEqual({ window: BASE + 6 * MINUTE, dueAt: BASE + 12 * MINUTE, armed: false });
      expect(seen).toEqual(next);
    });
  });
}
