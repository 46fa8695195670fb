/**
 * The request of a route, parsed by its schemas: path parameters (percent-decoded exactly once), the query (from
 * `rawQueryString`) and the JSON body. Every failure is an {@link ApiError} with a 4xx code.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type * as z from 'zod';
import { C2ErrorCode } from '../../shared/c2/errors.js';
import { decodeUtf8, fromBase64, utf8 } from '../../shared/e4/index.js';
import { ApiError, HttpErrorCode } from './ApiError.js';
import type { ApiRoute, RouteRequest } from './defineRoute.js';
import { headerOf } from './headerOf.js';

/** The largest body accepted, in bytes (a create request is well under 1 KiB). */
export const MAX_BODY_BYTES = 64 * 1024;

export function parseRequest(route: ApiRoute, event: APIGatewayProxyEventV2): RouteRequest {
  const query = readQuery(event);
  if (!route.query && Object.keys(query).length > 0) {
    throw new ApiError(C2ErrorCode.InvalidInput, 'this route takes no query parameters');
  }
  return {
    params: route.params ? validate(route.params, decodePathParameters(event.pathParameters), 'path') : undefined,
    query: route.query ? validate(route.query, query, 'query') : undefined,
    body: route.body ? validate(route.body, readJsonBody(event), 'body') : refuseBody(event),
    ...(route.startsOperation ? idempotencyKeyOf(event) : {}),
  };
}

/** An idempotency key: what a client names one request by, for its retries (1 to 128 printable ASCII characters). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

function idempotencyKeyOf(event: APIGatewayProxyEventV2): { idempotencyKey?: string } {
  const key = headerOf(event, 'idempotency-key');
  if (key === undefined) return {};
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ApiError(C2ErrorCode.InvalidInput, 'Idempotency-Key: 1 to 128 printable ASCII characters, no spaces');
  }
  // In a namespace of its own: the C2's own operations use idempotency keys too (a resync per device return, a child
  // per topic of a deletion), which a caller must not be able to claim, and so block, in advance.
  return { idempotencyKey: `${API_IDEMPOTENCY_PREFIX}${key}` };
}

/** What a caller's Idempotency-Key is stored under (the C2's own keys never start with it). */
export const API_IDEMPOTENCY_PREFIX = 'api:';

/** A route without a body refuses one: an option sent there (e.g. `{"rekey": false}`) would silently do nothing. */
function refuseBody(event: APIGatewayProxyEventV2): undefined {
  if (event.body !== undefined && event.body !== null && event.body !== '') {
    throw new ApiError(C2ErrorCode.InvalidInput, 'body: this route takes no body (options go in the query string)');
  }
  return undefined;
}

function validate(schema: z.ZodType, value: unknown, where: 'path' | 'query' | 'body'): unknown {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const messages = result.error.issues.slice(0, 3).map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const names = issue.keys.slice(0, 3).map((key) => JSON.stringify(shorten(key)));
      return `${where}: unknown ${where === 'body' ? 'field' : 'parameter'} ${names.join(', ')}`;
    }
    const path = issue.path.map((part) => shorten(String(part))).join('.');
    return `${path ? JSON.stringify(path) : where}: ${issue.message}`;
  });
  throw new ApiError(C2ErrorCode.InvalidInput, [...new Set(messages)].join('; '));
}

const shorten = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}...` : text);

function decodePathParameters(raw: APIGatewayProxyEventV2['pathParameters']): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (value === undefined) continue;
    try {
      decoded[name] = decodeURIComponent(value);
    } catch {
      throw new ApiError(C2ErrorCode.InvalidInput, 'path: malformed percent-encoding');
    }
  }
  return decoded;
}

/** The query as sent (`rawQueryString`; API Gateway's `queryStringParameters` joins repeats with commas). */
function readQuery(event: APIGatewayProxyEventV2): Record<string, string> {
  const entries: [string, string][] =
    typeof event.rawQueryString === 'string'
      ? [...new URLSearchParams(event.rawQueryString)]
      : Object.entries(event.queryStringParameters ?? {}).filter(
          (entry): entry is [string, string] => typeof entry[1] === 'string',
        );
  const query: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (Object.hasOwn(query, name)) {
      throw new ApiError(C2ErrorCode.InvalidInput, `query: parameter ${JSON.stringify(shorten(name))} is repeated`);
    }
    // defineProperty: a parameter named __proto__ is a parameter like any other (and an unknown one).
    Object.defineProperty(query, name, { value, enumerable: true, configurable: true, writable: true });
  }
  return query;
}

const JSON_MEDIA_TYPE = /^application\/json *(; *charset *= *"?utf-8"? *)?$/i;

function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  const raw = event.body;
  if (typeof raw !== 'string' || raw === '') {
    throw new ApiError(C2ErrorCode.InvalidInput, 'body: a JSON object is required');
  }
  const tooLarge = () => new ApiError(HttpErrorCode.PayloadTooLarge, `body: larger than ${MAX_BODY_BYTES} bytes`);
  // A string of n UTF-16 units is at least n bytes of UTF-8, and base64 is 4 characters per 3 bytes.
  if (raw.length > (event.isBase64Encoded ? Math.ceil(MAX_BODY_BYTES / 3) * 4 : MAX_BODY_BYTES)) throw tooLarge();
  if (!JSON_MEDIA_TYPE.test(headerOf(event, 'content-type') ?? '')) {
    throw new ApiError(HttpErrorCode.UnsupportedMediaType, 'body: content-type must be application/json');
  }
  let text: string | undefined = raw;
  if (event.isBase64Encoded) {
    // API Gateway and Function URLs may hand the body over in base64: decode it, strictly.
    const bytes = fromBase64(raw);
    if (!bytes) throw new ApiError(HttpErrorCode.MalformedJson, 'body: not valid base64');
    // Strictly (TextDecoder fatal): bytes that are not UTF-8 are refused, never turned into U+FFFD.
    text = decodeUtf8(bytes);
    if (text === undefined) throw new ApiError(C2ErrorCode.InvalidInput, 'body: not valid UTF-8');
  }
  if (utf8(text).length > MAX_BODY_BYTES) throw tooLarge();
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(HttpErrorCode.MalformedJson, 'body: not valid JSON');
  }
}
