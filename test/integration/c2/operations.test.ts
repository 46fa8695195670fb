/**
 * Reading operations over the local adapters (DynamoOperationStore on dynalite, as local mode composes it): one by
 * id, the tenant's newest first with filters and pages, the devices of one. Operations and deliveries are written
 * through the store, as the engine will.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import { getOperation, listDeliveries, listOperations } from '../../../shared/c2/operations/readOperations.js';
import type { OperationRecord, OperationStore } from '../../../shared/c2/ports/OperationStore.js';
import { bytesToHex, hashIdAlias, randomKey } from '../../../shared/e4/index.js';
import { deliveryRecord, operationRecord } from '../../contract/operationStore.contract.js';
import { callerOf } from '../../support/callerOf.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { page, readAll } from '../../support/readAllPages.js';

const TENANT = 'tenant-a';
const caller = callerOf(TENANT);
let c2: LocalC2;
let store: OperationStore;

/** Operations of tenant-a, oldest first: rotations of two topics, a resync, an unlink; one of tenant-b. */
let rotateTemp: OperationRecord;
let rotateHumidity: OperationRecord;
let resync: OperationRecord;
let unlink: OperationRecord;
let otherTenant: OperationRecord;

beforeAll(async () => {
  c2 = await startLocalC2();
  store = c2.deps.operations!;
  rotateTemp = operationRecord(0, {
    status: 'running',
    counts: { total: 3, pending: 0, sent: 1, confirmed: 1, failed: 1 },
    confirmable: 2,
    wrappedKey: randomKey(),
    cursor: 'the-fan-out-cursor',
    revision: 5,
  });
  rotateHumidity = operationRecord(1, { status: 'succeeded', target: { type: 'topic', name: 'sensors/humidity' } });
  resync = operationRecord(2, {
    kind: 'client.resync',
    target: { type: 'client', name: 'dev/1' },
    status: 'succeeded',
  });
  unlink = operationRecord(3, { kind: 'link.delete', target: { type: 'link', name: 'sensors/temp dev/2' } });
  otherTenant = operationRecord(4, { tenantId: 'tenant-b' });
  for (const record of [rotateTemp, rotateHumidity, resync, unlink, otherTenant]) await store.createOperation(record);
  await store.putDeliveries(
    ['dev/1', 'dev/2', 'dev/3'].map((name, i) =>
      deliveryRecord(rotateTemp.id, name, {
        state: (['confirmed', 'sent', 'failed'] as const)[i]!,
        attempts: 1,
        commandHash: new Uint8Array(16).fill(i + 1),
        ...(i === 2 ? { lastError: 'broker refused' } : {}),
      }),
    ),
  );
});
afterAll(async () => {
  await c2?.close();
});

describe('getOperation', () => {
  it('reads the view of an operation: progress and confirmation, never its key, cursor or revision', async () => {
    const view = await getOperation(c2.deps, caller, rotateTemp.id);
    expect(view).toEqual({
      id: rotateTemp.id,
      kind: 'topic.rotate',
      target: { type: 'topic', name: 'sensors/temp' },
      status: 'running',
      keyVersion: 2,
      counts: { total: 3, pending: 0, sent: 1, confirmed: 1, failed: 1 },
      confirmation: { confirmable: 2, confirmed: 1, percent: 50 },
      actor: 'key-1',
      createdAt: rotateTemp.createdAt,
      updatedAt: rotateTemp.updatedAt,
    });
  });

  it.each([
    ['an unknown id', () => operationRecord(60).id, /^no operation with id [0-9A-Z]{26}$/],
    ['a malformed id', () => 'not-an-operation-id', /26 characters of Crockford base32/],
    ['a lowercase id (the route upper-cases it)', () => resync.id.toLowerCase(), /Crockford base32/],
    ["another tenant's operation", () => otherTenant.id, /^no operation with id/],
  ])('%s is NOT_FOUND, with a message that says so', async (_label, idOf, message) => {
    const error = await getOperation(c2.deps, caller, idOf()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: C2ErrorCode.NotFound, message: expect.stringMatching(message) });
  });
});

