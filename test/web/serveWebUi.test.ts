/**
 * Local mode's one origin (local/serveWebUi.ts): the web UI's files with their content types, cache headers and CSP,
 * index.html for the UI's own paths, the API's paths left to the API, and no way out of the folder.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type RequestListener, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWebUi } from '../../local/serveWebUi.js';

let parent: string;
let server: Server;
let port: number;

beforeAll(async () => {
  // A secret beside the served folder: what a path that climbs out would reach.
  parent = await mkdtemp(join(tmpdir(), 'e4c2-web-'));
  await writeFile(join(parent, 'secret.txt'), 'not to be served');
  const dir = join(parent, 'dist');
  await mkdir(join(dir, 'assets'), { recursive: true });
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>ui</title>');
  await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1);');
  await writeFile(join(dir, 'assets', 'index-abc123.css'), 'body{}');
  // The API's stand-in: says what it was asked.
  const api: RequestListener = (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ api: req.url }));
  };
  server = createServer(withWebUi(api, dir));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(parent, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with its path sent as written (fetch would normalise `..` away). */
function get(path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web UI beside the API', () => {
  it('serves index.html at / with a CSP, nosniff and no caching', async () => {
    const answer = await get('/');
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<title>ui</title>');
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.headers['content-security-policy']).toContain("script-src 'self'");
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves hashed assets with their content type, cached for good', async () => {
    const script = await get('/assets/index-abc123.js');
    expect(script.status).toBe(200);
    expect(script.body).toBe('console.log(1);');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get('/assets/index-abc123.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it("answers the UI's own paths with index.html (a reload works), a missing file with 404", async () => {
    const page = await get('/clients/0123456789abcdef0123456789abcdef?x=1');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>ui</title>');
    const missing = await get('/assets/gone-123.js');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error.code).toBe('ROUTE_NOT_FOUND');
    expect((await get('/favicon.ico')).status).toBe(404);
  });

  it('leaves /v1 and below to the API', async () => {
    expect(JSON.parse((await get('/v1/health?x=1')).body)).toEqual({ api: '/v1/health?x=1' });
    expect(JSON.parse((await get('/v1')).body)).toEqual({ api: '/v1' });
    expect(JSON.parse((await get('/v1/unknown', 'POST')).body)).toEqual({ api: '/v1/unknown' });
  });

  it.each([
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/assets/%2E%2E%2F%2E%2E%2Fsecret.txt',
    '/..%5csecret.txt',
    '/%00index.html',
    '/%E0%A4%A',
  ])('refuses %s with a 400 and never serves what lies outside the folder', async (path) => {
    const answer = await get(path);
    expect(answer.status).toBe(400);
    expect(answer.body).not.toContain('not to be served');
    expect(JSON.parse(answer.body).error.code).toBe('BAD_PATH');
  });

  it('reads with GET and HEAD only', async () => {
    const head = await get('/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String('<!doctype html><title>ui</title>'.length));
    const post = await get('/clients', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect(JSON.parse(post.body).error.code).toBe('METHOD_NOT_ALLOWED');
  });
});
