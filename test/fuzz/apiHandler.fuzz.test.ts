/**
 * Fuzzing of the API handler over the local adapters: arbitrary methods, paths (known routes, their segments
 * mangled, percent-encodings good and bad, random text), queries, headers (content types, authorizations) and bodies
 * (random JSON, create bodies with random fields, random text, base64 or not), and well-formed calls of every route
 * on the ids of names and topics it may have created (links, rotations, removals), and of the operation routes on a
 * few operations written through the OperationStore. Whatever comes in, the answer is a JSON response below 500: a
 * success, or `{ error: { code, message } }` whose code maps to its status; nothing is logged (nothing failed on the
 * server's side).
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ApiLogEntry } from '../../functions/api/ApiLogger.js';
import { type ApiHandler, createApiHandler } from '../../functions/api/createApiHandler.js';
import { httpStatusOf } from '../../functions/api/httpStatusOf.js';
import { createApiKey } from '../../shared/c2/apiKeys/createApiKey.js';
import { MAX_LIMIT } from '../../shared/c2/limits/tenantLimits.js';
import { bytesToHex, decodeUtf8, hashIdAlias, hashTopic, toBase64 } from '../../shared/e4/index.js';
import { deliveryRecord, operationRecord } from '../contract/operationStore.contract.js';
import { apiEvent } from '../support/apiEvent.js';
import { callerOf } from '../support/callerOf.js';
import { fuzzRuns, fuzzTimeout } from '../support/fuzzRuns.js';
import { type LocalC2, startLocalC2 } from '../support/localC2.js';

let c2: LocalC2;
let handler: ApiHandler;
let token: string;
const logs: ApiLogEntry[] = [];

/** Operations of the fuzzed tenant (the first with devices in every state), and one of another tenant. */
const OPERATIONS = [
  operationRecord(0, { tenantId: 'tenant-fuzz', status: 'running' }),
  operationRecord(1, { tenantId: 'tenant-fuzz', kind: 'client.resync', target: { type: 'client', name: 'a' } }),
  operationRecord(2, { tenantId: 'tenant-other' }),
];
const OPERATION_IDS = OPERATIONS.map((operation) => operation.id);

beforeAll(async () => {
  c2 = await startLocalC2();
  handler = createApiHandler(c2.deps, { log: (entry) => logs.push(entry) });
  ({ token } = await createApiKey(c2.deps, callerOf('tenant-fuzz'), { name: 'fuzz', scope: 'admin' }));
  // `npm run fuzz` sends far more than a minute's default request rate: this suite is about the answers, not the rate.
  await c2.deps.store.setTenantLimits('tenant-fuzz', { requestsPerMinute: MAX_LIMIT });
  for (const operation of OPERATIONS) await c2.deps.operations.createOperation(operation);
  await c2.deps.operations.putDeliveries(
    (['pending', 'sent', 'confirmed', 'failed'] as const).map((state, i) =>
      deliveryRecord(OPERATION_IDS[0]!, `dev/${i}`, { tenantId: 'tenant-fuzz', state }),
    ),
  );
});
afterAll(async () => {
  await c2?.close();
});

const methodArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') },
  fc.constantFrom('get', 'post', '', 'ANY', 'TRACE', '__proto__', 'constructor', 'hasOwnProperty'),
  fc.string({ maxLength: 10 }),
);

const segmentArb = fc.oneof(
  fc.constantFrom(
    'v1',
    'clients',
    'topics',
    'health',
    'openapi.json',
    'stats',
    'keys',
    'c2',
    'events',
    'rotate',
    'reset',
    'resync',
    'identity-key',
    'pubkeys',
    'operations',
    'devices',
    ...OPERATION_IDS,
    OPERATION_IDS[0]!.toLowerCase(),
    '0123456789abcdef0123456789abcdef',
    '0123456789ABCDEF0123456789ABCDEF',
    'v2',
    '',
    '.',
    '..',
    '{name}',
    '{clientId}',
    '__proto__',
  ),
  fc.constantFrom(
    '%2F',
    '%252F',
    '%',
    '%2',
    '%zz',
    '%C3%28',
    '%00',
    '%E2%82%AC',
    '%2B',
    '%23',
    'e4%2Fx',
    '%F0%9F%98%80',
  ),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefA%'), minLength: 30, maxLength: 34 }),
  fc.string({ minLength: 250, maxLength: 600 }).map(encodeURIComponent),
);

const pathArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '/v1/health',
      '/v1/openapi.json',
      '/v1/clients',
      '/v1/clients/',
      '/v1/topics',
      '/v1/stats',
      '/v1/clients/device-1',
      '/v1/topics/a%2Fb',
      '/v1/keys/c2',
      '/v1/keys/c2/rotate',
      '/v1/events',
      '/v1/operations',
      `/v1/operations/${OPERATION_IDS[0]}`,
      `/v1/operations/${OPERATION_IDS[0]}/devices`,
      `/v1/operations/${OPERATION_IDS[0]}/retry`,
      '/v1/clients/0123456789abcdef0123456789abcdef/pubkeys',
      '/v1/topics/0123456789abcdef0123456789abcdef/clients/0123456789abcdef0123456789abcdef',
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('/v1/clients/', '/v1/topics/', '/v1/operations/')
      .chain((base) => segmentArb.map((s) => base + s)),
  },
  fc.array(segmentArb, { maxLength: 5 }).map((segments) => `/${segments.join('/')}`),
  fc.string({ maxLength: 30 }),
);

const queryArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  fc.constantFrom(
    'limit=2',
    'limit=0',
    'limit=100',
    'limit=101',
    'limit=abc',
    'limit=1&limit=2',
    'cursor=',
    'cursor=abc',
    'rekey=false',
    'rekey=true',
    'rekey=1',
    'rekey=false&rekey=true',
    'status=running',
    'status=done',
    'kind=topic.rotate',
    'targetType=topic&target=sensors%2Ftemp',
    'targetType=link',
    'state=sent',
    'state=delivered',
  ),
  fc.string({ maxLength: 30 }),
  // Lookups by name: ?name= and ?topic=, alone or with a page query.
  fc
    .tuple(
      fc.constantFrom('name', 'topic'),
      fc.string({ unit: fc.constantFrom('a', '/', '%', '+', '$', '#', 'é', '\u0000'), maxLength: 4 }),
      fc.constantFrom('', '&limit=1', '&cursor=abc'),
    )
    .map(([field, value, more]) => `${new URLSearchParams({ [field]: value }).toString()}${more}`),
  fc
    .record({
      limit: fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), fc.string({ maxLength: 5 })),
      cursor: fc.string(),
    })
    .map((query) => new URLSearchParams(query).toString()),
);

/** Strings that look like keys: base64 of telling lengths, base64-ish text. */
const base64ishArb = fc.oneof(
  fc.constantFrom(0, 16, 31, 32, 33, 64).chain((n) => fc.uint8Array({ minLength: n, maxLength: n }).map(toBase64)),
  fc.base64String({ maxLength: 60 }),
  fc.string({ unit: fc.constantFrom(...'AB+/=-_ \n'), maxLength: 50 }),
);

const fieldValueArb = fc.oneof(fc.jsonValue({ maxDepth: 2 }), base64ishArb, fc.string({ maxLength: 300 }));

/** Bodies shaped like the create requests, with random values and (sometimes) extra fields. */
const createBodyArb = fc.record(
  {
    name: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fieldValueArb),
    topic: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fieldValueArb),
    mode: fc.oneof(fc.constantFrom('symmetric', 'pubkey'), fieldValueArb),
    key: base64ishArb,
    // Under 16 characters: a valid password would cost an Argon2i derivation per run.
    password: fc.string({ maxLength: 15 }),
    generateKey: fc.oneof(fc.constant(true), fieldValueArb),
    publicKey: base64ishArb,
    extra: fieldValueArb,
  },
  { requiredKeys: [] },
);

