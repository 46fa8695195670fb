/**
 * Bad requests, route by route: each is a 4xx with the JSON error shape and the expected code, never a 5xx, and
 * leaves nothing behind.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../../functions/api/routes.js';
import { createPlatformKey } from '../../../shared/c2/platform/createPlatformKey.js';
import { bytesToHex, hashIdAlias, hashTopic, toBase64 } from '../../../shared/e4/index.js';
import { type ApiCallOptions, answerOf, apiEvent } from '../../support/apiEvent.js';
import { recordSecret } from '../../support/recordedSecrets.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

let api: ApiFixture;

beforeAll(async () => {
  api = await startApiFixture({ tenantId: 'tenant-bad' });
});
afterAll(async () => {
  await api?.close();
});

const KEY = toBase64(Uint8Array.from({ length: 32 }, (_, i) => i + 1));
const json = (body: string): ApiCallOptions => ({ body, headers: { 'content-type': 'application/json' } });
const base64Json = (text: string): ApiCallOptions => ({
  body: Buffer.from(text).toString('base64'),
  isBase64Encoded: true,
  headers: { 'content-type': 'application/json' },
});

type Row = [label: string, method: string, target: string, options: ApiCallOptions, status: number, code: string];

/** A well-formed id that names nothing (the suite creates no client and no topic). */
const UNKNOWN_ID = '0123456789abcdef'.repeat(2);

/** A well-formed API key id that names nothing. */
const UNKNOWN_KEY_ID = '0123456789abcdef';

/** A well-formed operation id that names nothing. */
const UNKNOWN_OPERATION_ID = '01KBKX0QJ0ABCDEFGHJKMNPQRS';

/**
 * Every route that addresses records by id; `{c}`, `{s}`: client ids, `{t}`: a topic hash, `{o}`: an operation id,
 * `{p}`: a policy id (the same form), `{k}`: an API key id, `{w}`: an enrolment window id (the same form).
 */
const ID_ROUTES: [method: string, template: string][] = [
  ['GET', '/v1/clients/{c}'],
  ['DELETE', '/v1/clients/{c}'],
  ['POST', '/v1/clients/{c}/reset'],
  ['POST', '/v1/clients/{c}/identity-key'],
  ['POST', '/v1/clients/{c}/mqtt-credentials'],
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
  ['DELETE', '/v1/topics/{t}/clients/{c}'],
  ['GET', '/v1/operations/{o}'],
  ['GET', '/v1/operations/{o}/devices'],
  ['POST', '/v1/operations/{o}/retry'],
  ['GET', '/v1/policies/{p}'],
  ['PUT', '/v1/policies/{p}'],
  ['PATCH', '/v1/policies/{p}'],
  ['DELETE', '/v1/policies/{p}'],
  ['POST', '/v1/policies/{p}/run'],
  ['GET', '/v1/policies/{p}/runs'],
  ['GET', '/v1/keys/api/{k}'],
  ['POST', '/v1/keys/api/{k}/rotate'],
  ['DELETE', '/v1/keys/api/{k}'],
  ['GET', '/v1/enrolment-windows/{w}'],
  ['POST', '/v1/enrolment-windows/{w}/close'],
];

/** A good body for the id routes that need one (so that an unknown id is what they answer about). */
const POLICY = {
  name: 'daily',
  target: { topic: 'a/b' },
  action: 'rotate-topic-key',
  schedule: { expression: 'rate(1 day)' },
};
const BODY_OF: Readonly<Record<string, unknown>> = {
  'PUT /v1/policies/{p}': POLICY,
  'PATCH /v1/policies/{p}': { enabled: false },
};
const optionsOf = (method: string, template: string): ApiCallOptions => {
  const body = BODY_OF[`${method} ${template}`];
  return body === undefined ? {} : { body };
};
const isOperationForm = (slot: string | undefined) => slot === 'o' || slot === 'p';

const BAD_IDS: [label: string, id: string][] = [
  ['31 characters', UNKNOWN_ID.slice(1)],
  ['33 characters', `${UNKNOWN_ID}0`],
  ['a non-hex character', `${UNKNOWN_ID.slice(0, -1)}g`],
  ['a name', 'device-1'],
  ['a percent-encoded name', 'hall%201%2Fdoor'],
];

const BAD_KEY_IDS: [label: string, id: string][] = [
  ['15 characters', UNKNOWN_KEY_ID.slice(1)],
  ['17 characters', `${UNKNOWN_KEY_ID}0`],
  ['a non-hex character', `${UNKNOWN_KEY_ID.slice(0, -1)}g`],
  ['an E4 id', UNKNOWN_ID],
  ['a whole token', `e4c2.t.${UNKNOWN_KEY_ID}.x`],
];

const isKeyForm = (slot: string | undefined) => slot === 'k' || slot === 'w';
const badIdsOf = (slot: string | undefined) =>
  isKeyForm(slot) ? BAD_KEY_IDS : isOperationForm(slot) ? BAD_OPERATION_IDS : BAD_IDS;
const unknownIdOf = (slot: string) =>
  isKeyForm(slot) ? UNKNOWN_KEY_ID : isOperationForm(slot) ? UNKNOWN_OPERATION_ID : UNKNOWN_ID;

