/**
 * Hand-built API Gateway HTTP API (payload 2.0) events for the API handler, and `call` to send one and read the
 * answer. The path is given as it goes on the wire (percent-encoded), with its query after `?`.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { recordSecretsIn } from './recordedSecrets.js';

export interface ApiCallOptions {
  /** A string is sent as is; anything else as JSON (with `content-type: application/json` unless given). */
  readonly body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Extra headers (they win over the defaults above). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly isBase64Encoded?: boolean;
}

export function apiEvent(method: string, target: string, options: ApiCallOptions = {}): APIGatewayProxyEventV2 {
  const queryAt = target.indexOf('?');
  const rawPath = queryAt < 0 ? target : target.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : target.slice(queryAt + 1);
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    if (typeof options.body !== 'string') headers['content-type'] = 'application/json';
  }
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  Object.assign(headers, options.headers);
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    queryStringParameters[name] = Object.hasOwn(queryStringParameters, name)
      ? `${queryStringParameters[name]},${value}`
      : value;
  }
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'api.test',
      domainPrefix: 'api',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `test-${now}`,
      routeKey: '$default',
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

export type ApiHandlerFn = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number | boolean>>;
  /** The body parsed as JSON (undefined when empty); JSON lines (`application/x-ndjson`): the array of its lines. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  readonly json: any;
  readonly raw: string;
}

export async function call(
  handler: ApiHandlerFn,
  method: string,
  target: string,
  options: ApiCallOptions = {},
): Promise<ApiAnswer> {
  return answerOf(await handler(apiEvent(method, target, options)));
}

/** The answer parsed; the secrets it shows are recorded for the CI's output scan (recordedSecrets.ts). */
export function answerOf(result: APIGatewayProxyStructuredResultV2): ApiAnswer {
  const raw = result.body ?? '';
  const answer = {
    status: result.statusCode ?? 200,
    headers: result.headers ?? {},
    json: !raw
      ? undefined
      : result.headers?.['content-type'] === 'application/x-ndjson'
        ? raw
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => JSON.parse(line))
        : JSON.parse(raw),
    raw,
  };
  recordSecretsIn(answer.json);
  return answer;
}