const bodyArb = fc.oneof(
  fc.constant(undefined),
  { weight: 3, arbitrary: createBodyArb.map((body) => JSON.stringify(body)) },
  // A __proto__ field (JSON.parse makes it an own property).
  fc.tuple(createBodyArb, fieldValueArb).map(([body, value]) => {
    const rest = JSON.stringify(body).slice(1);
    return `{"__proto__":${JSON.stringify(value)}${rest === '}' ? '' : ','}${rest}`;
  }),
  fc.integer({ min: 60_000, max: 70_000 }).map((n) => JSON.stringify({ name: 'big', password: 'p'.repeat(n) })),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 100 }),
  fc.constantFrom('', '{', '[', 'null', '{"name":', '\u0000', '{"__proto__":{"name":"x"}}'),
  fc.integer({ min: 1, max: 200 }).map((depth) => `${'['.repeat(depth * 100)}${']'.repeat(depth * 100)}`),
);

const headersArb = fc.record(
  {
    'content-type': fc.oneof(
      { weight: 4, arbitrary: fc.constant('application/json') },
      fc.constantFrom(
        'application/json; charset=utf-8',
        'APPLICATION/JSON',
        'text/plain',
        '',
        'application/json; charset=latin1',
      ),
      fc.string({ maxLength: 40 }),
    ),
    authorization: fc.oneof(
      { weight: 4, arbitrary: fc.constant('Bearer TOKEN') },
      fc.constantFrom('Bearer', 'Basic abc', 'Bearer e4c2.tenant-fuzz.0123456789abcdef.x'),
      fc.string({ maxLength: 150 }),
    ),
    other: fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }), { maxKeys: 3 }),
  },
  { requiredKeys: [] },
);

const randomRequestArb = fc.record({
  method: methodArb,
  path: pathArb,
  query: queryArb,
  body: bodyArb,
  base64: fc.boolean(),
  headers: headersArb,
});

type Request = typeof randomRequestArb extends fc.Arbitrary<infer R> ? R : never;

/** Names and topics from a small alphabet (with "/", "%", "+" and non-ASCII), so that they collide now and then. */
const smallTextArb = fc.string({ unit: fc.constantFrom('a', 'b', '/', '%', '+', ' ', 'é', '\u0000'), maxLength: 4 });

/**
 * The names and topics of the well-formed requests: mostly a few fixed ones, so that creations collide (409) and the
 * id routes find what was created (links, rotations, public keys, removals), else small random text.
 */
const sharedTextArb = fc.oneof({ weight: 2, arbitrary: fc.constantFrom('a', 'a/b', '%41 é', 'b+') }, smallTextArb);

const idOf = (name: string) => bytesToHex(hashIdAlias(name));
const hashOf = (topic: string) => bytesToHex(hashTopic(topic));

/** The routes that address records by id: `{c}`, `{s}` client ids, `{t}` a topic hash; rekey where it is taken. */
const ID_ROUTES: readonly (readonly [method: string, template: string, rekey?: boolean])[] = [
  ['GET', '/v1/clients/{c}'],
  ['DELETE', '/v1/clients/{c}', true],
  ['POST', '/v1/clients/{c}/reset', true],
  ['POST', '/v1/clients/{c}/identity-key'],
  ['POST', '/v1/clients/{c}/resync'],
  ['GET', '/v1/clients/{c}/topics'],
  ['PUT', '/v1/clients/{c}/pubkeys/{s}'],
  ['DELETE', '/v1/clients/{c}/pubkeys/{s}'],
  ['DELETE', '/v1/clients/{c}/pubkeys'],
  ['GET', '/v1/topics/{t}'],
  ['DELETE', '/v1/topics/{t}'],
  ['POST', '/v1/topics/{t}/rotate'],
  ['GET', '/v1/topics/{t}/clients'],
  ['PUT', '/v1/topics/{t}/clients/{c}'],
  ['DELETE', '/v1/topics/{t}/clients/{c}', true],
  ['GET', '/v1/keys/c2'],
  ['POST', '/v1/keys/c2/rotate'],
  ['GET', '/v1/events'],
];