const BAD_OPERATION_IDS: [label: string, id: string][] = [
  ['25 characters', UNKNOWN_OPERATION_ID.slice(1)],
  ['27 characters', `${UNKNOWN_OPERATION_ID}0`],
  ['a letter outside Crockford base32', `${UNKNOWN_OPERATION_ID.slice(0, -1)}U`],
  ['an E4 id', UNKNOWN_ID],
  ['a percent-encoded name', 'hall%201%2Fdoor'],
];

const fill = (template: string, values: Readonly<Record<string, string>> = {}) =>
  template.replace(/\{([cstopkw])\}/g, (_, slot: string) => values[slot] ?? unknownIdOf(slot));

/** Per route: each id slot with each bad id (400), and every id unknown (404, before any use case runs). */
const ID_ROWS: Row[] = ID_ROUTES.flatMap(([method, template]) => [
  ...[...template.matchAll(/\{([cstopkw])\}/g)].flatMap(([, slot]) =>
    badIdsOf(slot).map(
      ([label, id]): Row => [
        `{${slot}} of ${label}`,
        method,
        fill(template, { [slot!]: id }),
        {},
        400,
        'INVALID_INPUT',
      ],
    ),
  ),
  ['unknown ids', method, fill(template), optionsOf(method, template), 404, 'NOT_FOUND'],
  // Ids are accepted in either case (hex normalised to lowercase, operation ids to uppercase): an unknown one is
  // NOT_FOUND, not a bad id.
  [
    'unknown ids in the other case',
    method,
    fill(template, {
      c: UNKNOWN_ID.toUpperCase(),
      s: UNKNOWN_ID.toUpperCase(),
      t: UNKNOWN_ID.toUpperCase(),
      o: UNKNOWN_OPERATION_ID.toLowerCase(),
      p: UNKNOWN_OPERATION_ID.toLowerCase(),
      k: UNKNOWN_KEY_ID.toUpperCase(),
    }),
    optionsOf(method, template),
    404,
    'NOT_FOUND',
  ],
]);

/** Queries of the id routes and of the C2 key, event and operation routes. */
const QUERY_ROWS: Row[] = [
  ...[
    ...ID_ROUTES,
    ['GET', '/v1/keys/c2'],
    ['POST', '/v1/keys/c2/rotate'],
    ['GET', '/v1/events'],
    ['GET', '/v1/events/export'],
    ['GET', '/v1/operations'],
  ].map(
    ([method, template]): Row => [
      'an unknown query parameter',
      method!,
      `${fill(template!)}?force=true`,
      {},
      400,
      'INVALID_INPUT',
    ],
  ),
  ...['DELETE /v1/clients/{c}', 'POST /v1/clients/{c}/reset', 'DELETE /v1/topics/{t}/clients/{c}'].flatMap((route) => {
    const [method, template] = route.split(' ') as [string, string];
    return ['1', 'TRUE', 'False', 'yes', '', 'true&rekey=false'].map(
      (value): Row => [`rekey=${value}`, method, `${fill(template)}?rekey=${value}`, {}, 400, 'INVALID_INPUT'],
    );
  }),
  ...[
    ['POST', '/v1/topics/{t}/rotate'],
    ['PUT', '/v1/topics/{t}/clients/{c}'],
    ['POST', '/v1/clients/{c}/identity-key'],
    ['DELETE', '/v1/topics/{t}'],
  ].map(
    ([method, template]): Row => [
      'rekey on a route without it',
      method!,
      `${fill(template!)}?rekey=false`,
      {},
      400,
      'INVALID_INPUT',
    ],
  ),
  ['limit 0 on the topics of a client', 'GET', `/v1/clients/${UNKNOWN_ID}/topics?limit=0`, {}, 400, 'INVALID_INPUT'],
  [
    'limit 101 on the clients of a topic',
    'GET',
    `/v1/topics/${UNKNOWN_ID}/clients?limit=101`,
    {},
    400,
    'INVALID_INPUT',
  ],
  [
    'an empty cursor on the clients of a topic',
    'GET',
    `/v1/topics/${UNKNOWN_ID}/clients?cursor=`,
    {},
    400,
    'INVALID_INPUT',
  ],
  ['limit 0 on the event log', 'GET', '/v1/events?limit=0', {}, 400, 'INVALID_INPUT'],
  ['a repeated limit on the event log', 'GET', '/v1/events?limit=1&limit=2', {}, 400, 'INVALID_INPUT'],
  ['a cursor it did not issue on the event log', 'GET', '/v1/events?cursor=abc', {}, 400, 'INVALID_CURSOR'],
  ...['/v1/events', '/v1/events/export'].flatMap((path) =>
    [
      'from=yesterday',
      'to=2026-11-23',
      'from=2026-11-23T10:00:00%2B01:00',
      'from=2026-11-23T10:00:00Z&to=2026-11-23T09:00:00Z',
      'result=maybe',
      'targetType=device&target=c-1',
      'target=c-1',
      'targetType=client',
      'actor=',
      `action=${'a'.repeat(129)}`,
      'actor=a&actor=b',
    ].map(
      (query): Row => [`${query.slice(0, 60)} on the event log`, 'GET', `${path}?${query}`, {}, 400, 'INVALID_INPUT'],
    ),
  ),
  ['a limit on the export (it has none)', 'GET', '/v1/events/export?limit=10', {}, 400, 'INVALID_INPUT'],
  ['a cursor it did not issue on the export', 'GET', '/v1/events/export?cursor=abc', {}, 400, 'INVALID_CURSOR'],
];

