/**
 * The operation routes over the local adapters: list (newest first, filters, pages), read one, list its devices;
 * views without a key, fan-out cursor, revision or command hash; ids checked in the path; scoped by tenant.
 * Operations and deliveries are written through the OperationStore, as the engine will.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationRecord } from '../../../shared/c2/ports/OperationStore.js';
import { bytesToHex, hashIdAlias, randomKey } from '../../../shared/e4/index.js';
import { deliveryRecord, operationRecord } from '../../contract/operationStore.contract.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

const TENANT = 'tenant-ops';
const FAN_OUT_CURSOR = 'fan-out-cursor-never-shown';
let api: ApiFixture;

const rotation: OperationRecord = operationRecord(0, {
  tenantId: TENANT,
  status: 'partial',
  counts: { total: 3, pending: 0, sent: 1, confirmed: 1, failed: 1 },
  confirmable: 2,
  finishedAt: '2026-12-04T00:00:09.000Z',
  error: { code: 'DELIVERY_FAILED', message: '1 device not reached' },
  wrappedKey: randomKey(),
  cursor: FAN_OUT_CURSOR,
  revision: 9,
});
const resync = operationRecord(1, {
  tenantId: TENANT,
  kind: 'client.resync',
  target: { type: 'client', name: 'dev/1' },
  status: 'succeeded',
});
const unlink = operationRecord(2, {
  tenantId: TENANT,
  kind: 'link.delete',
  target: { type: 'link', name: 'sensors/temp dev/2' },
});
const foreign = operationRecord(3, { tenantId: 'tenant-other' });

beforeAll(async () => {
  api = await startApiFixture({ tenantId: TENANT });
  const store = api.c2.deps.operations!;
  for (const record of [rotation, resync, unlink, foreign]) await store.createOperation(record);
  await store.putDeliveries(
    (['confirmed', 'sent', 'failed'] as const).map((state, i) =>
      deliveryRecord(rotation.id, `dev/${i + 1}`, {
        tenantId: TENANT,
        state,
        attempts: 1,
        commandHash: new Uint8Array(16).fill(0xab),
        ...(state === 'failed' ? { lastError: 'broker refused' } : {}),
      }),
    ),
  );
});
afterAll(async () => {
  await api?.close();
});

const ids = (answer: { json: { items: { id: string }[] } }) => answer.json.items.map((item) => item.id);

/** Nothing of what the views leave out, by name or by value ("abab..." is the command hash in hex). */
function expectNoInternals(raw: string): void {
  for (const hidden of ['wrappedKey', 'revision', 'commandHash', FAN_OUT_CURSOR, 'abababab', 'tenantId']) {
    expect(raw).not.toContain(hidden);
  }
}