/** Requests on the id routes with the ids of names and topics that the creations above may have made. */
const idRouteRequestArb = fc
  .record({
    route: fc.constantFrom(...ID_ROUTES),
    client: sharedTextArb,
    source: sharedTextArb,
    topic: sharedTextArb,
    rekey: fc.constantFrom(undefined, 'true', 'false'),
  })
  .map(({ route: [method, template, takesRekey], client, source, topic, rekey }) => ({
    method,
    path:
      template.replace('{c}', idOf(client)).replace('{s}', idOf(source)).replace('{t}', hashOf(topic)) +
      (takesRekey && rekey ? `?rekey=${rekey}` : ''),
    body: undefined,
  }));

/** Queries of the operation routes (of the list, of one, of its devices, of a retry, or wrong). */
const OPERATION_QUERIES = {
  list: ['', 'limit=1', 'status=running', 'kind=client.resync', 'targetType=topic&target=sensors%2Ftemp', 'state=sent'],
  one: ['', '', 'limit=1'],
  devices: ['', 'limit=2', 'state=failed', 'state=pending', 'status=running'],
  retry: ['', '', 'limit=1'],
} as const;

/** Requests on the operation routes: the operations written above (one of another tenant) or an unknown id. */
const operationRequestArb = fc
  .record({
    route: fc.constantFrom(...(Object.keys(OPERATION_QUERIES) as (keyof typeof OPERATION_QUERIES)[])),
    id: fc.constantFrom(...OPERATION_IDS, OPERATION_IDS[0]!.toLowerCase(), operationRecord(9).id),
  })
  .chain(({ route, id }) =>
    fc.constantFrom(...OPERATION_QUERIES[route]).map((query) => ({
      method: route === 'retry' ? 'POST' : 'GET',
      path: `${route === 'list' ? '/v1/operations' : `/v1/operations/${id}`}${route === 'devices' || route === 'retry' ? `/${route}` : ''}${query ? `?${query}` : ''}`,
      body: undefined,
    })),
  );

/** Well-formed requests with a valid API key, to reach the use cases (creates, changes, conflicts, not found). */
const validishRequestArb: fc.Arbitrary<Request> = fc
  .tuple(
    fc.oneof(
      {
        weight: 1,
        arbitrary: fc
          .record({
            name: sharedTextArb,
            source: fc.oneof(
              fc.constant({ generateKey: true }),
              fc.uint8Array({ minLength: 32, maxLength: 32 }).map((key) => ({ key: toBase64(key) })),
              fc
                .uint8Array({ minLength: 32, maxLength: 32 })
                .map((key) => ({ mode: 'pubkey', publicKey: toBase64(key) })),
            ),
          })
          .map(({ name, source }) => ({
            method: 'POST',
            path: '/v1/clients',
            body: JSON.stringify({ name, ...source }),
          })),
      },
      {
        weight: 1,
        arbitrary: sharedTextArb.map((topic) => ({
          method: 'POST',
          path: '/v1/topics',
          body: JSON.stringify({ topic }),
        })),
      },
      { weight: 2, arbitrary: idRouteRequestArb },
      { weight: 2, arbitrary: operationRequestArb },
    ),
    fc.oneof(
      { weight: 5, arbitrary: fc.constant('application/json') },
      fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'),
    ),
  )
  .map(([{ method, path, body }, contentType]) => ({
    method,
    path,
    query: '',
    body,
    base64: false,
    headers: { 'content-type': contentType, authorization: 'Bearer TOKEN' },
  }));

/** A valid request on each operation route (list, one, its devices) of an operation of this tenant. */
const OPERATION_EXAMPLES: Request[] = ['', `/${OPERATION_IDS[0]}`, `/${OPERATION_IDS[0]}/devices`].map((route) => ({
  method: 'GET',
  path: `/v1/operations${route}`,
  query: '',
  body: undefined,
  base64: false,
  headers: { 'content-type': 'application/json', authorization: 'Bearer TOKEN' },
}));

const requestArb = fc.oneof({ weight: 3, arbitrary: randomRequestArb }, { weight: 2, arbitrary: validishRequestArb });

function eventOf(request: Request) {
  const { other = {}, ...named } = request.headers;
  const headers: Record<string, string> = { ...other };
  // 'TOKEN' stands for the valid API key.
  for (const [name, value] of Object.entries(named)) headers[name] = value.replace('TOKEN', token);
  const body =
    request.body !== undefined && request.base64 ? Buffer.from(request.body).toString('base64') : request.body;
  return apiEvent(request.method, request.query ? `${request.path}?${request.query}` : request.path, {
    ...(body !== undefined ? { body } : {}),
    headers,
    isBase64Encoded: request.base64,
  });
}

