/**
 * A whole life through the HTTP API alone, symmetric mode, over the local adapters: enrol two clients, make a topic,
 * link both, read both sides of the links, rotate, resync, new identity key, unlink (re-keyed and not), reset and
 * delete clients, delete the topic, and read it all back in the event log, newest first. The rotation and the
 * re-keyed unlink are operations (202), followed through GET /v1/operations/{id} to their end. Records are addressed by
 * their ids (the names have "/", " " and "%"). No device is connected: the broker's QoS 1 acknowledgement is what
 * counts as delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, hashIdAlias, hashTopic, toBase64 } from '../../../shared/e4/index.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

let api: ApiFixture;
/** Every event gets its own millisecond, so that the log's order is the order of the calls. */
let now = Date.parse('2026-11-23T10:00:00.000Z');

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-sym-flow', clock: () => ++now });
});
afterAll(async () => {
  await api?.close();
});

const A = 'hall 1/sensor%41';
const B = 'gateway/β';
const TOPIC = 'plant/line-1/temperature';
const idOf = (name: string) => bytesToHex(hashIdAlias(name));
const hashOf = (topic: string) => bytesToHex(hashTopic(topic));
const delivered = (count: number) => ({ sent: count, delivered: count, failed: [] });
/** The counts of a finished operation whose `count` devices' brokers took their commands (no device confirms). */
const sentTo = (count: number) => ({ total: count, pending: 0, sent: count, confirmed: 0, failed: 0 });
/** The ids of the operations started in this flow, by what they did. */
const operationIds = new Map<string, string>();

async function storedClientKey(name: string): Promise<Uint8Array> {
  const record = await api.c2.deps.store.getClient(api.tenantId, name);
  if (!record) throw new Error(`no client ${name}`);
  return api.c2.deps.vault.unwrap(record.wrappedKey, {
    tenantId: api.tenantId,
    kind: 'client',
    name,
    version: record.keyVersion,
  });
}

/** The clients of a topic as listed: in id order. */
const inIdOrder = (...clients: string[]) =>
  clients.map((name) => ({ name, id: idOf(name) })).sort((a, b) => a.id.localeCompare(b.id));

