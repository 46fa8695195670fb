/**
 * Contract of the OperationStore port, run against every adapter (DynamoOperationStore over dynalite, DynamoDB Local
 * and moto, next to the KeyStore contract): `operationStoreContract(name, build)`. Each build gets a fresh, empty
 * store.
 */
import { describe, expect, it } from 'vitest';
import { C2ErrorCode } from '../../shared/c2/errors.js';
import { newOperationId } from '../../shared/c2/operations/newOperationId.js';
import type { DeliveryRecord, OperationRecord, OperationStore } from '../../shared/c2/ports/OperationStore.js';
import { hashIdAlias, randomKey } from '../../shared/e4/index.js';
import { codeOfAsync } from '../support/codeOf.js';
import { page, readAll } from '../support/readAllPages.js';

const BASE = Date.UTC(2026, 11, 4, 0, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

/** An operation made `second` seconds after BASE (its id sorts by that time). */
export function operationRecord(second: number, overrides: Partial<OperationRecord> = {}): OperationRecord {
  const at = BASE + second * 1000;
  return {
    tenantId: 'tenant-a',
    id: newOperationId({ clock: () => at }),
    kind: 'topic.rotate',
    target: { type: 'topic', name: 'sensors/temp' },
    keyVersion: 2,
    actor: 'key-1',
    createdAt: iso(at),
    updatedAt: iso(at),
    status: 'pending',
    counts: { total: 0, pending: 0, sent: 0, confirmed: 0, failed: 0 },
    revision: 1,
    ...overrides,
  };
}

export function deliveryRecord(
  operationId: string,
  clientName: string,
  overrides: Partial<DeliveryRecord> = {},
): DeliveryRecord {
  return {
    tenantId: 'tenant-a',
    operationId,
    clientName,
    clientId: hashIdAlias(clientName),
    state: 'pending',
    attempts: 0,
    updatedAt: iso(BASE),
    ...overrides,
  };
}

export function operationStoreContract(name: string, build: () => Promise<OperationStore>): void {
  describe(`OperationStore contract: ${name}`, () => {
    it('creates an operation and reads it back as stored; the same id again is ALREADY_EXISTS', async () => {
      // Prepare
      const store = await build();
      const record = operationRecord(0, { wrappedKey: randomKey(), error: { code: 'X', message: 'why' } });
      const bare = operationRecord(1, { kind: 'client.resync', target: { type: 'client', name: 'dev/1' } });
      delete (bare as { keyVersion?: number }).keyVersion;

      // Act
      const created = await store.createOperation(record);
      await store.createOperation(bare);
      const again = await codeOfAsync(() => store.createOperation({ ...record, kind: 'link.delete' }));

      // Assess
      expect(created).toEqual({ operation: record, created: true });
      expect(await store.getOperation('tenant-a', record.id)).toEqual(record);
      expect(await store.getOperation('tenant-a', bare.id)).toEqual(bare);
      expect(again).toBe(C2ErrorCode.AlreadyExists);
      expect(await store.getOperation('tenant-b', record.id)).toBeUndefined();
      expect(await store.getOperation('tenant-a', 'no such id')).toBeUndefined();
    });

    it('reads many operations at once: those that exist, each once, past 100 ids (more than one batch)', async () => {
      // Prepare: 120 operations of tenant-a, one of tenant-b
      const store = await build();
      const records = Array.from({ length: 120 }, (_, i) => operationRecord(i));
      for (const record of records) await store.createOperation(record);
      const others = operationRecord(200, { tenantId: 'tenant-b' });
      await store.createOperation(others);

      // Act
      const ids = [...records.map((record) => record.id), records[0]!.id, others.id, 'not an id'];
      const read = await store.getOperations('tenant-a', ids);

      // Assess
      expect(read.map((record) => record.id).sort()).toEqual(records.map((record) => record.id).sort());
      expect(read.find((record) => record.id === records[7]!.id)).toEqual(records[7]);
      expect(await store.getOperations('tenant-a', [])).toEqual([]);
    });

    it('with an idempotency key, returns the operation the first create made; another change with it is INVALID_INPUT', async () => {
      // Prepare
      const store = await build();
      const first = operationRecord(0);

      // Act
      const made = await store.createOperation(first, { idempotencyKey: 'req-1' });
      const retried = await store.createOperation(operationRecord(5), { idempotencyKey: 'req-1' });
      const otherTarget = await codeOfAsync(() =>
        store.createOperation(operationRecord(6, { target: { type: 'topic', name: 'other' } }), {
          idempotencyKey: 'req-1',
        }),
      );
      const otherTenant = await store.createOperation(operationRecord(7, { tenantId: 'tenant-b' }), {
        idempotencyKey: 'req-1',
      });
      const badKey = await codeOfAsync(() =>
        store.createOperation(operationRecord(8), { idempotencyKey: 'with space' }),
      );

      // Assess
      expect(made).toEqual({ operation: first, created: true });
      expect(retried).toEqual({ operation: first, created: false });
      expect(otherTarget).toBe(C2ErrorCode.InvalidInput);
      expect(otherTenant.created).toBe(true);
      expect(badKey).toBe(C2ErrorCode.InvalidInput);
      expect((await store.listOperations('tenant-a', {}, { limit: 10 })).items.map((o) => o.id)).toEqual([first.id]);
    });

    it('finds the operation an idempotency key names; none for an unknown or malformed key', async () => {
      const store = await build();
      const record = operationRecord(0);
      await store.createOperation(record, { idempotencyKey: 'named' });
      expect(await store.operationOfIdempotencyKey('tenant-a', 'named')).toEqual(record);
      expect(await store.operationOfIdempotencyKey('tenant-b', 'named')).toBeUndefined();
      expect(await store.operationOfIdempotencyKey('tenant-a', 'unknown')).toBeUndefined();
      expect(await store.operationOfIdempotencyKey('tenant-a', '')).toBeUndefined();
    });

    it('frees an idempotency key after a day', async () => {
      // Prepare
      const store = await build();
      const first = operationRecord(0);
      await store.createOperation(first, { idempotencyKey: 'daily' });

      // Act
      const nextDay = operationRecord(86_400);
      const result = await store.createOperation(nextDay, { idempotencyKey: 'daily' });

      // Assess
      expect(result).toEqual({ operation: nextDay, created: true });
    });

    it('lists newest first, page by page, filtered by status, kind and target', async () => {
      // Prepare: 30 operations, every third a client.reset of "dev", every fifth failed
      const store = await build();
      const records = Array.from({ length: 30 }, (_, i) =>
        operationRecord(i, {
          ...(i % 3 === 0 ? { kind: 'client.reset' as const, target: { type: 'client' as const, name: 'dev' } } : {}),
          ...(i % 5 === 0 ? { status: 'failed' as const } : {}),
        }),
      );
      for (const record of [...records].reverse()) await store.createOperation(record);
      const newestFirst = (keep: (r: OperationRecord) => boolean) =>
        records
          .filter(keep)
          .reverse()
          .map((r) => r.id);

      // Act
      const all = await readAll((c) => store.listOperations('tenant-a', {}, page(7, c)));
      const failed = await readAll((c) => store.listOperations('tenant-a', { status: 'failed' }, page(2, c)));
      const resets = await readAll((c) => store.listOperations('tenant-a', { kind: 'client.reset' }, page(4, c)));
      const ofDev = await readAll((c) =>
        store.listOperations('tenant-a', { target: { type: 'client', name: 'dev' }, status: 'failed' }, page(100, c)),
      );
      const none = await store.listOperations(
        'tenant-a',
        { target: { type: 'topic', name: 'dev' } },
        page(10, undefined),
      );

      // Assess
      expect(all.items.map((r) => r.id)).toEqual(newestFirst(() => true));
      expect(all.pages).toBe(5);
      expect(failed.items.map((r) => r.id)).toEqual(newestFirst((r) => r.status === 'failed'));
      expect(resets.items.map((r) => r.id)).toEqual(newestFirst((r) => r.kind === 'client.reset'));
      expect(ofDev.items.map((r) => r.id)).toEqual(
        newestFirst((r) => r.kind === 'client.reset' && r.status === 'failed'),
      );
      expect(none.items).toEqual([]);
    });

    it('keeps a parent and options, and lists the children of a parent (newer operations only)', async () => {
      // Prepare: a parent, its three children and other operations before and after it
      const store = await build();
      const parent = operationRecord(10, {
        kind: 'client.delete',
        target: { type: 'client', name: 'dev' },
        options: { rekey: false },
      });
      const children = [11, 13, 15].map((second) =>
        operationRecord(second, { kind: 'link.delete', parentId: parent.id }),
      );
      const others = [5, 12, 14].map((second) => operationRecord(second));
      for (const record of [parent, ...children, ...others]) await store.createOperation(record);

      // Act
      const listed = await readAll((c) => store.listOperations('tenant-a', { parentId: parent.id }, page(2, c)));
      const ofChild = await store.listOperations('tenant-a', { parentId: children[0]!.id }, page(10, undefined));
      const badId = await store.listOperations('tenant-a', { parentId: 'not an id' }, page(10, undefined));

      // Assess
      expect(await store.getOperation('tenant-a', parent.id)).toEqual(parent);
      expect(await store.getOperation('tenant-a', children[1]!.id)).toEqual(children[1]);
      expect(listed.items.map((r) => r.id)).toEqual(children.map((r) => r.id).reverse());
      expect(ofChild.items).toEqual([]);
      expect(badId.items).toEqual([]);
    });

    it("refuses a cursor it did not issue, another tenant's or another operation's deliveries' (INVALID_CURSOR)", async () => {
      // Prepare
      const store = await build();
      const [a, b] = [operationRecord(0), operationRecord(1)];
      for (const op of [a, b]) await store.createOperation(op);
      await store.putDeliveries(['x', 'y', 'z'].map((client) => deliveryRecord(a.id, client)));
      const { cursor: operations } = await store.listOperations('tenant-a', {}, { limit: 1 });
      const { cursor: deliveries } = await store.listDeliveries('tenant-a', a.id, {}, { limit: 1 });

      // Act
      const codes = await Promise.all([
        codeOfAsync(() => store.listOperations('tenant-b', {}, { limit: 1, cursor: operations! })),
        codeOfAsync(() => store.listOperations('tenant-a', {}, { limit: 1, cursor: 'not-a-cursor' })),
        codeOfAsync(() => store.listOperations('tenant-a', {}, { limit: 1, cursor: deliveries! })),
        codeOfAsync(() => store.listDeliveries('tenant-a', b.id, {}, { limit: 1, cursor: deliveries! })),
      ]);

      // Assess
      expect(codes).toEqual(Array(4).fill(C2ErrorCode.InvalidCursor));
    });

    it('updates an operation only from the revision it was read at (CONCURRENT_UPDATE otherwise); NOT_FOUND for none', async () => {
      // Prepare
      const store = await build();
      const record = operationRecord(0);
      await store.createOperation(record);
      const counts = { total: 3, pending: 3, sent: 0, confirmed: 0, failed: 0 };

      // Act
      const running = await store.updateOperation(
        'tenant-a',
        record.id,
        { status: 'running', counts, updatedAt: iso(BASE + 1000) },
        1,
      );
      const stale = await codeOfAsync(() =>
        store.updateOperation('tenant-a', record.id, { status: 'failed', updatedAt: iso(BASE + 2000) }, 1),
      );
      const missing = await codeOfAsync(() =>
        store.updateOperation('tenant-a', operationRecord(9).id, { updatedAt: iso(BASE) }, 1),
      );
      const ended = await store.updateOperation(
        'tenant-a',
        record.id,
        {
          status: 'partial',
          finishedAt: iso(BASE + 3000),
          error: { code: 'DELIVERY_FAILED', message: '1 device' },
          updatedAt: iso(BASE + 3000),
        },
        2,
      );

      // Assess
      expect(running).toEqual({ ...record, status: 'running', counts, updatedAt: iso(BASE + 1000), revision: 2 });
      expect(stale).toBe(C2ErrorCode.ConcurrentUpdate);
      expect(missing).toBe(C2ErrorCode.NotFound);
      expect(await store.getOperation('tenant-a', record.id)).toEqual({
        ...running,
        status: 'partial',
        finishedAt: iso(BASE + 3000),
        error: { code: 'DELIVERY_FAILED', message: '1 device' },
        updatedAt: iso(BASE + 3000),
        revision: 3,
      });
      expect(ended.revision).toBe(3);
    });

    it('adds to the counts atomically: concurrent additions all count, the revision stays', async () => {
      // Prepare
      const store = await build();
      const record = operationRecord(0, { counts: { total: 40, pending: 40, sent: 0, confirmed: 0, failed: 0 } });
      await store.createOperation(record);

      // Act: 20 batches of 2 devices at once, one of each batch failed
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.addToCounts('tenant-a', record.id, { pending: -2, sent: 1, failed: 1 }, iso(BASE + 1000)),
        ),
      );
      const missing = await codeOfAsync(() =>
        store.addToCounts('tenant-a', operationRecord(9).id, { sent: 1 }, iso(BASE)),
      );

      // Assess
      const stored = await store.getOperation('tenant-a', record.id);
      expect(stored?.counts).toEqual({ total: 40, pending: 0, sent: 20, confirmed: 0, failed: 20 });
      expect(stored?.revision).toBe(1);
      expect(missing).toBe(C2ErrorCode.NotFound);
    });

    it('writes deliveries in batches and lists them in client id order, by state, page by page', async () => {
      // Prepare: 60 deliveries (more than one batch), every fourth failed
      const store = await build();
      const op = operationRecord(0);
      const other = operationRecord(1);
      await store.createOperation(op);
      await store.createOperation(other);
      const names = Array.from({ length: 60 }, (_, i) => `device-${String(i).padStart(2, '0')}`);
      const byId = (list: string[]) =>
        [...list].sort((x, y) => Buffer.compare(Buffer.from(hashIdAlias(x)), Buffer.from(hashIdAlias(y))));

      // Act
      await store.putDeliveries(
        names.map((n, i) =>
          deliveryRecord(op.id, n, i % 4 === 0 ? { state: 'failed', attempts: 3, lastError: 'refused' } : {}),
        ),
      );
      await store.putDeliveries([deliveryRecord(other.id, 'device-00')]);
      const all = await readAll((c) => store.listDeliveries('tenant-a', op.id, {}, page(25, c)));
      const failed = await readAll((c) => store.listDeliveries('tenant-a', op.id, { state: 'failed' }, page(4, c)));
      const confirmed = await store.listDeliveries('tenant-a', op.id, { state: 'confirmed' }, page(10, undefined));

      // Assess
      expect(all.items.map((d) => d.clientName)).toEqual(byId(names));
      expect(all.pages).toBe(3);
      expect(failed.items.map((d) => d.clientName)).toEqual(byId(names.filter((_, i) => i % 4 === 0)));
      expect(failed.items[0]).toMatchObject({ state: 'failed', attempts: 3, lastError: 'refused' });
      expect(confirmed.items).toEqual([]);
      expect(await store.getDelivery('tenant-a', op.id, 'device-01')).toEqual(deliveryRecord(op.id, 'device-01'));
      expect((await store.listDeliveries('tenant-a', other.id, {}, page(100, undefined))).items).toHaveLength(1);
      expect(await store.getDelivery('tenant-b', op.id, 'device-01')).toBeUndefined();
    });

    it('applies a transition only from the states it names, once; returns the deliveries it changed', async () => {
      // Prepare
      const store = await build();
      const op = operationRecord(0);
      await store.createOperation(op);
      await store.putDeliveries([
        deliveryRecord(op.id, 'a'),
        deliveryRecord(op.id, 'b', { state: 'failed', attempts: 1, lastError: 'offline' }),
        deliveryRecord(op.id, 'c', { state: 'confirmed', attempts: 1 }),
      ]);
      const send = (clientName: string) => ({
        clientName,
        from: ['pending', 'failed'] as const,
        to: 'sent' as const,
        addAttempts: 1,
        updatedAt: iso(BASE + 1000),
      });

      // Act
      const first = await store.transitionDeliveries('tenant-a', op.id, ['a', 'b', 'c', 'nobody'].map(send));
      const redelivered = await store.transitionDeliveries('tenant-a', op.id, ['a', 'b', 'c'].map(send));
      const failedAgain = await store.transitionDeliveries('tenant-a', op.id, [
        { clientName: 'a', from: ['sent'], to: 'failed', lastError: 'timeout', updatedAt: iso(BASE + 2000) },
      ]);

      // Assess
      expect(first.map((d) => [d.clientName, d.state, d.attempts, d.lastError])).toEqual([
        ['a', 'sent', 1, undefined],
        ['b', 'sent', 2, undefined],
      ]);
      expect(redelivered).toEqual([]);
      expect(failedAgain).toEqual([
        deliveryRecord(op.id, 'a', { state: 'failed', attempts: 1, lastError: 'timeout', updatedAt: iso(BASE + 2000) }),
      ]);
      expect(await store.getDelivery('tenant-a', op.id, 'c')).toEqual(
        deliveryRecord(op.id, 'c', { state: 'confirmed', attempts: 1 }),
      );
      expect(await store.getDelivery('tenant-a', op.id, 'nobody')).toBeUndefined();
    });

    it('orAbsent: creates a delivery that has no record yet, moves a pending one, and leaves any other state alone', async () => {
      // Prepare: a pending delivery, a confirmed one, and none for "new"
      const store = await build();
      const op = operationRecord(0);
      await store.createOperation(op);
      await store.putDeliveries([
        deliveryRecord(op.id, 'pending-one'),
        deliveryRecord(op.id, 'done', { state: 'confirmed', attempts: 1 }),
      ]);
      const hash = randomKey().subarray(0, 16);
      const outcome = (clientName: string) => ({
        clientName,
        from: ['pending'] as const,
        orAbsent: true,
        to: 'sent' as const,
        addAttempts: 1,
        commandHash: hash,
        updatedAt: iso(BASE + 1000),
      });

      // Act
      const first = await store.transitionDeliveries('tenant-a', op.id, ['new', 'pending-one', 'done'].map(outcome));
      const again = await store.transitionDeliveries('tenant-a', op.id, ['new'].map(outcome));
      const read = await store.getDeliveries('tenant-a', op.id, ['new', 'pending-one', 'done', 'nobody', 'new']);

      // Assess: created with everything a record has (client id, attempts, hash), found by the reads; once only
      const created = deliveryRecord(op.id, 'new', {
        state: 'sent',
        attempts: 1,
        commandHash: hash,
        updatedAt: iso(BASE + 1000),
      });
      expect(first).toEqual([
        created,
        deliveryRecord(op.id, 'pending-one', {
          state: 'sent',
          attempts: 1,
          commandHash: hash,
          updatedAt: iso(BASE + 1000),
        }),
      ]);
      expect(again).toEqual([]);
      expect(await store.getDelivery('tenant-a', op.id, 'new')).toEqual(created);
      expect(read.map((d) => d.clientName).sort()).toEqual(['done', 'new', 'pending-one']);
      expect(read.find((d) => d.clientName === 'done')).toEqual(
        deliveryRecord(op.id, 'done', { state: 'confirmed', attempts: 1 }),
      );
      expect(
        (await store.listDeliveries('tenant-a', op.id, { state: 'sent' }, page(100, undefined))).items,
      ).toHaveLength(2);
      expect(await store.getDeliveries('tenant-b', op.id, ['new'])).toEqual([]);
    });

    it('confirmDelivery: one write from the states named (or none yet), telling the state it left; once', async () => {
      // Prepare
      const store = await build();
      const op = operationRecord(0);
      await store.createOperation(op);
      const hash = randomKey().subarray(0, 16);
      const kept = randomKey().subarray(0, 16);
      await store.putDeliveries([
        deliveryRecord(op.id, 'sent-one', { state: 'sent', attempts: 2, commandHash: kept }),
        deliveryRecord(op.id, 'failed-one', { state: 'failed', attempts: 1, lastError: 'offline' }),
        deliveryRecord(op.id, 'pending-one'),
      ]);
      const at = iso(BASE + 5000);
      const confirm = (name: string, early: boolean) =>
        store.confirmDelivery('tenant-a', op.id, name, {
          from: early ? ['sent', 'failed', 'pending'] : ['sent', 'failed'],
          orAbsent: early,
          commandHash: hash,
          updatedAt: at,
        });

      // Act
      const results = [
        await confirm('sent-one', false),
        await confirm('failed-one', false),
        await confirm('pending-one', false),
        await confirm('pending-one', true),
        await confirm('absent-one', false),
        await confirm('absent-one', true),
        await confirm('sent-one', true),
      ];

      // Assess
      expect(results).toEqual(['sent', 'failed', undefined, 'pending', undefined, 'pending', undefined]);
      const confirmed = { state: 'confirmed', updatedAt: at } as const;
      expect(await store.getDelivery('tenant-a', op.id, 'sent-one')).toEqual(
        deliveryRecord(op.id, 'sent-one', { ...confirmed, attempts: 2, commandHash: kept }),
      );
      expect(await store.getDelivery('tenant-a', op.id, 'failed-one')).toEqual(
        deliveryRecord(op.id, 'failed-one', { ...confirmed, attempts: 1, commandHash: hash }),
      );
      expect(await store.getDelivery('tenant-a', op.id, 'absent-one')).toEqual(
        deliveryRecord(op.id, 'absent-one', { ...confirmed, attempts: 1, commandHash: hash }),
      );
    });

    it('confirmDelivery via another operation: recorded with it, the command hash kept; once; a transition clears it', async () => {
      // Prepare
      const store = await build();
      const op = operationRecord(0);
      await store.createOperation(op);
      const kept = randomKey().subarray(0, 16);
      await store.putDeliveries([
        deliveryRecord(op.id, 'sent-one', { state: 'sent', attempts: 3, commandHash: kept }),
        deliveryRecord(op.id, 'failed-one', { state: 'failed', attempts: 1, lastError: 'no receipt after 3 sends' }),
        deliveryRecord(op.id, 'done-one', { state: 'confirmed', attempts: 1, commandHash: kept }),
      ]);
      const at = iso(BASE + 7000);
      const via = '01KBVIA0000000000000000000';
      const confirm = (name: string) =>
        store.confirmDelivery('tenant-a', op.id, name, { from: ['sent', 'failed', 'pending'], via, updatedAt: at });

      // Act
      const results = [
        await confirm('sent-one'),
        await confirm('failed-one'),
        await confirm('done-one'),
        await confirm('absent-one'),
        await confirm('sent-one'),
      ];

      // Assess: the absent one is not created (not a device of the operation), the confirmed one left as it was
      expect(results).toEqual(['sent', 'failed', undefined, undefined, undefined]);
      const confirmed = { state: 'confirmed', updatedAt: at, confirmedVia: via } as const;
      expect(await store.getDelivery('tenant-a', op.id, 'sent-one')).toEqual(
        deliveryRecord(op.id, 'sent-one', { ...confirmed, attempts: 3, commandHash: kept }),
      );
      expect(await store.getDelivery('tenant-a', op.id, 'failed-one')).toEqual(
        deliveryRecord(op.id, 'failed-one', { ...confirmed, attempts: 1 }),
      );
      expect(await store.getDelivery('tenant-a', op.id, 'done-one')).toEqual(
        deliveryRecord(op.id, 'done-one', { state: 'confirmed', attempts: 1, commandHash: kept }),
      );
      expect(await store.getDelivery('tenant-a', op.id, 'absent-one')).toBeUndefined();
      const [moved] = await store.transitionDeliveries('tenant-a', op.id, [
        { clientName: 'sent-one', from: ['confirmed'], to: 'pending', updatedAt: at },
      ]);
      expect(moved?.confirmedVia).toBeUndefined();
    });

    it('stores command references as given (with the topic key a command carried, or none) and finds them by hash, many in one read', async () => {
      // Prepare
      const store = await build();
      const op = operationRecord(0, { kind: 'client.resync', target: { type: 'client', name: 'dev' } });
      await store.createOperation(op);
      const ref = {
        tenantId: 'tenant-a',
        clientId: hashIdAlias('dev'),
        commandHash: randomKey().subarray(0, 16),
        operationId: op.id,
        clientName: 'dev',
        at: new Date().toISOString(),
      };
      const carrying = {
        ...ref,
        commandHash: randomKey().subarray(0, 16),
        topicKey: { topic: 'a/b c', keyVersion: 7 },
      };

      // Act
      await store.putCommandRefs([ref, carrying]);

      // Assess
      const unknown = { clientId: ref.clientId, commandHash: randomKey().subarray(0, 16) };
      const found = await store.getCommandRefs('tenant-a', [carrying, unknown, ref, ref]);
      expect(found.sort((a, b) => (a.topicKey?.keyVersion ?? 0) - (b.topicKey?.keyVersion ?? 0))).toEqual([
        ref,
        carrying,
      ]);
      expect(await store.getCommandRefs('tenant-a', [unknown])).toEqual([]);
      expect(await store.getCommandRefs('tenant-a', [])).toEqual([]);
      expect(await store.getCommandRefs('tenant-b', [ref])).toEqual([]);
    });

    it('takes a free slot once, lists slots per tenant in slot order, frees a slot only for its holder', async () => {
      // Prepare
      const store = await build();
      const at = iso(BASE);

      // Act
      const first = await store.takeOperationSlot('tenant-a', { slot: 1, operationId: 'op-1', takenAt: at });
      const again = await store.takeOperationSlot('tenant-a', { slot: 1, operationId: 'op-2', takenAt: at });
      await store.takeOperationSlot('tenant-a', { slot: 0, operationId: 'op-2', takenAt: at });
      await store.takeOperationSlot('tenant-b', { slot: 1, operationId: 'op-3', takenAt: at });
      await store.freeOperationSlot('tenant-a', 1, 'op-2');
      const held = await store.listOperationSlots('tenant-a');
      await store.freeOperationSlot('tenant-a', 1, 'op-1');

      // Assess
      expect([first, again]).toEqual([true, false]);
      expect(held).toEqual([
        { slot: 0, operationId: 'op-2', takenAt: at },
        { slot: 1, operationId: 'op-1', takenAt: at },
      ]);
      expect(await store.listOperationSlots('tenant-a')).toEqual([{ slot: 0, operationId: 'op-2', takenAt: at }]);
      expect(await store.listOperationSlots('tenant-b')).toHaveLength(1);
    });

    it('10 takes of one slot at once: exactly one holds it', async () => {
      const store = await build();
      const taken = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.takeOperationSlot('tenant-a', { slot: 3, operationId: `op-${i}`, takenAt: iso(BASE) }),
        ),
      );
      expect(taken.filter(Boolean)).toHaveLength(1);
      expect(await store.listOperationSlots('tenant-a')).toHaveLength(1);
    });
  });
}