/** A create body around random bytes (mostly not UTF-8), in base64 as API Gateway hands over bytes. */
const byteBodyArb = fc
  .tuple(fc.constantFrom('/v1/topics', '/v1/clients'), fc.uint8Array({ minLength: 1, maxLength: 24 }))
  .map(([path, inner]) => {
    const [before, after] = path === '/v1/topics' ? ['{"topic":"', '"}'] : ['{"name":"', '","generateKey":true}'];
    return { path, bytes: Buffer.concat([Buffer.from(before), inner, Buffer.from(after)]) };
  });

describe('the API handler, fuzzed', () => {
  const byteRuns = fuzzRuns(1 / 20, 200);
  it(
    `refuses a body whose bytes are not UTF-8 with 400 INVALID_INPUT, never making a record of U+FFFD (${byteRuns} runs)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(byteBodyArb, async ({ path, bytes }) => {
          // Act
          const result = await handler(
            apiEvent('POST', path, {
              body: bytes.toString('base64'),
              isBase64Encoded: true,
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            }),
          );

          // Assess
          if (decodeUtf8(bytes) === undefined) {
            assert.equal(result.statusCode, 400);
            assert.equal(JSON.parse(result.body ?? '').error.code, 'INVALID_INPUT');
          } else {
            assert.ok((result.statusCode ?? 0) < 500, `status ${result.statusCode}`);
          }
        }),
        { numRuns: byteRuns },
      );
    },
    fuzzTimeout(byteRuns, 10),
  );

  const runs = fuzzRuns(1 / 10, 300);
  it(
    `answers every request with JSON below 500, errors in the error shape (${runs} runs)`,
    async () => {
      const seen = new Set<number>();
      const operationRoutesAnswered = new Set<string>();
      await fc.assert(
        fc.asyncProperty(requestArb, async (request) => {
          // Act
          const result = await handler(eventOf(request));

          // Assess
          const status = result.statusCode ?? 0;
          assert.ok(Number.isInteger(status) && status >= 200 && status < 500, `status ${status}`);
          assert.equal(result.headers?.['content-type'], 'application/json');
          const json: unknown = JSON.parse(result.body ?? '');
          assert.ok(typeof json === 'object' && json !== null, 'a JSON object');
          if (status >= 400) {
            assert.deepEqual(Object.keys(json), ['error']);
            const error = (json as { error: Record<string, unknown> }).error;
            assert.deepEqual(Object.keys(error).sort(), ['code', 'message']);
            assert.equal(typeof error.message, 'string');
            assert.equal(typeof error.code, 'string');
            assert.equal(httpStatusOf(error.code as string), status, `status of ${String(error.code)}`);
          } else {
            // An operation's view may carry an `error` field (why it ended partial): only the error shape is refused.
            assert.notDeepEqual(Object.keys(json), ['error'], 'a success is not in the error shape');
          }
          assert.deepEqual(logs, []);
          seen.add(status);
          const operationRoute = /^\/v1\/operations(\/[^/?]+)?(\/devices)?(\?|$)/.exec(request.path);
          if (status === 200 && operationRoute) {
            operationRoutesAnswered.add(operationRoute[2] ? 'devices' : operationRoute[1] ? 'one' : 'list');
          }
        }),
        // Each operation route once for sure (the generators reach them by chance too, but not in every run of 300).
        { numRuns: runs, examples: OPERATION_EXAMPLES.map((example) => [example] as [Request]) },
      );
      // The generators reach past each gate: routing, authentication, parsing, and into the use cases.
      for (const status of [200, 201, 400, 401, 404, 405, 409, 415]) assert.ok(seen.has(status), `no ${status} seen`);
      assert.deepEqual([...operationRoutesAnswered].sort(), ['devices', 'list', 'one'], 'operation routes answered');
    },
    fuzzTimeout(runs, 10),
  );
});
