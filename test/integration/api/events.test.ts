/**
 * The event log over local mode: GET /v1/events filtered by each field alone and together (compared with the whole
 * log filtered here), paged to its end with short pages; GET /v1/events/export as JSON lines matching the list,
 * oldest first; bad filters named in the 400's message. Events come from real changes at clock times set here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createApiHandler } from '../../../functions/api/createApiHandler.js';
import { defineRoute } from '../../../functions/api/defineRoute.js';
import type { EventView } from '../../../shared/c2/events/listEvents.js';
import { linesOf } from '../../../shared/c2/schemas/common.js';
import { call } from '../../support/apiEvent.js';
import { type ApiFixture, startApiFixture } from './apiFixture.js';

const MINUTE = 60_000;
const START = Date.UTC(2026, 10, 23, 10, 0, 0);
const at = (minute: number) => new Date(START + minute * MINUTE).toISOString();

let api: ApiFixture;
let now = START;
let reader: string;
/** The whole log, newest first, as the unfiltered list answers it. */
let log: EventView[];

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-events', clock: () => now });
  const operator = await api.tokenOf('tenant-events', 'operator');
  reader = await api.tokenOf('tenant-events', 'read-only');
  const changes: [token: string, path: string, body: object][] = [
    [api.token, '/v1/clients', { name: 'c-1', generateKey: true }],
    [api.token, '/v1/clients', { name: 'c-1', generateKey: true }], // refused: the name is taken
    [operator, '/v1/topics', { topic: 'plant/t-1' }],
    [operator, '/v1/clients', { name: 'c-2', generateKey: true }],
    [api.token, '/v1/topics', { topic: 'plant/t-2' }],
  ];
  for (const [minute, [token, path, body]] of changes.entries()) {
    now = START + (minute + 1) * MINUTE;
    await api.call('POST', path, { token, body });
  }
  now = START + 10 * MINUTE;
  log = await readAll('/v1/events?limit=100');
});

afterAll(async () => {
  await api?.close();
});

/** Every page of a list, with the read-only key: its items and how many pages it took. */
async function readAll(path: string): Promise<EventView[]> {
  const items: EventView[] = [];
  let cursor: string | undefined;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const answer = await api.call(
      'GET',
      cursor === undefined ? path : `${path}${separator}cursor=${encodeURIComponent(cursor)}`,
      { token: reader },
    );
    expect(answer.status, answer.raw).toBe(200);
    items.push(...answer.json.items);
    cursor = answer.json.cursor;
  } while (cursor !== undefined);
  return items;
}

describe('GET /v1/events filters', () => {
  it('holds the changes made, newest first, the refused one as an error', () => {
    const made = log.filter((event) => event.action !== 'apikey.create');
    expect(made.map((event) => [event.at, event.action, event.target.name, event.result])).toEqual([
      [at(5), 'topic.create', 'plant/t-2', 'ok'],
      [at(4), 'client.create', 'c-2', 'ok'],
      [at(3), 'topic.create', 'plant/t-1', 'ok'],
      [at(2), 'client.create', 'c-1', 'error'],
      [at(1), 'client.create', 'c-1', 'ok'],
    ]);
  });

  it.each<[string, (query: { admin: string; operator: string }) => string, (event: EventView) => boolean]>([
    ['actor', ({ operator }) => `actor=${operator}`, (event) => event.at === at(3) || event.at === at(4)],
    ['action', () => 'action=client.create', (event) => event.action === 'client.create'],
    ['an action prefix', () => 'action=topic.', (event) => event.action.startsWith('topic.')],
    ['a target', () => 'targetType=client&target=c-1', (event) => event.target.name === 'c-1'],
    ['a target of another type', () => 'targetType=topic&target=c-1', () => false],
    ['result', () => 'result=error', (event) => event.result === 'error'],
    ['from (included)', () => `from=${at(4)}`, (event) => event.at >= at(4)],
    ['to (left out)', () => `to=${at(2)}`, (event) => event.at < at(2)],
    [
      'a window, in seconds only',
      () => `from=2026-11-23T10:02:00Z&to=2026-11-23T10:04:00Z`,
      (event) => event.at >= at(2) && event.at < at(4),
    ],
    [
      'all together',
      ({ admin }) => `actor=${admin}&action=client.&result=ok&from=${at(1)}&to=${at(9)}`,
      (event) => event.at === at(1),
    ],
  ])('by %s, page by page (pages of 1)', async (_label, query, expected) => {
    // Prepare
    const actors = { admin: log.find((e) => e.at === at(1))!.actor, operator: log.find((e) => e.at === at(3))!.actor };

    // Act
    const listed = await readAll(`/v1/events?limit=1&${query(actors)}`);

    // Assess
    expect(actors.admin).not.toBe(actors.operator);
    expect(listed).toEqual(log.filter(expected));
  });
});

