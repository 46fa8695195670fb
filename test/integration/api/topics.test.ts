/** The topic routes over the local adapters: create, read (by hash), list in hash order, count. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, hashTopic } from '../../../shared/e4/index.js';
import type { ApiAnswer } from '../../support/apiEvent.js';
import { operationFinishedOverHttp } from '../../support/operationFinishedOverHttp.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

const NOW = '2026-11-23T10:00:00.000Z';
let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-topics', clock: () => Date.parse(NOW) });
});
afterAll(async () => {
  await api?.close();
});

const hashOf = (topic: string) => bytesToHex(hashTopic(topic));

const viewOf = (topic: string) => ({
  topic,
  hash: hashOf(topic),
  keyVersion: 1,
  createdAt: NOW,
  updatedAt: NOW,
});

describe('POST /v1/topics and GET /v1/topics/{topicHash}', () => {
  it('creates a topic with a key that is not shown: 201 with its view', async () => {
    const answer = await api.call('POST', '/v1/topics', { body: { topic: 'plant/line-1/temperature' } });
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual(viewOf('plant/line-1/temperature'));
    expect(await api.c2.deps.store.getTopic(api.tenantId, 'plant/line-1/temperature')).toBeDefined();
  });

  it('reads it by its hash, with the number of clients on it', async () => {
    const answer = await api.call('GET', `/v1/topics/${hashOf('plant/line-1/temperature')}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ ...viewOf('plant/line-1/temperature'), clientCount: 0 });
  });

  it('the topic in the path is no longer a way in: encoded it is 400, raw it is another route (404)', async () => {
    const encoded = await api.call('GET', '/v1/topics/plant%2Fline-1%2Ftemperature');
    const raw = await api.call('GET', '/v1/topics/plant/line-1/temperature');
    expect(encoded.status).toBe(400);
    expect(errorCodeOf(encoded)).toBe('INVALID_INPUT');
    expect(raw.status).toBe(404);
    expect(errorCodeOf(raw)).toBe('ROUTE_NOT_FOUND');
  });

  it('topics that differ only by "%2F" and "/" have different hashes, each read back as itself', async () => {
    // Prepare
    await api.call('POST', '/v1/topics', { body: { topic: 'a%2Fb' } });
    await api.call('POST', '/v1/topics', { body: { topic: 'a/b' } });

    // Act
    const encoded = await api.call('GET', `/v1/topics/${hashOf('a%2Fb')}`);
    const plain = await api.call('GET', `/v1/topics/${hashOf('a/b')}`);

    // Assess
    expect(hashOf('a%2Fb')).not.toBe(hashOf('a/b'));
    expect([encoded.status, plain.status]).toEqual([200, 200]);
    expect([encoded.json.topic, plain.json.topic]).toEqual(['a%2Fb', 'a/b']);
  });

  it('a topic in UTF-8 of 512 bytes, read back by its hash', async () => {
    const topic = `sensors/${'λ'.repeat(252)}`;
    const created = await api.call('POST', '/v1/topics', { body: { topic } });
    const read = await api.call('GET', `/v1/topics/${created.json.hash}`);
    expect(created.status).toBe(201);
    expect(read.status).toBe(200);
    expect(read.json.topic).toBe(topic);
  });

  it('an existing topic is 409 ALREADY_EXISTS', async () => {
    const answer = await api.call('POST', '/v1/topics', { body: { topic: 'plant/line-1/temperature' } });
    expect(answer.status).toBe(409);
    expect(errorCodeOf(answer)).toBe('ALREADY_EXISTS');
  });

  it('an unknown hash is 404 NOT_FOUND', async () => {
    const answer = await api.call('GET', `/v1/topics/${hashOf('nothing/here')}`);
    expect(answer.status).toBe(404);
    expect(errorCodeOf(answer)).toBe('NOT_FOUND');
  });

  it("another tenant's topic is 404 for this tenant", async () => {
    const other = await api.tokenOf('tenant-other-topics');
    const answer = await api.call('GET', `/v1/topics/${hashOf('plant/line-1/temperature')}`, { token: other });
    expect(answer.status).toBe(404);
    expect(errorCodeOf(answer)).toBe('NOT_FOUND');
  });
});

describe('GET /v1/topics', () => {
  let token: string;
  const topics = ['t/3', 't/1', 't/2'];
  beforeAll(async () => {
    token = await api.tokenOf('tenant-topic-list');
    for (const topic of topics)
      expect((await api.call('POST', '/v1/topics', { token, body: { topic } })).status).toBe(201);
  });

  it('lists in hash order with cursors', async () => {
    const inHashOrder = [...topics].sort((a, b) => hashOf(a).localeCompare(hashOf(b)));
    const first = await api.call('GET', '/v1/topics?limit=2', { token });
    const second = await api.call('GET', `/v1/topics?limit=2&cursor=${encodeURIComponent(first.json.cursor)}`, {
      token,
    });
    expect(first.json).toEqual({ items: inHashOrder.slice(0, 2).map(viewOf), cursor: expect.any(String) });
    expect(second.json).toEqual({ items: inHashOrder.slice(2).map(viewOf) });
  });

  it('?topic= looks a topic up: a page of one (topic URL-encoded), without a cursor', async () => {
    // Prepare
    const topic = 'hall 1/door%41/é';
    expect((await api.call('POST', '/v1/topics', { token, body: { topic } })).status).toBe(201);

    // Act
    const found = await api.call('GET', `/v1/topics?topic=${encodeURIComponent(topic)}`, { token });
    const slashes = await api.call('GET', '/v1/topics?topic=t/2&limit=5', { token });

    // Assess
    expect(found.status).toBe(200);
    expect(found.json).toEqual({ items: [viewOf(topic)] });
    expect(slashes.json).toEqual({ items: [viewOf('t/2')] });
    const deleted = await api.call('DELETE', `/v1/topics/${hashOf(topic)}`, { token });
    expect(deleted.status).toBe(202);
    expect(deleted.json).toMatchObject({ topic, operation: { kind: 'topic.delete' } });
    await operationFinishedOverHttp((path) => api.call('GET', path, { token }), deleted.json.operation.id);
    expect((await api.call('GET', `/v1/topics/${hashOf(topic)}`, { token })).status).toBe(404);
  });

  it('?topic= of no topic is an empty page (200), of another tenant too', async () => {
    const unknown = await api.call('GET', '/v1/topics?topic=t/4', { token });
    const otherTenant = await api.call('GET', '/v1/topics?topic=t/1');
    expect([unknown.status, otherTenant.status]).toEqual([200, 200]);
    expect(unknown.json).toEqual({ items: [] });
    expect(otherTenant.json).toEqual({ items: [] });
  });

  it('?topic= with a cursor, or an invalid topic, is 400 INVALID_INPUT', async () => {
    for (const query of ['topic=t/1&cursor=abc', 'topic=', 'topic=a%2F%23', 'topic=%24SYS%2Fx']) {
      const answer = await api.call('GET', `/v1/topics?${query}`, { token });
      expect(answer.status).toBe(400);
      expect(errorCodeOf(answer)).toBe('INVALID_INPUT');
    }
  });

  it('takes the hash in either hex case on every topic route', async () => {
    // Prepare
    const upper = hashOf('t/1').toUpperCase();
    const client = await api.call('POST', '/v1/clients', { token, body: { name: 'hex-case', generateKey: true } });
    const clientId = (client.json.client.id as string).toUpperCase();

    /** The answer of a change that starts an operation, once the operation has finished. */
    const finished = async (answer: ApiAnswer) => {
      const done = await operationFinishedOverHttp(
        (path) => api.call('GET', path, { token }),
        answer.json.operation.id,
      );
      expect(done.status).toBe('succeeded');
      return answer;
    };

    // Act: the rotation, the unlink, the resync and the deletion are operations (202), each followed to its end
    // before the next call.
    const answers = [
      await api.call('GET', `/v1/topics/${upper}`, { token }),
      await api.call('GET', `/v1/topics/${upper}/clients`, { token }),
      await api.call('PUT', `/v1/topics/${upper}/clients/${clientId}`, { token }),
      await api.call('GET', `/v1/clients/${clientId}/topics`, { token }),
      await finished(await api.call('POST', `/v1/topics/${upper}/rotate`, { token })),
      await finished(await api.call('DELETE', `/v1/topics/${upper}/clients/${clientId}`, { token })),
      await finished(await api.call('POST', `/v1/clients/${clientId}/resync`, { token })),
      await finished(await api.call('DELETE', `/v1/clients/${clientId}`, { token })),
    ];

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 202, 202, 202, 202]);
    expect(answers[0]!.json.hash).toBe(hashOf('t/1'));
    expect(answers[3]!.json.items.map((item: { topic: string }) => item.topic)).toEqual(['t/1']);
    expect(answers[4]!.json.topic.hash).toBe(hashOf('t/1'));
    expect(answers[5]!.json).toMatchObject({ topic: 't/1', client: 'hex-case', rekeyed: true });
    const topic = await api.call('GET', `/v1/topics/${upper}`, { token });
    expect(topic.json).toMatchObject({ keyVersion: 3, clientCount: 0 });
  });

  it('GET /v1/stats counts them', async () => {
    const answer = await api.call('GET', '/v1/stats', { token });
    expect(answer.json).toEqual({ clients: 0, topics: 3 });
  });
});