describe('GET /v1/operations', () => {
  it("lists the tenant's operations newest first, views without key, fan-out cursor or revision", async () => {
    const answer = await api.call('GET', '/v1/operations');
    expect(answer.status).toBe(200);
    expect(ids(answer)).toEqual([unlink.id, resync.id, rotation.id]);
    expect(answer.json).not.toHaveProperty('cursor');
    expectNoInternals(answer.raw);
    expect(answer.raw).not.toContain('cursor');
  });

  it.each([
    ['status', '?status=succeeded', () => [resync.id]],
    ['kind', '?kind=link.delete', () => [unlink.id]],
    ['target (a topic, URL-encoded)', '?targetType=topic&target=sensors%2Ftemp', () => [rotation.id]],
    ['target (a link)', '?targetType=link&target=sensors%2Ftemp%20dev%2F2', () => [unlink.id]],
    ['target of another type', '?targetType=client&target=sensors%2Ftemp', () => []],
    ['kind and status', '?kind=topic.rotate&status=partial', () => [rotation.id]],
  ])('filters by %s', async (_label, query, expected) => {
    const answer = await api.call('GET', `/v1/operations${query}`);
    expect(answer.status).toBe(200);
    expect(ids(answer)).toEqual(expected());
  });

  it('pages with limit and cursor', async () => {
    const first = await api.call('GET', '/v1/operations?limit=2');
    const second = await api.call('GET', `/v1/operations?limit=2&cursor=${encodeURIComponent(first.json.cursor)}`);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(ids(first)).toEqual([unlink.id, resync.id]);
    expect(typeof first.json.cursor).toBe('string');
    expect(ids(second)).toEqual([rotation.id]);
    expect(second.json).not.toHaveProperty('cursor');
  });

  it.each([
    ['an unknown status', '?status=done', 'status'],
    ['a status in the wrong case', '?status=SUCCEEDED', 'status'],
    ['two statuses', '?status=succeeded&status=failed', 'status'],
    ['an unknown kind', '?kind=topic.create', 'kind'],
    ['an unknown target type', '?targetType=apikey&target=k', 'targetType'],
    ['a target type without a target', '?targetType=topic', 'target'],
    ['a target without a type', '?target=sensors%2Ftemp', 'targetType'],
    ['an empty target', '?targetType=topic&target=', 'target'],
    ['a limit of 0', '?limit=0', 'limit'],
    ['an unknown parameter', '?state=sent', 'state'],
  ])('refuses %s: 400 INVALID_INPUT naming the parameter', async (_label, query, field) => {
    const answer = await api.call('GET', `/v1/operations${query}`);
    expect(answer.status).toBe(400);
    expect(errorCodeOf(answer)).toBe('INVALID_INPUT');
    expect(answer.json.error.message).toContain(field);
  });

  it('a cursor it did not issue is 400 INVALID_CURSOR', async () => {
    const answer = await api.call('GET', '/v1/operations?cursor=abc');
    expect(answer.status).toBe(400);
    expect(errorCodeOf(answer)).toBe('INVALID_CURSOR');
  });
});

