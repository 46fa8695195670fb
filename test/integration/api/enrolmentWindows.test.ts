/**
 * Enrolment by trust on first use through the API (local adapters): a window opened, devices enrolled with its
 * token (counted, audited, flagged for a new identity key, put on its topics), and refused when it is full, expired
 * (the clock moved on), closed, or the key opens no window; concurrent enrolments never pass its maximum.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519PrivateKeyFromSeed, toBase64 } from '../../../shared/e4/index.js';
import { recordSecret } from '../../support/recordedSecrets.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

let now = Date.parse('2026-12-01T10:00:00.000Z');
let api: ApiFixture;

const keyOf = (seed: number) => toBase64(Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + seed) & 0xff));

async function openWindow(body: Record<string, unknown>): Promise<{ id: string; token: string }> {
  const answer = await api.call('POST', '/v1/enrolment-windows', { body });
  expect(answer.status, answer.raw).toBe(201);
  recordSecret(answer.json.token);
  return { id: answer.json.window.id, token: answer.json.token };
}

const enrol = (token: string, body: Record<string, unknown>) => api.call('POST', '/v1/enrol', { token, body });
const windowOf = async (id: string) => (await api.call('GET', `/v1/enrolment-windows/${id}`)).json;

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-tofu', clock: () => now });
});

afterAll(async () => {
  await api?.close();
});

describe('an enrolment window', () => {
  it('opens with a token shown once, enrols a device that is flagged, counted and audited', async () => {
    // Prepare
    const { id, token } = await openWindow({ name: 'line 3', durationMinutes: 60, maxCount: 5 });

    // Act
    const answer = await enrol(token, { name: 'tofu-device-1', key: keyOf(1) });

    // Assess
    expect(answer.status, answer.raw).toBe(201);
    expect(answer.json.client).toMatchObject({
      name: 'tofu-device-1',
      mode: 'symmetric',
      keyVersion: 1,
      rekeyOnReturn: true,
    });
    expect(answer.json.key).toBeUndefined();
    expect(answer.json.topics).toEqual([]);
    expect(answer.raw).not.toContain(keyOf(1));
    const window = await windowOf(id);
    expect(window).toMatchObject({ id, name: 'line 3', status: 'open', enrolled: 1, maxCount: 5, mode: 'any' });
    expect(window.closesAt).toBe(new Date(now + 60 * 60_000).toISOString());
    expect(JSON.stringify(window)).not.toContain(token);
    const listed = (await api.call('GET', '/v1/enrolment-windows')).json.items.map((w: { id: string }) => w.id);
    expect(listed).toContain(id);
    const events = (await api.call('GET', '/v1/events?action=client.create')).json.items;
    const created = events.find((event: { target: { name: string } }) => event.target.name === 'tofu-device-1');
    expect(created).toMatchObject({ actor: `apikey:${id}`, result: 'ok' });
    expect(created.details.enrolmentWindow).toBe(id);
    const opened = (await api.call('GET', '/v1/events?action=enrolment.open')).json.items;
    expect(opened.map((event: { target: { name: string } }) => event.target.name)).toContain(id);
  });

  it('refuses a name that exists (409 ALREADY_EXISTS) without taking a slot', async () => {
    // Prepare
    const { id, token } = await openWindow({ durationMinutes: 60, maxCount: 5 });
    expect((await enrol(token, { name: 'tofu-twice', key: keyOf(2) })).status).toBe(201);

    // Act
    const again = await enrol(token, { name: 'tofu-twice', key: keyOf(3) });

    // Assess
    expect(again.status, again.raw).toBe(409);
    expect(errorCodeOf(again)).toBe('ALREADY_EXISTS');
    expect((await windowOf(id)).enrolled).toBe(1);
    const refusals = (await api.call('GET', '/v1/events?action=client.create&result=error')).json.items;
    expect(refusals.some((event: { target: { name: string } }) => event.target.name === 'tofu-twice')).toBe(true);
  });

  it('is full after maxCount enrolments (409 ENROLMENT_FULL)', async () => {
    // Prepare
    const { id, token } = await openWindow({ durationMinutes: 60, maxCount: 2 });
    for (const n of [1, 2]) expect((await enrol(token, { name: `tofu-full-${n}`, key: keyOf(n) })).status).toBe(201);

    // Act
    const third = await enrol(token, { name: 'tofu-full-3', key: keyOf(3) });

    // Assess
    expect(third.status, third.raw).toBe(409);
    expect(errorCodeOf(third)).toBe('ENROLMENT_FULL');
    expect(await windowOf(id)).toMatchObject({ status: 'full', enrolled: 2 });
    expect((await api.call('GET', '/v1/clients?name=tofu-full-3')).json.items).toEqual([]);
  });

  it('never enrols more than maxCount devices, however many enrol at once', async () => {
    // Prepare
    const { id, token } = await openWindow({ durationMinutes: 60, maxCount: 3 });

    // Act
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, n) => enrol(token, { name: `tofu-race-${n}`, key: keyOf(n) })),
    );

    // Assess
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(3);
    for (const answer of answers.filter((a) => a.status !== 201)) {
      expect(answer.status, answer.raw).toBe(409);
      expect(errorCodeOf(answer)).toBe('ENROLMENT_FULL');
    }
    expect(await windowOf(id)).toMatchObject({ status: 'full', enrolled: 3 });
    const names = await Promise.all(
      Array.from({ length: 10 }, (_, n) => api.c2.deps.store.getClient(api.tenantId, `tofu-race-${n}`)),
    );
    expect(names.filter(Boolean)).toHaveLength(3);
  });

  it('expires with its token at closesAt (the token is refused: 401)', async () => {
    // Prepare
    const { id, token } = await openWindow({ durationMinutes: 5, maxCount: 5 });
    const start = now;

    // Act
    now += 5 * 60_000;
    const late = await enrol(token, { name: 'tofu-late', key: keyOf(4) });
    const window = await windowOf(id);
    now = start;

    // Assess
    expect(late.status, late.raw).toBe(401);
    expect(errorCodeOf(late)).toBe('UNAUTHORIZED');
    expect(window.status).toBe('expired');
    expect(await api.c2.deps.store.getClient(api.tenantId, 'tofu-late')).toBeUndefined();
  });

  it('refuses enrolments once closed (its token revoked: 401); closing again changes nothing', async () => {
    // Prepare
    const { id, token } = await openWindow({ durationMinutes: 60, maxCount: 5 });

    // Act
    const closed = await api.call('POST', `/v1/enrolment-windows/${id}/close`);
    const after = await enrol(token, { name: 'tofu-after-close', key: keyOf(5) });
    const again = await api.call('POST', `/v1/enrolment-windows/${id}/close`);

    // Assess
    expect(closed.status, closed.raw).toBe(200);
    expect(closed.json).toMatchObject({ id, status: 'closed', closedAt: new Date(now).toISOString() });
    expect(after.status, after.raw).toBe(401);
    expect(again.json).toEqual(closed.json);
    const key = (await api.call('GET', `/v1/keys/api/${id}`)).json;
    expect(key).toMatchObject({ scope: 'enrol', status: 'revoked' });
  });

  it('refuses an enrolment when the window is closed but its token stands (409 ENROLMENT_CLOSED)', async () => {
    // Prepare: a crash between the window's closing and its token's revocation leaves the token usable
    const { id, token } = await openWindow({ durationMinutes: 60, maxCount: 5 });
    await api.c2.deps.store.closeEnrolmentWindow(api.tenantId, id, new Date(now).toISOString());

    // Act
    const answer = await enrol(token, { name: 'tofu-closed', key: keyOf(6) });

    // Assess
    expect(answer.status, answer.raw).toBe(409);
    expect(errorCodeOf(answer)).toBe('ENROLMENT_CLOSED');
  });

  it('refuses an enrol key that opens no window (409 ENROLMENT_CLOSED)', async () => {
    // Prepare
    const token = await api.tokenOf(api.tenantId, 'enrol');

    // Act
    const answer = await enrol(token, { name: 'tofu-stray', key: keyOf(7) });

    // Assess
    expect(answer.status, answer.raw).toBe(409);
    expect(errorCodeOf(answer)).toBe('ENROLMENT_CLOSED');
  });

  it('enrols only its mode, and puts each device on its topics (audited) without sending their keys yet', async () => {
    // Prepare
    const topic = 'tofu/line/3';
    expect((await api.call('POST', '/v1/topics', { body: { topic } })).status).toBe(201);
    const { id, token } = await openWindow({ durationMinutes: 60, maxCount: 5, mode: 'pubkey', topics: [topic] });

    // Act
    const symmetric = await enrol(token, { name: 'tofu-sym', key: keyOf(8) });
    const { publicKey } = ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(9));
    const pubkey = await enrol(token, { name: 'tofu-pub', mode: 'pubkey', publicKey: toBase64(publicKey) });

    // Assess
    expect(symmetric.status, symmetric.raw).toBe(400);
    expect(errorCodeOf(symmetric)).toBe('INVALID_INPUT');
    expect(pubkey.status, pubkey.raw).toBe(201);
    expect(pubkey.json.topics).toEqual([topic]);
    const topics = (await api.call('GET', `/v1/clients/${pubkey.json.client.id}/topics`)).json.items;
    expect(topics.map((t: { topic: string }) => t.topic)).toEqual([topic]);
    // The link is in the audit trail, made by the window's key, and sent nothing (its key is not trusted yet).
    const linkEvents = (await api.call('GET', '/v1/events?action=link.create')).json.items;
    expect(linkEvents).toHaveLength(1);
    expect(linkEvents[0]).toMatchObject({
      actor: `apikey:${id}`,
      result: 'ok',
      target: { type: 'link', name: `${topic} tofu-pub` },
      details: { delivery: { sent: 0, delivered: 0, failed: [] } },
    });
  });
});