describe('GET /v1/events/export', () => {
  it('answers JSON lines, oldest first, matching the list; the filters too', async () => {
    // Act
    const whole = await api.call('GET', '/v1/events/export', { token: reader });
    const filtered = await api.call('GET', `/v1/events/export?action=client.&from=${at(2)}`, { token: reader });

    // Assess
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('application/x-ndjson');
    expect(whole.headers.link).toBeUndefined();
    expect(whole.raw.endsWith('\n')).toBe(true);
    const lines = whole.raw.split('\n').slice(0, -1);
    expect(lines.map((line) => JSON.parse(line))).toEqual([...log].reverse());
    expect(filtered.json).toEqual(
      log.filter((event) => event.action.startsWith('client.') && event.at >= at(2)).reverse(),
    );
  });

  it('refuses a cursor it did not issue, and an unknown parameter (limit: an export has none)', async () => {
    const cursor = await api.call('GET', '/v1/events/export?cursor=abc', { token: reader });
    const limit = await api.call('GET', '/v1/events/export?limit=10', { token: reader });
    expect([cursor.status, cursor.json.error.code]).toEqual([400, 'INVALID_CURSOR']);
    expect([limit.status, limit.json.error.code]).toEqual([400, 'INVALID_INPUT']);
  });
});

describe('bad filters', () => {
  it.each([
    ['from', 'from=yesterday'],
    ['to', 'to=2026-13-01T00:00:00Z'],
    ['to', `from=${at(5)}&to=${at(4)}`],
    ['result', 'result=maybe'],
    ['targetType', 'targetType=device&target=c-1'],
    ['targetType', 'target=c-1'],
    ['target', 'targetType=client'],
    ['actor', 'actor='],
    ['action', `action=${'a'.repeat(129)}`],
  ])('names "%s" in the 400 (%s), on the list and the export', async (field, query) => {
    for (const path of ['/v1/events', '/v1/events/export']) {
      const answer = await api.call('GET', `${path}?${query}`, { token: reader });
      expect(answer.status, `${path}?${query}`).toBe(400);
      expect(answer.json.error.code).toBe('INVALID_INPUT');
      expect(answer.json.error.message).toMatch(new RegExp(`^"${field}": `));
    }
  });
});

describe('a JSON lines route stopped at its bound', () => {
  it('answers Link rel="next": the same path and query, the cursor replaced by the next one', async () => {
    // Prepare: a route that always has more (the export's bound takes 10,000 events to reach)
    const handler = createApiHandler(api.c2.deps, {
      routes: [
        defineRoute({
          method: 'GET',
          path: '/test/lines',
          scope: 'read-only',
          operationId: 'testLines',
          summary: 'test',
          query: z.strictObject({ a: z.string(), b: z.string(), cursor: z.string() }),
          response: linesOf(z.strictObject({ n: z.number() })),
          jsonLines: true,
          run: async () => ({ lines: [{ n: 1 }, { n: 2 }], next: 'c/+=' }),
        }),
      ],
    });

    // Act
    const answer = await call(handler, 'GET', '/test/lines?a=1&cursor=old&b=x%20y', { token: reader });

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.raw).toBe('{"n":1}\n{"n":2}\n');
    expect(answer.headers.link).toBe('</test/lines?a=1&cursor=c%2F%2B%3D&b=x+y>; rel="next"');
  });
});
