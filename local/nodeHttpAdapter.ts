/**
 * Serves a Lambda HTTP handler (API Gateway HTTP API, payload format 2.0) over node:http, so that local mode runs
 * the very handler the AWS deployment runs. The request becomes the event API Gateway would send: raw path and query
 * string as received (percent-encoding kept), lower-cased headers, cookies apart, the body as UTF-8 text or, for a
 * non-text content type or bytes that are not valid UTF-8, base64 with `isBase64Encoded` (never decoded with
 * replacement characters: the handler decodes strictly and refuses them). The handler's structured result becomes the
 * response. Bodies over the limit (1 MiB by default, as a guard: API Gateway's own limit is larger) are answered 413
 * here, in the API's error shape, without calling the handler; a handler that throws is answered 500 with API
 * Gateway's generic body.
 */
import { Buffer } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { HttpErrorCode } from '../functions/api/ApiError.js';

export type LambdaHttpHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface NodeHttpAdapterOptions {
  /** Largest request body passed to the handler; default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Told of a handler that threw (the client only sees a generic 500). */
  readonly onError?: (error: unknown) => void;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Media types whose bodies reach the handler as text; any other body is base64-encoded. */
const TEXT_TYPE =
  /^(text\/[^;]+|application\/(json|xml|javascript|ecmascript|graphql|x-www-form-urlencoded|[^;]+\+(json|xml)))$/;

export function nodeHttpAdapter(handler: LambdaHttpHandler, options: NodeHttpAdapterOptions = {}): RequestListener {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return (req, res) => {
    serve(handler, req, res, maxBodyBytes, options.onError).catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent) respond(res, 500, GENERIC_500);
      else res.destroy();
    });
  };
}

const GENERIC_500 = { message: 'Internal Server Error' };

async function serve(
  handler: LambdaHttpHandler,
  req: IncomingMessage,
  res: ServerResponse,
  maxBodyBytes: number,
  onError: ((error: unknown) => void) | undefined,
): Promise<void> {
  const body = await readBody(req, maxBodyBytes);
  if (body === 'too large') {
    // The rest of the body is not read: the connection closes after the answer.
    const error = { code: HttpErrorCode.PayloadTooLarge, message: `body: larger than ${maxBodyBytes} bytes` };
    respond(res, 413, { error }, { connection: 'close' });
    return;
  }
  if (body === 'aborted') return;
  const event = toEvent(req, body);
  // As API Gateway: the request id in a response header (local mode's request log reads it there).
  res.setHeader('apigw-requestid', event.requestContext.requestId);
  let result: APIGatewayProxyStructuredResultV2;
  try {
    result = await handler(event, lambdaContext(event.requestContext.requestId));
  } catch (error) {
    onError?.(error);
    respond(res, 500, GENERIC_500);
    return;
  }
  writeResult(res, result);
}

/** The body, or 'too large' as soon as it passes the limit (by its declared length or as it arrives). */
async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too large' | 'aborted'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return 'too large';
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.pause();
        resolve('too large');
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks, size)));
    req.once('error', () => resolve('aborted'));
    req.once('close', () => {
      if (!req.complete) resolve('aborted');
    });
  });
}

function toEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const target = requestTarget(req.url ?? '/');
  const query = target.indexOf('?');
  const rawPath = query < 0 ? target : target.slice(0, query);
  const rawQueryString = query < 0 ? '' : target.slice(query + 1);

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') {
      cookies = String(value)
        .split(';')
        .map((cookie) => cookie.trim())
        .filter((cookie) => cookie.length > 0);
      continue;
    }
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }

  const now = new Date();
  const host = headers.host ?? 'localhost';
  const domainName = host.replace(/:\d+$/, '');
  const method = req.method ?? 'GET';
  const hasBody = body.length > 0;
  const text = hasBody && isTextType(headers['content-type']) ? strictUtf8(body) : undefined;
  const isText = !hasBody || text !== undefined;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(rawQueryString.length > 0 ? { queryStringParameters: queryParameters(rawQueryString) } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: sourceIp(req.socket.remoteAddress),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: apiGatewayTime(now),
      timeEpoch: now.getTime(),
    },
    ...(hasBody ? { body: text ?? body.toString('base64') } : {}),
    isBase64Encoded: !isText,
  };
}

/** The path-and-query of the request target (origin form as sent; absolute form reduced to it). */
function requestTarget(url: string): string {
  if (url.startsWith('/')) return url;
  if (url === '*') return '*';
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return url;
  }
}

/** As API Gateway: decoded names and values, repeated names joined with commas. */
function queryParameters(rawQueryString: string): Record<string, string> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    parameters[name] = Object.hasOwn(parameters, name) ? `${parameters[name]},${value}` : value;
  }
  return parameters;
}

function isTextType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return TEXT_TYPE.test(mediaType);
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The body as text, or undefined when it is not valid UTF-8 (then it goes as base64, as API Gateway does). */
function strictUtf8(body: Buffer): string | undefined {
  try {
    return utf8Decoder.decode(body);
  } catch {
    return undefined;
  }
}

function sourceIp(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** e.g. `12/Mar/2020:19:03:58 +0000`, as in API Gateway's request context. */
function apiGatewayTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

/** A Lambda context for a handler that reads it (timeouts, request id): local mode has no deadline. */
function lambdaContext(requestId: string): Context {
  const unsupported = () => {
    throw new Error('callback-style completion is not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'e4c2-local-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:e4c2-local-api',
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/e4c2-local-api',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

function writeResult(res: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  res.statusCode = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  if (result.cookies && result.cookies.length > 0) res.setHeader('set-cookie', result.cookies);
  const body = result.body ?? '';
  res.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

function respond(
  res: ServerResponse,
  statusCode: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  res.writeHead(statusCode, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