describe('symmetric mode, through the API', () => {
  const keys = new Map<string, string>();
  const topicPath = `/v1/topics/${hashOf(TOPIC)}`;
  const linkPath = (name: string) => `${topicPath}/clients/${idOf(name)}`;

  it('enrols two clients with generated keys; their ids are the E4 ids of their names', async () => {
    // Act
    const answers = [
      await api.call('POST', '/v1/clients', { body: { name: A, generateKey: true } }),
      await api.call('POST', '/v1/clients', { body: { name: B, generateKey: true } }),
    ];

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([201, 201]);
    expect(answers.map((answer) => [answer.json.client.name, answer.json.client.id])).toEqual([
      [A, idOf(A)],
      [B, idOf(B)],
    ]);
    for (const answer of answers) keys.set(answer.json.client.name, answer.json.key);
  });

  it('creates a topic, read back by its hash with no clients yet', async () => {
    const created = await api.call('POST', '/v1/topics', { body: { topic: TOPIC } });
    const read = await api.call('GET', topicPath);
    expect(created.status).toBe(201);
    expect(created.json.hash).toBe(hashOf(TOPIC));
    expect(read.status).toBe(200);
    expect(read.json).toEqual({ ...created.json, clientCount: 0 });
  });

  it('links both: each is sent the topic key (1 command each, delivered)', async () => {
    // Act
    const linkA = await api.call('PUT', linkPath(A));
    const linkB = await api.call('PUT', linkPath(B));

    // Assess
    expect([linkA.status, linkB.status]).toEqual([200, 200]);
    expect(linkA.json).toEqual({ topic: TOPIC, client: A, keyVersion: 1, delivery: delivered(1) });
    expect(linkB.json).toEqual({ topic: TOPIC, client: B, keyVersion: 1, delivery: delivered(1) });
  });

  it('linking again sends the key again and links nothing more', async () => {
    const again = await api.call('PUT', linkPath(A));
    const topic = await api.call('GET', topicPath);
    expect(again.status).toBe(200);
    expect(again.json.delivery).toEqual(delivered(1));
    expect(topic.json.clientCount).toBe(2);
  });

  it('lists the clients of the topic and the topics of a client, with the ids that address them', async () => {
    // Act
    const clients = await api.call('GET', `${topicPath}/clients`);
    const topics = await api.call('GET', `/v1/clients/${idOf(A)}/topics?limit=10`);
    const client = await api.call('GET', `/v1/clients/${idOf(A)}`);

    // Assess
    expect(clients.status).toBe(200);
    expect(clients.json).toEqual({ items: inIdOrder(A, B) });
    expect(topics.json).toEqual({ items: [{ topic: TOPIC, hash: hashOf(TOPIC), keyVersion: 1 }] });
    expect(client.json).toMatchObject({ name: A, id: idOf(A), mode: 'symmetric', keyVersion: 1, topicCount: 1 });
  });

  it('pages the clients of a topic with limit and cursor', async () => {
    const first = await api.call('GET', `${topicPath}/clients?limit=1`);
    const second = await api.call(
      'GET',
      `${topicPath}/clients?limit=1&cursor=${encodeURIComponent(first.json.cursor)}`,
    );
    expect(first.json).toEqual({ items: inIdOrder(A, B).slice(0, 1), cursor: expect.any(String) });
    expect(second.json.items).toEqual(inIdOrder(A, B).slice(1));
  });

  it('rotates the topic key as an operation: version 2, SetTopicKey to both clients', async () => {
    // Act
    const answer = await api.call('POST', `${topicPath}/rotate`);

    // Assess: 202 with the operation, then the worker carries it out.
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({
      topic: expect.objectContaining({ topic: TOPIC, hash: hashOf(TOPIC) }),
      operation: expect.objectContaining({
        id: expect.any(String),
        kind: 'topic.rotate',
        target: { type: 'topic', name: TOPIC },
        status: 'pending',
      }),
    });
    expect(answer.json.operation).not.toHaveProperty('finishedAt');
    const done = await api.operationFinished(answer.json.operation.id);
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2, counts: sentTo(2) });
    operationIds.set('rotate', done.id);
    expect((await api.call('GET', topicPath)).json.keyVersion).toBe(2);
  });

  it('resyncs a client, as an operation: the key of its one topic is sent again; no key in the answer', async () => {
    const answer = await api.call('POST', `/v1/clients/${idOf(A)}/resync`);
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({
      client: A,
      operation: expect.objectContaining({ kind: 'client.resync', target: { type: 'client', name: A } }),
    });
    expect(JSON.stringify(answer.json)).not.toMatch(/key"/i);
    const done = await api.operationFinished(answer.json.operation.id);
    expect(done).toMatchObject({ status: 'succeeded', counts: { total: 1, sent: 1 } });
  });

  it('gives a client a new identity key as an operation: in force once delivered, then a resync; never in the response', async () => {
    // Prepare
    const before = toBase64(await storedClientKey(A));

    // Act
    const answer = await api.call('POST', `/v1/clients/${idOf(A)}/identity-key`);

    // Assess: 202 with the operation; once it has finished, the new key is in force and a resync was asked for.
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({
      client: expect.objectContaining({ name: A, id: idOf(A), keyVersion: 1 }),
      operation: expect.objectContaining({
        kind: 'client.identityKey',
        target: { type: 'client', name: A },
        status: 'pending',
      }),
    });
    const done = await api.operationFinished(answer.json.operation.id);
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2, counts: sentTo(1) });
    const resyncs = await api.call('GET', '/v1/operations?kind=client.resync');
    // The newest: the identity key's (the test before resynced the client through the API).
    expect(resyncs.json.items).toHaveLength(2);
    expect(resyncs.json.items[0]).toEqual(expect.objectContaining({ target: { type: 'client', name: A } }));
    operationIds.set('resync', (await api.operationFinished(resyncs.json.items[0].id)).id);
    const after = await storedClientKey(A);
    expect(before).toBe(keys.get(A));
    expect(toBase64(after)).not.toBe(before);
    expect((await api.call('GET', `/v1/clients/${idOf(A)}`)).json.keyVersion).toBe(2);
    for (const raw of [answer.raw, JSON.stringify(done)]) {
      expect(raw).not.toContain(toBase64(after));
      expect(raw).not.toContain(bytesToHex(after));
    }
  });

  it('unlinks a client: RemoveTopic to it and, re-keyed, SetTopicKey to the one that stays', async () => {
    // Act
    const answer = await api.call('DELETE', linkPath(B));

    // Assess: 202 with the operation; once it has finished, B is off the topic and the key version is 3.
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({
      topic: TOPIC,
      client: B,
      rekeyed: true,
      operation: expect.objectContaining({
        id: expect.any(String),
        kind: 'link.delete',
        target: { type: 'link', name: `${TOPIC} ${B}` },
        status: 'pending',
      }),
    });
    const done = await api.operationFinished(answer.json.operation.id);
    // The operation's one device is A, the one that stays: it gets a throw-away key, then the new one (it must not
    // keep the key B knew); B, sent RemoveTopic as the link goes, is not one of its devices.
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 3, counts: sentTo(1) });
    const devices = await api.call('GET', `/v1/operations/${done.id}/devices`);
    expect(devices.json.items).toEqual([expect.objectContaining({ client: { name: A, id: idOf(A) }, state: 'sent' })]);
    operationIds.set('unlink', done.id);
    expect((await api.call('GET', `/v1/clients/${idOf(B)}`)).json.topicCount).toBe(0);
    expect((await api.call('GET', topicPath)).json).toMatchObject({ keyVersion: 3, clientCount: 1 });
  });

  it('unlinking a client that is not on the topic is 404 (with or without re-key), and changes nothing', async () => {
    for (const query of ['', '?rekey=false']) {
      const answer = await api.call('DELETE', `${linkPath(B)}${query}`);
      expect(answer.status, query).toBe(404);
      expect(errorCodeOf(answer)).toBe('NOT_FOUND');
    }
    expect((await api.call('GET', topicPath)).json).toMatchObject({ keyVersion: 3, clientCount: 1 });
    expect((await api.call('GET', `/v1/operations?kind=link.delete`)).json.items).toHaveLength(1);
  });

  it('unlinks with rekey=false: RemoveTopic only, the key version kept', async () => {
    // Prepare
    expect((await api.call('PUT', linkPath(B))).status).toBe(200);

    // Act
    const answer = await api.call('DELETE', `${linkPath(B)}?rekey=false`);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ topic: TOPIC, client: B, keyVersion: 3, rekeyed: false, delivery: delivered(1) });
  });

  it('deletes a client as an operation: off its topic (a child re-keys it for the other), ResetTopics; then gone', async () => {
    // Prepare
    expect((await api.call('PUT', linkPath(B))).status).toBe(200);

    // Act
    const answer = await api.call('DELETE', `/v1/clients/${idOf(A)}`);

    // Assess: 202 with the operation; once finished, its one child (the topic's revocation) and A gone.
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({
      client: A,
      rekeyed: true,
      operation: expect.objectContaining({
        kind: 'client.delete',
        target: { type: 'client', name: A },
        status: 'pending',
        rekey: true,
      }),
    });
    const done = await api.operationFinished(answer.json.operation.id);
    expect(done).toMatchObject({ status: 'succeeded', counts: sentTo(1) }); // ResetTopics to A
    const devices = await api.call('GET', `/v1/operations/${done.id}/devices`);
    expect(devices.json.items).toEqual([expect.objectContaining({ client: { name: A, id: idOf(A) } })]);
    const children = await api.call('GET', `/v1/operations?parent=${done.id}`);
    expect(children.json.items).toEqual([
      expect.objectContaining({
        kind: 'link.delete',
        target: { type: 'link', name: `${TOPIC} ${A}` },
        parentId: done.id,
        status: 'succeeded',
        keyVersion: 4,
        counts: sentTo(1), // B: a throw-away key, then the new one
      }),
    ]);
    const gone = await api.call('GET', `/v1/clients/${idOf(A)}`);
    expect(gone.status).toBe(404);
    expect(errorCodeOf(gone)).toBe('NOT_FOUND');
    expect((await api.call('GET', topicPath)).json).toMatchObject({ keyVersion: 4, clientCount: 1 });
    expect((await api.call('DELETE', `/v1/clients/${idOf(A)}`)).status).toBe(404);
  });

  it('resets a client with rekey=false: off its topic, ResetTopics sent, still enrolled', async () => {
    // Act
    const answer = await api.call('POST', `/v1/clients/${idOf(B)}/reset?rekey=false`);

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.json).toMatchObject({ client: B, rekeyed: false, operation: { kind: 'client.reset', rekey: false } });
    const done = await api.operationFinished(answer.json.operation.id);
    expect(done).toMatchObject({ status: 'succeeded', counts: sentTo(1) });
    expect((await api.call('GET', `/v1/operations?parent=${done.id}`)).json).toEqual({ items: [] });
    const client = await api.call('GET', `/v1/clients/${idOf(B)}`);
    expect(client.status).toBe(200);
    expect(client.json.topicCount).toBe(0);
    expect((await api.call('GET', topicPath)).json).toMatchObject({ keyVersion: 4, clientCount: 0 });
  });

  it('deletes the topic, as an operation: RemoveTopic to its client, the links and the topic gone', async () => {
    // Prepare
    expect((await api.call('PUT', linkPath(B))).status).toBe(200);

    // Act
    const answer = await api.call('DELETE', topicPath);

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ topic: TOPIC, operation: expect.objectContaining({ kind: 'topic.delete' }) });
    const done = await api.operationFinished(answer.json.operation.id);
    expect(done).toMatchObject({ status: 'succeeded', counts: sentTo(1) });
    expect((await api.call('GET', topicPath)).status).toBe(404);
    expect((await api.call('GET', `/v1/clients/${idOf(B)}/topics`)).json).toEqual({ items: [] });
    expect((await api.call('GET', '/v1/stats')).json).toEqual({ clients: 1, topics: 0 });
  });

  it('the event log lists every change, newest first, with its actor, result and details', async () => {
    // Act
    const answer = await api.call('GET', '/v1/events?limit=100');

    // Assess
    expect(answer.status).toBe(200);
    const link = (name: string) => `${TOPIC} ${name}`;
    const resync = (await api.call('GET', `/v1/operations/${operationIds.get('resync')}`)).json;
    const resyncResult = resync.status === 'failed' ? 'error' : 'ok';
    const expected: [action: string, target: string, result: string][] = [
      ['client.create', A, 'ok'],
      ['client.create', B, 'ok'],
      ['topic.create', TOPIC, 'ok'],
      ['link.create', link(A), 'ok'],
      ['link.create', link(B), 'ok'],
      ['link.create', link(A), 'ok'],
      ['topic.rotate', TOPIC, 'ok'],
      ['client.resync', A, 'ok'],
      ['client.identityKey', A, 'ok'],
      // The resync the new key asked for: its outcome as its operation says (an operation of its own).
      ['client.resync', A, resyncResult],
      ['link.delete', link(B), 'ok'], // the operation's, written when it finished, at its creation
      // Refused, with re-key (no operation started) and without
      ['link.delete', link(B), 'error'],
      ['link.delete', link(B), 'error'],
      ['link.create', link(B), 'ok'],
      ['link.delete', link(B), 'ok'],
      ['link.create', link(B), 'ok'],
      ['client.delete', A, 'ok'], // the operation's, at its creation
      ['link.delete', link(A), 'ok'], // its child's
      ['client.reset', B, 'ok'],
      ['link.create', link(B), 'ok'],
      ['topic.delete', TOPIC, 'ok'],
    ];
    const events = answer.json.items as {
      action: string;
      target: { name: string };
      result: string;
      actor: string;
      at: string;
      errorCode?: string;
      details?: Record<string, unknown>;
    }[];
    // The oldest event is the fixture's API key, made before the flow.
    expect(events.pop()).toMatchObject({ action: 'apikey.create', actor: 'test', result: 'ok' });
    expect(events.map((event) => [event.action, event.target.name, event.result])).toEqual(expected.reverse());
    expect(answer.json).not.toHaveProperty('cursor');
    expect(new Set(events.map((event) => event.actor))).toEqual(new Set([`apikey:${api.token.split('.')[2]}`]));
    expect(events.find((event) => event.result === 'error')?.errorCode).toBe('NOT_FOUND');
    // An operation's entry: at its creation, with its outcome.
    for (const [action, key, keyVersion, total] of [
      ['topic.rotate', 'rotate', 2, 2],
      ['link.delete', 'unlink', 3, 1],
    ] as const) {
      const operation = (await api.call('GET', `/v1/operations/${operationIds.get(key)}`)).json;
      const event = events.find((e) => e.action === action && e.details?.operationId === operation.id);
      expect(event, action).toMatchObject({ result: 'ok', at: operation.createdAt });
      expect(event?.details).toEqual({
        operationId: operation.id,
        status: 'succeeded',
        finishedAt: operation.finishedAt,
        keyVersion,
        counts: sentTo(total),
      });
    }
  });

  it('pages the event log newest first', async () => {
    const first = await api.call('GET', '/v1/events?limit=2');
    const second = await api.call('GET', `/v1/events?limit=2&cursor=${encodeURIComponent(first.json.cursor)}`);
    expect(first.json.items.map((event: { action: string }) => event.action)).toEqual(['topic.delete', 'link.create']);
    expect(second.json.items.map((event: { action: string }) => event.action)).toEqual([
      'client.reset',
      'link.delete', // the child of the client's deletion
    ]);
  });
});