describe('GET /v1/operations/{operationId}', () => {
  it('reads one: its progress, confirmation, end and error; never its key, fan-out cursor or revision', async () => {
    const answer = await api.call('GET', `/v1/operations/${rotation.id}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      id: rotation.id,
      kind: 'topic.rotate',
      target: { type: 'topic', name: 'sensors/temp' },
      status: 'partial',
      keyVersion: 2,
      counts: { total: 3, pending: 0, sent: 1, confirmed: 1, failed: 1 },
      confirmation: { confirmable: 2, confirmed: 1, percent: 50 },
      actor: 'key-1',
      createdAt: rotation.createdAt,
      updatedAt: rotation.updatedAt,
      finishedAt: '2026-12-04T00:00:09.000Z',
      error: { code: 'DELIVERY_FAILED', message: '1 device not reached' },
    });
    expectNoInternals(answer.raw);
    expect(answer.raw).not.toContain('cursor');
  });

  it('takes the id in lower case too', async () => {
    const answer = await api.call('GET', `/v1/operations/${resync.id.toLowerCase()}`);
    expect(answer.status).toBe(200);
    expect(answer.json.id).toBe(resync.id);
  });

  it('an unknown id is 404 NOT_FOUND', async () => {
    const unknown = operationRecord(99).id;
    const answer = await api.call('GET', `/v1/operations/${unknown}`);
    expect(answer.status).toBe(404);
    expect(errorCodeOf(answer)).toBe('NOT_FOUND');
    expect(answer.json.error.message).toBe(`no operation with id ${unknown}`);
  });

  it.each([
    ['25 characters', rotation.id.slice(1)],
    ['27 characters', `${rotation.id}0`],
    ['a letter outside Crockford base32 (U)', `${rotation.id.slice(0, 25)}U`],
    ['a letter outside Crockford base32 (I)', `I${rotation.id.slice(1)}`],
    ['a percent-encoded slash', `${rotation.id.slice(0, 24)}%2F0`],
    ['a name', 'sensors%2Ftemp'],
  ])('an id of %s is 400 INVALID_INPUT', async (_label, id) => {
    const answer = await api.call('GET', `/v1/operations/${id}`);
    expect(answer.status).toBe(400);
    expect(errorCodeOf(answer)).toBe('INVALID_INPUT');
    expect(answer.json.error.message).toMatch(/operationId.*Crockford base32/);
  });
});

describe('GET /v1/operations/{operationId}/devices', () => {
  it('lists the devices of an operation in client id order, by name and id, never the command hash', async () => {
    const answer = await api.call('GET', `/v1/operations/${rotation.id}/devices`);
    expect(answer.status).toBe(200);
    const names = ['dev/1', 'dev/2', 'dev/3'];
    const idOf = (name: string) => bytesToHex(hashIdAlias(name));
    expect(answer.json.items.map((item: { client: { id: string } }) => item.client.id)).toEqual(names.map(idOf).sort());
    expect(answer.json.items).toContainEqual({
      client: { name: 'dev/3', id: idOf('dev/3') },
      state: 'failed',
      attempts: 1,
      lastError: 'broker refused',
      updatedAt: expect.any(String),
    });
    expectNoInternals(answer.raw);
  });

  it('filters by state and pages', async () => {
    const confirmed = await api.call('GET', `/v1/operations/${rotation.id}/devices?state=confirmed`);
    const first = await api.call('GET', `/v1/operations/${rotation.id}/devices?limit=2`);
    const second = await api.call(
      'GET',
      `/v1/operations/${rotation.id}/devices?limit=2&cursor=${encodeURIComponent(first.json.cursor)}`,
    );
    expect(confirmed.json.items.map((item: { client: { name: string } }) => item.client.name)).toEqual(['dev/1']);
    expect([first.json.items.length, second.json.items.length]).toEqual([2, 1]);
    expect(second.json).not.toHaveProperty('cursor');
  });

  it('an operation without devices answers an empty page; an unknown one 404, a malformed id 400', async () => {
    const empty = await api.call('GET', `/v1/operations/${resync.id}/devices`);
    const unknown = await api.call('GET', `/v1/operations/${operationRecord(99).id}/devices`);
    const malformed = await api.call('GET', '/v1/operations/abc/devices');
    expect([empty.status, empty.json]).toEqual([200, { items: [] }]);
    expect([unknown.status, errorCodeOf(unknown)]).toEqual([404, 'NOT_FOUND']);
    expect([malformed.status, errorCodeOf(malformed)]).toEqual([400, 'INVALID_INPUT']);
  });

  it.each([
    ['an unknown state', '?state=delivered'],
    ['a filter of the operation list', '?status=running'],
    ['a limit of 101', '?limit=101'],
  ])('refuses %s: 400 INVALID_INPUT', async (_label, query) => {
    const answer = await api.call('GET', `/v1/operations/${rotation.id}/devices${query}`);
    expect(answer.status).toBe(400);
    expect(errorCodeOf(answer)).toBe('INVALID_INPUT');
  });
});

describe('tenants', () => {
  it("another tenant's operation is 404 (and its devices), and not in the list", async () => {
    const read = await api.call('GET', `/v1/operations/${foreign.id}`);
    const devices = await api.call('GET', `/v1/operations/${foreign.id}/devices`);
    const list = await api.call('GET', '/v1/operations');
    expect([read.status, errorCodeOf(read)]).toEqual([404, 'NOT_FOUND']);
    expect([devices.status, errorCodeOf(devices)]).toEqual([404, 'NOT_FOUND']);
    expect(ids(list)).not.toContain(foreign.id);
  });

  it("the other tenant sees its own operation only, and not this tenant's", async () => {
    const token = await api.tokenOf('tenant-other');
    const list = await api.call('GET', '/v1/operations', { token });
    const read = await api.call('GET', `/v1/operations/${rotation.id}`, { token });
    expect(ids(list)).toEqual([foreign.id]);
    expect(read.status).toBe(404);
  });
});

describe("the README's operation examples", () => {
  it('each curl line of its Operations section answers 200 (with an operation id in place of $OP)', async () => {
    // Prepare: the sh block of the README's "#### Operations" section
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(
      readme.indexOf('#### Operations'),
      readme.indexOf('\n## ', readme.indexOf('#### Operations')),
    );
    const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    const targets = [...block.matchAll(/"\$API(\/v1\/[^"]*)"/g)].map((match) =>
      match[1]!.replaceAll('$OP', rotation.id),
    );
    expect(targets).toHaveLength(4);

    // Act
    const answers = await Promise.all(targets.map((target) => api.call('GET', target)));

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
  });
});
