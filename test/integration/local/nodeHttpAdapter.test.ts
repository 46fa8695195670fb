/**
 * The node:http adapter of local mode: a real HTTP server in front of a handler that echoes the API Gateway event it
 * received, and answers as told.
 */
import { Buffer } from 'node:buffer';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BODY_BYTES, type LambdaHttpHandler, nodeHttpAdapter } from '../../../local/nodeHttpAdapter.js';

let server: Server;
let baseUrl: string;
const events: APIGatewayProxyEventV2[] = [];
const handlerErrors: unknown[] = [];
let answer: (event: APIGatewayProxyEventV2) => APIGatewayProxyStructuredResultV2 = () => ({ statusCode: 204 });

const handler: LambdaHttpHandler = async (event) => {
  events.push(event);
  return answer(event);
};

beforeAll(async () => {
  server = createServer(nodeHttpAdapter(handler, { onError: (error) => handlerErrors.push(error) }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function eventOf(path: string, init?: RequestInit): Promise<APIGatewayProxyEventV2> {
  events.length = 0;
  const response = await fetch(`${baseUrl}${path}`, init);
  await response.arrayBuffer();
  expect(events).toHaveLength(1);
  return events[0]!;
}

/** Sends a body in chunks without declaring its length (chunked transfer encoding). */
function postChunked(path: string, chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    const writeNext = (index: number) => {
      if (index === chunks.length) {
        req.end();
        return;
      }
      // A write after the server answered may fail (it closes the connection): the answer is what the test reads.
      if (req.destroyed) return;
      req.write(chunks[index], () => writeNext(index + 1));
    };
    writeNext(0);
  });
}

describe('nodeHttpAdapter: the request as an API Gateway (HTTP API, payload 2.0) event', () => {
  it('keeps the path and the query string as received, percent-encoding included', async () => {
    // Prepare / Act
    const event = await eventOf('/v1/clients/a%2Fb%20c/topics?limit=10&cursor=x%2By&tag=a&tag=b+c');

    // Assess
    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('$default');
    expect(event.rawPath).toBe('/v1/clients/a%2Fb%20c/topics');
    expect(event.requestContext.http.path).toBe('/v1/clients/a%2Fb%20c/topics');
    expect(event.rawQueryString).toBe('limit=10&cursor=x%2By&tag=a&tag=b+c');
    expect(event.queryStringParameters).toEqual({ limit: '10', cursor: 'x+y', tag: 'a,b c' });
  });

  it('has no query parameters without a query string', async () => {
    const event = await eventOf('/v1/health');

    expect(event.rawPath).toBe('/v1/health');
    expect(event.rawQueryString).toBe('');
    expect(event.queryStringParameters).toBeUndefined();
  });

  it('lower-cases headers, sets cookies apart and fills the request context', async () => {
    // Prepare / Act
    const event = await eventOf('/v1/topics', {
      method: 'DELETE',
      headers: { Authorization: 'Bearer k', 'X-Custom': 'Value', 'User-Agent': 'e4c2-test/1', Cookie: 'a=1; b=2' },
    });

    // Assess
    expect(event.headers.authorization).toBe('Bearer k');
    expect(event.headers['x-custom']).toBe('Value');
    expect(event.headers.Authorization).toBeUndefined();
    expect(event.headers.cookie).toBeUndefined();
    expect(event.cookies).toEqual(['a=1', 'b=2']);
    expect(event.requestContext.http).toEqual({
      method: 'DELETE',
      path: '/v1/topics',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'e4c2-test/1',
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.requestContext.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(event.body).toBeUndefined();
    expect(event.isBase64Encoded).toBe(false);
  });

  it('passes a JSON body as UTF-8 text', async () => {
    const body = JSON.stringify({ name: 'capteur-é-1' });

    const event = await eventOf('/v1/clients', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
    });

    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBe(body);
  });

  it('passes a JSON body that is not valid UTF-8 as base64, never with replacement characters', async () => {
    // Prepare: {"topic":"a\xffb"}
    const bytes = Buffer.concat([Buffer.from('{"topic":"a'), Buffer.of(0xff), Buffer.from('b"}')]);

    // Act
    const event = await eventOf('/v1/topics', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bytes,
    });

    // Assess
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64')).toEqual(bytes);
  });

  it('passes a body of a non-text content type as base64', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x80, 0x7f, 0xc3]);

    const event = await eventOf('/v1/upload', {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });

    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64')).toEqual(bytes);
  });

  it('passes a body of exactly the limit', async () => {
    const body = 'x'.repeat(DEFAULT_MAX_BODY_BYTES);

    const event = await eventOf('/v1/clients', { method: 'POST', headers: { 'content-type': 'text/plain' }, body });

    expect(event.body).toHaveLength(DEFAULT_MAX_BODY_BYTES);
  });
});

describe('nodeHttpAdapter: bodies over 1 MiB', () => {
  it('answers 413 to a declared length over the limit, without calling the handler', async () => {
    // Prepare
    events.length = 0;

    // Act
    const response = await fetch(`${baseUrl}/v1/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(DEFAULT_MAX_BODY_BYTES + 1),
    });

    // Assess
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: { code: 'PAYLOAD_TOO_LARGE', message: `body: larger than ${DEFAULT_MAX_BODY_BYTES} bytes` },
    });
    expect(events).toHaveLength(0);
  });

  it('answers 413 to a chunked body once it passes the limit, without calling the handler', async () => {
    // Prepare
    events.length = 0;
    const chunks = Array.from({ length: 40 }, () => Buffer.alloc(64 * 1024, 0x61));

    // Act
    const { status } = await postChunked('/v1/clients', chunks);

    // Assess
    expect(status).toBe(413);
    expect(events).toHaveLength(0);
  });

  it('still serves requests afterwards', async () => {
    answer = () => ({ statusCode: 200, body: 'ok' });

    const response = await fetch(`${baseUrl}/v1/health`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
  });
});

describe('nodeHttpAdapter: the structured result as the response', () => {
  it('sends the status, headers, cookies and text body', async () => {
    // Prepare
    answer = () => ({
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'x-count': 3, 'x-flag': true },
      cookies: ['a=1; Path=/', 'b=2; HttpOnly'],
      body: '{"ok":true}',
    });

    // Act
    const response = await fetch(`${baseUrl}/v1/clients`, { method: 'POST' });

    // Assess
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-count')).toBe('3');
    expect(response.headers.get('x-flag')).toBe('true');
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('decodes a base64 body', async () => {
    const bytes = Buffer.from([0x00, 0x01, 0xfe, 0xff]);
    answer = () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes.toString('base64'),
      isBase64Encoded: true,
    });

    const response = await fetch(`${baseUrl}/v1/file`);

    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
  });

  it('defaults to 200 with an empty body', async () => {
    answer = () => ({});

    const response = await fetch(`${baseUrl}/v1/nothing`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it("answers a handler's throw with API Gateway's generic 500, and reports the error", async () => {
    // Prepare
    handlerErrors.length = 0;
    answer = () => {
      throw new Error('internal detail');
    };

    // Act
    const response = await fetch(`${baseUrl}/v1/clients`);

    // Assess
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ message: 'Internal Server Error' });
    expect(text).not.toContain('internal detail');
    expect(handlerErrors).toHaveLength(1);
  });
});