describe('listOperations', () => {
  const idsOf = (items: readonly { id: string }[]) => items.map((item) => item.id);

  it("lists the tenant's operations newest first, only its own", async () => {
    const { items, cursor } = await listOperations(c2.deps, caller, {}, { limit: 100 });
    expect(idsOf(items)).toEqual([unlink.id, resync.id, rotateHumidity.id, rotateTemp.id]);
    expect(cursor).toBeUndefined();
    expect(idsOf((await listOperations(c2.deps, callerOf('tenant-b'), {}, { limit: 100 })).items)).toEqual([
      otherTenant.id,
    ]);
  });

  it('pages through them with the cursor, each once', async () => {
    const { items, pages } = await readAll((cursor) => listOperations(c2.deps, caller, {}, page(3, cursor)));
    expect(idsOf(items)).toEqual([unlink.id, resync.id, rotateHumidity.id, rotateTemp.id]);
    expect(pages).toBe(2);
  });

  it.each([
    ['status', { status: 'succeeded' as const }, () => [resync.id, rotateHumidity.id]],
    ['kind', { kind: 'topic.rotate' as const }, () => [rotateHumidity.id, rotateTemp.id]],
    ['target', { target: { type: 'topic' as const, name: 'sensors/temp' } }, () => [rotateTemp.id]],
    ['link target', { target: { type: 'link' as const, name: 'sensors/temp dev/2' } }, () => [unlink.id]],
    ['kind and status', { kind: 'topic.rotate' as const, status: 'succeeded' as const }, () => [rotateHumidity.id]],
    ['a target of the other type', { target: { type: 'client' as const, name: 'sensors/temp' } }, () => []],
  ])('filters by %s', async (_label, filter, expected) => {
    const { items } = await readAll((cursor) => listOperations(c2.deps, caller, filter, page(1, cursor)));
    expect(idsOf(items)).toEqual(expected());
  });

  it.each([
    ['an unknown status', { status: 'done' }, /"status" must be one of pending, running/],
    ['an unknown kind', { kind: 'topic.create' }, /"kind" must be one of topic\.rotate/],
    ['an unknown target type', { target: { type: 'apikey', name: 'k' } }, /"target\.type" must be one of/],
    ['an empty target name', { target: { type: 'topic', name: '' } }, /"target\.name" must be a string of 1 to/],
    ['a target name too long', { target: { type: 'topic', name: 'é'.repeat(513) } }, /1 to 1024 bytes/],
    ['a lone surrogate in a target name', { target: { type: 'topic', name: '\ud800' } }, /UTF-8/],
  ])('refuses %s: INVALID_INPUT', async (_label, filter, message) => {
    // biome-ignore lint/suspicious/noExplicitAny: values outside the type, as an untyped caller may pass
    const error = await listOperations(c2.deps, caller, filter as any, { limit: 10 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: C2ErrorCode.InvalidInput, message: expect.stringMatching(message) });
  });

  it('refuses a limit out of range and a cursor it did not issue', async () => {
    expect(await codeOfAsync(() => listOperations(c2.deps, caller, {}, { limit: 0 }))).toBe(C2ErrorCode.InvalidInput);
    expect(await codeOfAsync(() => listOperations(c2.deps, caller, {}, { limit: 5, cursor: 'abc' }))).toBe(
      C2ErrorCode.InvalidCursor,
    );
  });
});

describe('listDeliveries', () => {
  it('lists the devices of an operation in client id order, by name and hex id, never the command hash', async () => {
    // Act
    const { items, cursor } = await listDeliveries(c2.deps, caller, rotateTemp.id, {}, { limit: 100 });

    // Assess
    const byId = ['dev/1', 'dev/2', 'dev/3'].sort((a, b) =>
      bytesToHex(hashIdAlias(a)).localeCompare(bytesToHex(hashIdAlias(b))),
    );
    expect(items.map((item) => item.client.name)).toEqual(byId);
    expect(cursor).toBeUndefined();
    expect(items.find((item) => item.client.name === 'dev/3')).toEqual({
      client: { name: 'dev/3', id: bytesToHex(hashIdAlias('dev/3')) },
      state: 'failed',
      attempts: 1,
      lastError: 'broker refused',
      updatedAt: expect.any(String),
    });
    for (const item of items) expect(item).not.toHaveProperty('commandHash');
  });

  it('filters by state and pages', async () => {
    const failed = await listDeliveries(c2.deps, caller, rotateTemp.id, { state: 'failed' }, { limit: 10 });
    const all = await readAll((cursor) => listDeliveries(c2.deps, caller, rotateTemp.id, {}, page(2, cursor)));
    expect(failed.items.map((item) => item.client.name)).toEqual(['dev/3']);
    expect(all).toMatchObject({ pages: 2 });
    expect(all.items).toHaveLength(3);
  });

  it('an operation without devices has an empty list; an unknown, malformed or foreign one is NOT_FOUND', async () => {
    expect(await listDeliveries(c2.deps, caller, resync.id, {}, { limit: 10 })).toEqual({ items: [] });
    for (const id of [operationRecord(61).id, 'nope', otherTenant.id]) {
      expect(await codeOfAsync(() => listDeliveries(c2.deps, caller, id, {}, { limit: 10 }))).toBe(
        C2ErrorCode.NotFound,
      );
    }
  });

  it('refuses an unknown state: INVALID_INPUT', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: a value outside the type, as an untyped caller may pass
    const state = 'delivered' as any;
    const error = await listDeliveries(c2.deps, caller, rotateTemp.id, { state }, { limit: 10 }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: C2ErrorCode.InvalidInput, message: expect.stringMatching(/"state" must be/) });
  });
});
