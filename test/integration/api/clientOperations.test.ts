/**
 * Deleting and resetting a client through the API: 202 with the operation (rekey on it), the Idempotency-Key
 * honoured, 404 for an unknown client before anything is recorded, the steps of an operation listed with `parent`
 * (a malformed one 400). The local C2's worker carries the operations out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOperation } from '../../../shared/c2/operations/startOperation.js';
import { bytesToHex, hashIdAlias } from '../../../shared/e4/index.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

let api: ApiFixture;
const idOf = (name: string) => bytesToHex(hashIdAlias(name));

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-clientops-api' });
});
afterAll(async () => {
  await api?.close();
});

async function enrol(name: string): Promise<void> {
  expect((await api.call('POST', '/v1/clients', { body: { name, generateKey: true } })).status).toBe(201);
}

describe('DELETE /v1/clients/{clientId} and POST /v1/clients/{clientId}/reset', () => {
  it('answer 202 with the operation, the same one again for the same Idempotency-Key', async () => {
    // Prepare
    await enrol('idem-1');
    const headers = { 'idempotency-key': 'delete-idem-1' };

    // Act
    const first = await api.call('DELETE', `/v1/clients/${idOf('idem-1')}`, { headers });
    const again = await api.call('DELETE', `/v1/clients/${idOf('idem-1')}`, { headers });

    // Assess
    expect(first.status).toBe(202);
    expect(first.json).toEqual({
      client: 'idem-1',
      rekeyed: true,
      operation: expect.objectContaining({
        kind: 'client.delete',
        target: { type: 'client', name: 'idem-1' },
        rekey: true,
      }),
    });
    expect([200, 202]).toContain(again.status);
    expect(again.json.operation.id).toBe(first.json.operation.id);
    const done = await api.operationFinished(first.json.operation.id);
    expect(done).toMatchObject({ status: 'succeeded', counts: { total: 1, failed: 0 } });
    expect((await api.call('GET', `/v1/clients/${idOf('idem-1')}`)).status).toBe(404);
  });

  it('a retry that asks for another rekey answers with the first operation, and says what it does', async () => {
    await enrol('idem-2');
    const headers = { 'idempotency-key': 'reset-idem-2' };
    const first = await api.call('POST', `/v1/clients/${idOf('idem-2')}/reset`, { headers });
    const other = await api.call('POST', `/v1/clients/${idOf('idem-2')}/reset?rekey=false`, { headers });
    expect(first.json).toMatchObject({ rekeyed: true, operation: { rekey: true } });
    expect(other.json).toMatchObject({ rekeyed: true, operation: { id: first.json.operation.id, rekey: true } });
    await api.operationFinished(first.json.operation.id);
  });

  it('reset with rekey=false keeps the client, the operation says rekey false', async () => {
    await enrol('kept');
    const answer = await api.call('POST', `/v1/clients/${idOf('kept')}/reset?rekey=false`);
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ client: 'kept', rekeyed: false, operation: { rekey: false } });
    expect(await api.operationFinished(answer.json.operation.id)).toMatchObject({ status: 'succeeded' });
    expect((await api.call('GET', `/v1/clients/${idOf('kept')}`)).status).toBe(200);
  });

  it('an unknown client is 404 NOT_FOUND: no operation recorded', async () => {
    // Act
    const deleted = await api.call('DELETE', `/v1/clients/${idOf('nobody')}`);
    const reset = await api.call('POST', `/v1/clients/${idOf('nobody')}/reset`);

    // Assess
    expect([deleted.status, reset.status]).toEqual([404, 404]);
    expect([errorCodeOf(deleted), errorCodeOf(reset)]).toEqual(['NOT_FOUND', 'NOT_FOUND']);
    const listed = await api.call('GET', '/v1/operations?targetType=client&target=nobody');
    expect(listed.json).toEqual({ items: [] });
  });
});

describe('Idempotency-Key', () => {
  it("is a caller's own: it cannot claim, and so block, a key the C2 uses for its own operations", async () => {
    // Prepare: a caller names its resync with the key the C2 would give a device's return resync.
    await enrol('claimed');
    const internalKey = `return.${idOf('claimed')}.1`;
    const answer = await api.call('POST', `/v1/clients/${idOf('claimed')}/resync`, {
      headers: { 'idempotency-key': internalKey },
    });

    // Act: the C2 starts its own resync under that key
    const internal = await startOperation(
      api.c2.deps,
      { tenantId: api.tenantId, actor: 'device-return' },
      {
        kind: 'client.resync',
        target: { type: 'client', name: 'claimed' },
        mintsKey: false,
        idempotencyKey: internalKey,
      },
    );

    // Assess: two operations, the C2's not the caller's
    expect(answer.status).toBe(202);
    expect(internal.created).toBe(true);
    expect(internal.operation.id).not.toBe(answer.json.operation.id);
    await api.operationFinished(answer.json.operation.id);
    await api.operationFinished(internal.operation.id);
  });
});

describe('GET /v1/operations?parent=', () => {
  it('a malformed parent is 400 INVALID_INPUT; one without children an empty page', async () => {
    await enrol('lonely');
    const started = await api.call('DELETE', `/v1/clients/${idOf('lonely')}`);
    await api.operationFinished(started.json.operation.id);

    const bad = await api.call('GET', '/v1/operations?parent=not-an-id');
    const none = await api.call('GET', `/v1/operations?parent=${started.json.operation.id.toLowerCase()}`);

    expect(bad.status).toBe(400);
    expect(errorCodeOf(bad)).toBe('INVALID_INPUT');
    expect(none.json).toEqual({ items: [] });
  });
});