const ROWS: Row[] = [
  // The body of POST /v1/clients: transport
  ['no body', 'POST', '/v1/clients', {}, 400, 'INVALID_INPUT'],
  ['an empty body', 'POST', '/v1/clients', json(''), 400, 'INVALID_INPUT'],
  ['malformed JSON', 'POST', '/v1/clients', json('{"name": "x", '), 400, 'MALFORMED_JSON'],
  ['JSON null', 'POST', '/v1/clients', json('null'), 400, 'INVALID_INPUT'],
  ['a JSON array', 'POST', '/v1/clients', json('[{"name":"x","generateKey":true}]'), 400, 'INVALID_INPUT'],
  ['a JSON number', 'POST', '/v1/clients', json('42'), 400, 'INVALID_INPUT'],
  ['a JSON string', 'POST', '/v1/clients', json('"x"'), 400, 'INVALID_INPUT'],
  [
    'no content-type',
    'POST',
    '/v1/clients',
    { body: '{"name":"x","generateKey":true}' },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'content-type text/plain',
    'POST',
    '/v1/clients',
    { body: '{"name":"x","generateKey":true}', headers: { 'content-type': 'text/plain' } },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'a charset other than UTF-8',
    'POST',
    '/v1/clients',
    { body: '{"name":"x","generateKey":true}', headers: { 'content-type': 'application/json; charset=latin1' } },
    415,
    'UNSUPPORTED_MEDIA_TYPE',
  ],
  [
    'a body over 64 KiB',
    'POST',
    '/v1/clients',
    { body: { name: 'x', password: 'p'.repeat(70_000) } },
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  [
    'a body of 64 KiB of multi-byte characters (fewer characters than bytes)',
    'POST',
    '/v1/clients',
    { body: { name: 'x', password: '€'.repeat(22_000) } },
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  [
    'a base64 body over 64 KiB',
    'POST',
    '/v1/clients',
    base64Json(JSON.stringify({ name: 'x', password: 'p'.repeat(70_000) })),
    413,
    'PAYLOAD_TOO_LARGE',
  ],
  [
    'a base64 body that is not base64',
    'POST',
    '/v1/clients',
    { body: '{"name":"x"}', isBase64Encoded: true, headers: { 'content-type': 'application/json' } },
    400,
    'MALFORMED_JSON',
  ],
  [
    'a base64 body that is not UTF-8',
    'POST',
    '/v1/clients',
    {
      body: toBase64(Uint8Array.of(0x7b, 0xff, 0x7d)),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json' },
    },
    400,
    'INVALID_INPUT',
  ],
  ['a base64 body that is not JSON', 'POST', '/v1/clients', base64Json('{oops'), 400, 'MALFORMED_JSON'],

  // The body of POST /v1/clients: fields
  ['a name of the wrong type', 'POST', '/v1/clients', { body: { name: 42, generateKey: true } }, 400, 'INVALID_INPUT'],
  ['no name', 'POST', '/v1/clients', { body: { generateKey: true } }, 400, 'INVALID_INPUT'],
  ['an empty name', 'POST', '/v1/clients', { body: { name: '', generateKey: true } }, 400, 'INVALID_INPUT'],
  [
    'a name of 256 bytes',
    'POST',
    '/v1/clients',
    { body: { name: 'é'.repeat(128), generateKey: true } },
    400,
    'INVALID_INPUT',
  ],
  ['a name with NUL', 'POST', '/v1/clients', { body: { name: 'a\u0000b', generateKey: true } }, 400, 'INVALID_INPUT'],
  [
    'a name with a lone surrogate',
    'POST',
    '/v1/clients',
    json('{"name":"a\\ud800","generateKey":true}'),
    400,
    'INVALID_INPUT',
  ],
  [
    'an unknown field',
    'POST',
    '/v1/clients',
    { body: { name: 'x', generateKey: true, admin: true } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a __proto__ field',
    'POST',
    '/v1/clients',
    json('{"name":"x","generateKey":true,"__proto__":{"a":1}}'),
    400,
    'INVALID_INPUT',
  ],
  ['an unknown mode', 'POST', '/v1/clients', { body: { name: 'x', mode: 'quantum', key: KEY } }, 400, 'INVALID_INPUT'],
  ['generateKey false', 'POST', '/v1/clients', { body: { name: 'x', generateKey: false } }, 400, 'INVALID_INPUT'],
  ['generateKey "true"', 'POST', '/v1/clients', { body: { name: 'x', generateKey: 'true' } }, 400, 'INVALID_INPUT'],
  ['no key source', 'POST', '/v1/clients', { body: { name: 'x' } }, 400, 'INVALID_INPUT'],
  [
    'two key sources',
    'POST',
    '/v1/clients',
    { body: { name: 'x', key: KEY, generateKey: true } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a key that is not base64',
    'POST',
    '/v1/clients',
    { body: { name: 'x', key: `${'!'.repeat(43)}=` } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a key in base64url',
    'POST',
    '/v1/clients',
    { body: { name: 'x', key: `${'_-'.repeat(21)}A=` } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a key without padding',
    'POST',
    '/v1/clients',
    { body: { name: 'x', key: KEY.slice(0, -1) } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a key with non-zero trailing bits',
    'POST',
    '/v1/clients',
    { body: { name: 'x', key: `${KEY.slice(0, -2)}B=` } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a key of 31 bytes',
    'POST',
    '/v1/clients',
    { body: { name: 'x', key: toBase64(new Uint8Array(31).fill(7)) } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a key of 33 bytes',
    'POST',
    '/v1/clients',
    { body: { name: 'x', key: toBase64(new Uint8Array(33).fill(7)) } },
    400,
    'INVALID_INPUT',
  ],
  [
    'an all-zero key',
    'POST',
    '/v1/clients',
    { body: { name: 'x', key: toBase64(new Uint8Array(32)) } },
    400,
    'INVALID_INPUT',
  ],
  ['a key as a number', 'POST', '/v1/clients', { body: { name: 'x', key: 1 } }, 400, 'INVALID_INPUT'],
  ['a short password', 'POST', '/v1/clients', { body: { name: 'x', password: 'short' } }, 400, 'INVALID_INPUT'],
  [
    'a password of 1025 characters',
    'POST',
    '/v1/clients',
    { body: { name: 'x', password: 'p'.repeat(1025) } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a publicKey in symmetric mode',
    'POST',
    '/v1/clients',
    { body: { name: 'x', publicKey: KEY } },
    400,
    'INVALID_INPUT',
  ],
  [
    'mode pubkey with a key',
    'POST',
    '/v1/clients',
    { body: { name: 'x', mode: 'pubkey', key: KEY } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a public key of small order',
    'POST',
    '/v1/clients',
    { body: { name: 'x', mode: 'pubkey', publicKey: toBase64(Uint8Array.of(1, ...new Uint8Array(31))) } },
    400,
    'INVALID_INPUT',
  ],

  // POST /v1/topics
  ['an empty topic', 'POST', '/v1/topics', { body: { topic: '' } }, 400, 'INVALID_INPUT'],
  ['a topic with a wildcard', 'POST', '/v1/topics', { body: { topic: 'a/+/b' } }, 400, 'INVALID_INPUT'],
  ['a control topic', 'POST', '/v1/topics', { body: { topic: 'e4/0123' } }, 400, 'INVALID_INPUT'],
  [
    'a topic starting with $ (MQTT reserved)',
    'POST',
    '/v1/topics',
    { body: { topic: '$SYS/x' } },
    400,
    'INVALID_INPUT',
  ],
  ['an AWS IoT reserved topic', 'POST', '/v1/topics', { body: { topic: '$aws/things/x' } }, 400, 'INVALID_INPUT'],
  ['a topic with #', 'POST', '/v1/topics', { body: { topic: 'a/#' } }, 400, 'INVALID_INPUT'],
  ['a topic with NUL', 'POST', '/v1/topics', { body: { topic: 'a\u0000b' } }, 400, 'INVALID_INPUT'],
  ['a topic of 60,000 bytes', 'POST', '/v1/topics', { body: { topic: 'x'.repeat(60_000) } }, 400, 'INVALID_INPUT'],
  [
    'a topic of 513 bytes',
    'POST',
    '/v1/topics',
    { body: { topic: 'é'.repeat(256).concat('x') } },
    400,
    'INVALID_INPUT',
  ],
  ['a topic of the wrong type', 'POST', '/v1/topics', { body: { topic: ['a'] } }, 400, 'INVALID_INPUT'],
  [
    'a topic body with an unknown field',
    'POST',
    '/v1/topics',
    { body: { topic: 'x', key: KEY } },
    400,
    'INVALID_INPUT',
  ],
  ['a topic body that is malformed JSON', 'POST', '/v1/topics', json('{"topic"'), 400, 'MALFORMED_JSON'],

  // Queries of the lists
  ['limit 0', 'GET', '/v1/clients?limit=0', {}, 400, 'INVALID_INPUT'],
  ['limit 101', 'GET', '/v1/topics?limit=101', {}, 400, 'INVALID_INPUT'],
  ['limit 1.5', 'GET', '/v1/clients?limit=1.5', {}, 400, 'INVALID_INPUT'],
  ['limit in hex', 'GET', '/v1/clients?limit=0x10', {}, 400, 'INVALID_INPUT'],
  ['an empty limit', 'GET', '/v1/clients?limit=', {}, 400, 'INVALID_INPUT'],
  ['a repeated limit', 'GET', '/v1/clients?limit=1&limit=2', {}, 400, 'INVALID_INPUT'],
  ['an empty cursor', 'GET', '/v1/topics?cursor=', {}, 400, 'INVALID_INPUT'],
  ['a cursor it did not issue', 'GET', '/v1/topics?cursor=abc', {}, 400, 'INVALID_CURSOR'],
  ['an unknown query parameter', 'GET', '/v1/clients?offset=10', {}, 400, 'INVALID_INPUT'],
  ['a query on a route without one', 'GET', '/v1/stats?verbose=1', {}, 400, 'INVALID_INPUT'],

  // Path parameters: percent-decoding (once) before the id check
  ['malformed percent-encoding', 'GET', '/v1/clients/%ZZ', {}, 400, 'INVALID_INPUT'],
  ['a truncated escape', 'GET', '/v1/topics/a%2', {}, 400, 'INVALID_INPUT'],
  ['percent-encoded bytes that are not UTF-8', 'GET', '/v1/clients/%C3%28', {}, 400, 'INVALID_INPUT'],
  ['an encoded NUL in an id', 'GET', `/v1/clients/${UNKNOWN_ID.slice(1)}%00`, {}, 400, 'INVALID_INPUT'],
  ['an encoded "/" in an id', 'GET', `/v1/topics/${UNKNOWN_ID.slice(1)}%2F`, {}, 400, 'INVALID_INPUT'],
  ['a name of 256 bytes in the path', 'GET', `/v1/clients/${'x'.repeat(256)}`, {}, 400, 'INVALID_INPUT'],
  ['a topic in the path', 'GET', '/v1/topics/a%2Fb', {}, 400, 'INVALID_INPUT'],

  ...ID_ROWS,
  ...QUERY_ROWS,

  // Routes and methods
  // Enrolment windows and enrolments
  ['a window without an end', 'POST', '/v1/enrolment-windows', { body: { maxCount: 5 } }, 400, 'INVALID_INPUT'],
  [
    'a window with both ends',
    'POST',
    '/v1/enrolment-windows',
    { body: { maxCount: 5, durationMinutes: 5, closesAt: '2099-01-01T00:00:00Z' } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a window longer than 7 days',
    'POST',
    '/v1/enrolment-windows',
    { body: { maxCount: 5, durationMinutes: 7 * 24 * 60 + 1 } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a window closing in the past',
    'POST',
    '/v1/enrolment-windows',
    { body: { maxCount: 5, closesAt: '2020-01-01T00:00:00Z' } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a window of no device',
    'POST',
    '/v1/enrolment-windows',
    { body: { maxCount: 0, durationMinutes: 5 } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a window of 10,001 devices',
    'POST',
    '/v1/enrolment-windows',
    { body: { maxCount: 10_001, durationMinutes: 5 } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a window of an unknown mode',
    'POST',
    '/v1/enrolment-windows',
    { body: { maxCount: 5, durationMinutes: 5, mode: 'x' } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a window with topics and any mode',
    'POST',
    '/v1/enrolment-windows',
    { body: { maxCount: 5, durationMinutes: 5, topics: ['a/b'] } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a window on a topic that does not exist',
    'POST',
    '/v1/enrolment-windows',
    { body: { maxCount: 5, durationMinutes: 5, mode: 'symmetric', topics: ['no/such/topic'] } },
    404,
    'NOT_FOUND',
  ],
  ['an enrolment without a key', 'POST', '/v1/enrol', { body: { name: 'd' } }, 400, 'INVALID_INPUT'],
  [
    'an enrolment with a short key',
    'POST',
    '/v1/enrol',
    { body: { name: 'd', key: KEY.slice(4) } },
    400,
    'INVALID_INPUT',
  ],
  [
    'an enrolment with a password',
    'POST',
    '/v1/enrol',
    { body: { name: 'd', password: 'secret' } },
    400,
    'INVALID_INPUT',
  ],
  [
    'an enrolment with a public key and no mode',
    'POST',
    '/v1/enrol',
    { body: { name: 'd', publicKey: KEY } },
    400,
    'INVALID_INPUT',
  ],
  ['an enrolment with an empty name', 'POST', '/v1/enrol', { body: { name: '', key: KEY } }, 400, 'INVALID_INPUT'],
  // Claims (the refusals past the schema, typos and unknown codes, are audited: factoryBatches.test.ts)
  ['a claim without a code', 'POST', '/v1/claims', { body: {} }, 400, 'INVALID_INPUT'],
  ['a claim with a number for a code', 'POST', '/v1/claims', { body: { code: 12345 } }, 400, 'INVALID_INPUT'],
  ['a claim with a long code', 'POST', '/v1/claims', { body: { code: '0'.repeat(65) } }, 400, 'INVALID_INPUT'],
  ['a claim with an unknown field', 'POST', '/v1/claims', { body: { code: 'x', tenant: 'a' } }, 400, 'INVALID_INPUT'],
  ['a claim with topics as text', 'POST', '/v1/claims', { body: { code: 'x', topics: 'a/b' } }, 400, 'INVALID_INPUT'],
  ['an unknown path', 'GET', '/v1/nothing', {}, 404, 'ROUTE_NOT_FOUND'],
  ['another version', 'GET', '/v2/clients', {}, 404, 'ROUTE_NOT_FOUND'],
  ['an extra segment', 'GET', '/v1/clients/a/b', {}, 404, 'ROUTE_NOT_FOUND'],
  ['a double slash', 'GET', '//v1/clients', {}, 404, 'ROUTE_NOT_FOUND'],
  ['an encoded static segment', 'GET', '/v1/%63lients', {}, 404, 'ROUTE_NOT_FOUND'],
  ['the root', 'GET', '/', {}, 404, 'ROUTE_NOT_FOUND'],
  ['DELETE on a collection', 'DELETE', '/v1/clients', {}, 405, 'METHOD_NOT_ALLOWED'],
  ['PUT on a client', 'PUT', '/v1/clients/x', {}, 405, 'METHOD_NOT_ALLOWED'],
  ['PATCH on a client', 'PATCH', `/v1/clients/${UNKNOWN_ID}`, {}, 405, 'METHOD_NOT_ALLOWED'],
  ['GET on a reset', 'GET', `/v1/clients/${UNKNOWN_ID}/reset`, {}, 405, 'METHOD_NOT_ALLOWED'],
  ['POST on a link', 'POST', `/v1/topics/${UNKNOWN_ID}/clients/${UNKNOWN_ID}`, {}, 405, 'METHOD_NOT_ALLOWED'],
  ['GET on a rotation', 'GET', `/v1/topics/${UNKNOWN_ID}/rotate`, {}, 405, 'METHOD_NOT_ALLOWED'],
  ['GET on the C2 key rotation', 'GET', '/v1/keys/c2/rotate', {}, 405, 'METHOD_NOT_ALLOWED'],
  ['DELETE on the C2 key', 'DELETE', '/v1/keys/c2', {}, 405, 'METHOD_NOT_ALLOWED'],
  ['DELETE on the event log', 'DELETE', '/v1/events', {}, 405, 'METHOD_NOT_ALLOWED'],
  ['POST on the operations', 'POST', '/v1/operations', {}, 405, 'METHOD_NOT_ALLOWED'],
  ['DELETE on an operation', 'DELETE', `/v1/operations/${UNKNOWN_OPERATION_ID}`, {}, 405, 'METHOD_NOT_ALLOWED'],
  ['PUT on public keys', 'PUT', `/v1/clients/${UNKNOWN_ID}/pubkeys`, {}, 405, 'METHOD_NOT_ALLOWED'],
  ['the keys without a kind', 'GET', '/v1/keys', {}, 404, 'ROUTE_NOT_FOUND'],
  ['a segment past a route', 'GET', `/v1/clients/${UNKNOWN_ID}/topics/x`, {}, 404, 'ROUTE_NOT_FOUND'],
  ['POST on health', 'POST', '/v1/health', { body: {} }, 405, 'METHOD_NOT_ALLOWED'],
  ['HEAD', 'HEAD', '/v1/health', {}, 405, 'METHOD_NOT_ALLOWED'],
  ['a lower-case method', 'get', '/v1/stats', {}, 405, 'METHOD_NOT_ALLOWED'],
  ['an unknown method', 'BREW', '/v1/stats', {}, 405, 'METHOD_NOT_ALLOWED'],
  ['a method named __proto__', '__proto__', '/v1/stats', {}, 405, 'METHOD_NOT_ALLOWED'],
];

describe('bad requests', () => {
  it.each(ROWS)('%s (%s %s)', async (_label, method, target, options, status, code) => {
    // Act
    const answer = await api.call(method, target, options);

    // Assess
    expect(answer.status).toBe(status);
    expect(errorCodeOf(answer)).toBe(code);
  });

  it('nothing was created or recorded by them, and nothing was logged (no 5xx)', async () => {
    const stats = await api.call('GET', '/v1/stats');
    const events = await api.call('GET', '/v1/events');
    expect(stats.json).toEqual({ clients: 0, topics: 0 });
    // Only the API key the fixture made before the bad requests.
    expect(events.json.items.map((event: { action: string }) => event.action)).toEqual(['apikey.create']);
    expect(await api.c2.deps.store.getC2Key(api.tenantId)).toBeUndefined();
    expect(api.logs).toEqual([]);
  });

  it('every route that takes an id is in the table (so that a new one cannot be left out)', () => {
    const idRoutes = routes
      .filter((route) => route.path.includes('{') && route.scope !== 'platform')
      .map((route) => `${route.method} ${route.path.replace(/\{(\w)\w*\}/g, (_, first: string) => `{${first}}`)}`);
    const tabled = ID_ROUTES.map(([method, template]) => `${method} ${template}`);
    expect(tabled.sort()).toEqual(idRoutes.sort());
  });

  it('405 names the allowed methods in Allow', async () => {
    const answer = await api.call('DELETE', '/v1/clients');
    expect(answer.headers.allow).toBe('POST, GET');
  });

  it('an error message names the field, never the value sent', async () => {
    const key = toBase64(new Uint8Array(31).fill(9));
    const answer = await api.call('POST', '/v1/clients', { body: { name: 'x', key } });
    expect(answer.json.error.message).toContain('"key"');
    expect(answer.raw).not.toContain(key);
  });

  it('an event with an empty method or path is a 4xx too', async () => {
    const noMethod = apiEvent('', '/v1/stats', { token: api.token });
    const noPath = { ...apiEvent('GET', '/v1/stats', { token: api.token }), rawPath: '' };
    noPath.requestContext.http.path = '';
    const answers = [answerOf(await api.handler(noMethod)), answerOf(await api.handler(noPath))];
    expect(answers.map((answer) => [answer.status, errorCodeOf(answer)])).toEqual([
      [405, 'METHOD_NOT_ALLOWED'],
      [404, 'ROUTE_NOT_FOUND'],
    ]);
  });
});

/** The platform routes, with a platform key: tenant ids and bodies. */
const TENANT_ID_ROUTES: [method: string, template: string][] = [
  ['GET', '/v1/tenants/{id}'],
  ['POST', '/v1/tenants/{id}/suspend'],
  ['POST', '/v1/tenants/{id}/resume'],
  ['PUT', '/v1/tenants/{id}/limits'],
  ['DELETE', '/v1/tenants/{id}'],
];
const BAD_TENANT_IDS: [label: string, id: string][] = [
  ['an upper-case letter', 'Tenant-a'],
  ['a leading "-"', '-tenant'],
  ['64 characters', 't'.repeat(64)],
  ['a "."', 'tenant.a'],
  ['the platform', '~platform'],
  ['a percent-encoded "/"', 'a%2Fb'],
];
const PLATFORM_ROWS: Row[] = [
  ...TENANT_ID_ROUTES.flatMap(([method, template]): Row[] => [
    ...BAD_TENANT_IDS.map(
      ([label, id]): Row => [
        `a tenant id of ${label}`,
        method,
        template.replace('{id}', id),
        method === 'PUT' ? { body: {} } : {},
        400,
        'INVALID_INPUT',
      ],
    ),
    [
      'an unknown tenant',
      method,
      template.replace('{id}', 'no-such-tenant'),
      method === 'PUT' ? { body: {} } : {},
      404,
      'NOT_FOUND',
    ],
  ]),
  ['a tenant without an id', 'POST', '/v1/tenants', { body: {} }, 400, 'INVALID_INPUT'],
  ['a bad tenant id in the body', 'POST', '/v1/tenants', { body: { id: 'A b' } }, 400, 'INVALID_INPUT'],
  ['an unknown field', 'POST', '/v1/tenants', { body: { id: 'ok-id', owner: 'x' } }, 400, 'INVALID_INPUT'],
  ['an empty display name', 'POST', '/v1/tenants', { body: { id: 'ok-id', displayName: '' } }, 400, 'INVALID_INPUT'],
  [
    'a negative limit',
    'POST',
    '/v1/tenants',
    { body: { id: 'ok-id', limits: { maxClients: -1 } } },
    400,
    'INVALID_INPUT',
  ],
  ['an unknown limit', 'PUT', '/v1/tenants/tenant-bad-twin/limits', { body: { maxKeys: 1 } }, 400, 'INVALID_INPUT'],
  [
    'a limit too high',
    'PUT',
    '/v1/tenants/tenant-bad-twin/limits',
    { body: { maxTopics: 1e12 } },
    400,
    'INVALID_INPUT',
  ],
  ['a limit as text', 'PUT', '/v1/tenants/tenant-bad-twin/limits', { body: { maxTopics: '5' } }, 400, 'INVALID_INPUT'],
  ['a tenant that exists', 'POST', '/v1/tenants', { body: { id: 'tenant-bad-twin' } }, 409, 'ALREADY_EXISTS'],
  [
    'a tenant made before the registry (it holds API keys)',
    'POST',
    '/v1/tenants',
    { body: { id: 'tenant-bad' } },
    409,
    'ALREADY_EXISTS',
  ],
  ['limit 0 on the tenants', 'GET', '/v1/tenants?limit=0', {}, 400, 'INVALID_INPUT'],
  ['a cursor it did not issue on the tenants', 'GET', '/v1/tenants?cursor=abc', {}, 400, 'INVALID_CURSOR'],
  ['POST on a tenant', 'POST', '/v1/tenants/tenant-bad', {}, 405, 'METHOD_NOT_ALLOWED'],
  // Factory batches
  ...[
    ['GET', '/v1/factory-batches/{b}'],
    ['GET', '/v1/factory-batches/{b}/devices'],
    ['DELETE', `/v1/factory-batches/{b}/devices/${UNKNOWN_ID}`],
    ['POST', `/v1/factory-batches/{b}/devices/${UNKNOWN_ID}/code`],
  ].flatMap(([method, template]): Row[] => [
    ['a batch id of 15 hex digits', method!, template!.replace('{b}', '0'.repeat(15)), {}, 400, 'INVALID_INPUT'],
    ['a batch id that is a name', method!, template!.replace('{b}', 'batch-1'), {}, 400, 'INVALID_INPUT'],
    ['an unknown batch', method!, template!.replace('{b}', '0'.repeat(16)), {}, 404, 'NOT_FOUND'],
  ]),
  [
    'a device id that is a name',
    'DELETE',
    `/v1/factory-batches/${'0'.repeat(16)}/devices/d-1`,
    {},
    400,
    'INVALID_INPUT',
  ],
  [
    'a device id that is a name (new code)',
    'POST',
    `/v1/factory-batches/${'0'.repeat(16)}/devices/d-1/code`,
    {},
    400,
    'INVALID_INPUT',
  ],
  ['a batch without devices', 'POST', '/v1/factory-batches', { body: { name: 'b' } }, 400, 'INVALID_INPUT'],
  ['a batch of no devices', 'POST', '/v1/factory-batches', { body: { name: 'b', devices: [] } }, 400, 'INVALID_INPUT'],
  [
    'a batch without a name',
    'POST',
    '/v1/factory-batches',
    { body: { devices: [{ name: 'd', key: KEY }] } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a device without a key',
    'POST',
    '/v1/factory-batches',
    { body: { name: 'b', devices: [{ name: 'd' }] } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a device with a short key',
    'POST',
    '/v1/factory-batches',
    { body: { name: 'b', devices: [{ name: 'd', key: toBase64(new Uint8Array(31)) }] } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a device with a password',
    'POST',
    '/v1/factory-batches',
    { body: { name: 'b', devices: [{ name: 'd', password: 'secret' }] } },
    400,
    'INVALID_INPUT',
  ],
  [
    'a device twice',
    'POST',
    '/v1/factory-batches',
    {
      body: {
        name: 'b',
        devices: [
          { name: 'd', key: KEY },
          { name: 'd', key: KEY },
        ],
      },
    },
    400,
    'INVALID_INPUT',
  ],
  ['a cursor it did not issue on the batches', 'GET', '/v1/factory-batches?cursor=abc', {}, 400, 'INVALID_CURSOR'],
];

describe('bad requests to the platform routes (platform key)', () => {
  let platformToken: string;
  beforeAll(async () => {
    platformToken = (await createPlatformKey(api.c2.deps, 'test', 'platform')).token;
    recordSecret(platformToken);
    // A tenant id that exists, for the duplicate.
    const made = await api.call('POST', '/v1/tenants', { token: platformToken, body: { id: 'tenant-bad-twin' } });
    expect(made.status, made.raw).toBe(201);
  });

  it.each(PLATFORM_ROWS)('%s (%s %s)', async (_label, method, target, options, status, code) => {
    const answer = await api.call(method, target, { ...options, token: platformToken });
    expect(answer.status, answer.raw).toBe(status);
    expect(errorCodeOf(answer)).toBe(code);
  });

  it('every platform route that takes an id is in the table', () => {
    const idRoutes = routes
      .filter((route) => route.path.startsWith('/v1/tenants/') && route.scope === 'platform')
      .map((route) => `${route.method} ${route.path.replace('{tenantId}', '{id}')}`);
    expect(TENANT_ID_ROUTES.map(([method, template]) => `${method} ${template}`).sort()).toEqual(idRoutes.sort());
  });

  it('nothing was registered by them but the twin, and nothing was logged (no 5xx)', async () => {
    const answer = await api.call('GET', '/v1/tenants', { token: platformToken });
    expect(answer.json.items.map((tenant: { id: string }) => tenant.id)).toEqual(['tenant-bad-twin']);
    expect(api.logs).toEqual([]);
  });
});

describe('well-formed variants that are accepted', () => {
  it.each([
    ['a base64-encoded JSON body', 'b64-body', base64Json(JSON.stringify({ name: 'b64-body', generateKey: true }))],
    [
      'content-type with charset=UTF-8',
      'charset-body',
      {
        body: JSON.stringify({ name: 'charset-body', generateKey: true }),
        headers: { 'content-type': 'application/json; charset=UTF-8' },
      },
    ],
    ['a trailing slash', 'slash-body', { body: { name: 'slash-body', generateKey: true } }],
  ] as [string, string, ApiCallOptions][])('%s', async (label, name, options) => {
    const target = label === 'a trailing slash' ? '/v1/clients/' : '/v1/clients';
    const answer = await api.call('POST', target, options);
    expect(answer.status).toBe(201);
    expect(answer.json.client.name).toBe(name);
  });
});

describe('a body on a route that takes none', () => {
  const topicPath = `/v1/topics/${bytesToHex(hashTopic('ignored/body'))}`;
  const linkPath = (name: string) => `${topicPath}/clients/${bytesToHex(hashIdAlias(name))}`;
  beforeAll(async () => {
    for (const name of ['ignored-1', 'ignored-2']) {
      expect((await api.call('POST', '/v1/clients', { body: { name, generateKey: true } })).status).toBe(201);
    }
    expect((await api.call('POST', '/v1/topics', { body: { topic: 'ignored/body' } })).status).toBe(201);
    for (const name of ['ignored-1', 'ignored-2']) expect((await api.call('PUT', linkPath(name))).status).toBe(200);
  });

  it('is refused (400): options go in the query, so {"rekey": false} in a body would silently re-key', async () => {
    const answer = await api.call('DELETE', linkPath('ignored-2'), { body: { rekey: false } });
    expect(answer.status).toBe(400);
    expect(answer.json.error.code).toBe('INVALID_INPUT');
    expect((await api.call('GET', `${topicPath}/clients`)).json.items).toHaveLength(2);
  });

  it.each([
    ['malformed JSON', json('{"rekey"')],
    ['text/plain', { body: 'rotate please', headers: { 'content-type': 'text/plain' } }],
    ['a body over 64 KiB', { body: { pad: 'p'.repeat(70_000) } }],
  ] as [string, ApiCallOptions][])('is refused, also as %s, and nothing changes', async (_label, options) => {
    const answer = await api.call('POST', `${topicPath}/rotate`, options);
    expect(answer.status).toBe(400);
    expect((await api.call('GET', topicPath)).json.keyVersion).toBe(1);
  });
});
