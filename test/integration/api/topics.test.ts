/** The topic routes over the local adapters: create, read (names percent-encoded in the path), list, count. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, hashTopic } from '../../../shared/e4/index.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

const NOW = '2026-11-23T10:00:00.000Z';
let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-topics', clock: () => Date.parse(NOW) });
});
afterAll(async () => {
  await api?.close();
});

const viewOf = (topic: string) => ({
  topic,
  hash: bytesToHex(hashTopic(topic)),
  keyVersion: 1,
  createdAt: NOW,
  updatedAt: NOW,
});

describe('POST /v1/topics and GET /v1/topics/{topic}', () => {
  it('creates a topic with a key that is not shown: 201 with its view', async () => {
    const answer = await api.call('POST', '/v1/topics', { body: { topic: 'plant/line-1/temperature' } });
    expect(answer.status).toBe(201);
    expect(answer.json).toEqual(viewOf('plant/line-1/temperature'));
    expect(await api.c2.deps.store.getTopic(api.tenantId, 'plant/line-1/temperature')).toBeDefined();
  });

  it('reads it with the "/" percent-encoded; unencoded, the path is another route (404)', async () => {
    const encoded = await api.call('GET', '/v1/topics/plant%2Fline-1%2Ftemperature');
    const raw = await api.call('GET', '/v1/topics/plant/line-1/temperature');
    expect(encoded.status).toBe(200);
    expect(encoded.json).toEqual(viewOf('plant/line-1/temperature'));
    expect(raw.status).toBe(404);
    expect(errorCodeOf(raw)).toBe('ROUTE_NOT_FOUND');
  });

  it('decodes exactly once: %252F is the topic "a%2Fb", not "a/b"', async () => {
    // Prepare
    await api.call('POST', '/v1/topics', { body: { topic: 'a%2Fb' } });

    // Act
    const once = await api.call('GET', '/v1/topics/a%252Fb');
    const other = await api.call('GET', '/v1/topics/a%2Fb');

    // Assess
    expect(once.status).toBe(200);
    expect(once.json.topic).toBe('a%2Fb');
    expect(other.status).toBe(404);
    expect(errorCodeOf(other)).toBe('NOT_FOUND');
  });

  it('a topic in UTF-8 of 512 bytes, read back through the path', async () => {
    const topic = `sensors/${'λ'.repeat(252)}`;
    const created = await api.call('POST', '/v1/topics', { body: { topic } });
    const read = await api.call('GET', `/v1/topics/${encodeURIComponent(topic)}`);
    expect(created.status).toBe(201);
    expect(read.status).toBe(200);
    expect(read.json.topic).toBe(topic);
  });

  it('an existing topic is 409 ALREADY_EXISTS', async () => {
    const answer = await api.call('POST', '/v1/topics', { body: { topic: 'plant/line-1/temperature' } });
    expect(answer.status).toBe(409);
    expect(errorCodeOf(answer)).toBe('ALREADY_EXISTS');
  });

  it('an unknown topic is 404 NOT_FOUND', async () => {
    const answer = await api.call('GET', '/v1/topics/nothing%2Fhere');
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

  it('lists in name order with cursors', async () => {
    const first = await api.call('GET', '/v1/topics?limit=2', { token });
    const second = await api.call('GET', `/v1/topics?limit=2&cursor=${encodeURIComponent(first.json.cursor)}`, {
      token,
    });
    expect(first.json).toEqual({ items: [viewOf('t/1'), viewOf('t/2')], cursor: expect.any(String) });
    expect(second.json).toEqual({ items: [viewOf('t/3')] });
  });

  it('GET /v1/stats counts them', async () => {
    const answer = await api.call('GET', '/v1/stats', { token });
    expect(answer.json).toEqual({ clients: 0, topics: 3 });
  });
});
