/**
 * Local mode's one origin: the API under /v1 (the listener given), the web UI's built files (buildWebUi.ts) at every
 * other path. GET and HEAD only; a path naming no file and no file name (no dot in its last segment, not under
 * /assets/) is answered with index.html, so that the UI's own paths reload; hashed assets are cached for good,
 * everything else revalidated. Every answer carries a Content-Security-Policy (script-src 'self': no inline script,
 * no eval) and nosniff; a path that climbs out of the folder (`..`, encoded or not, a backslash, a NUL) is refused
 * before the file system is asked.
 */
import { readFile, stat } from 'node:fs/promises';
import type { RequestListener, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { HttpErrorCode } from '../functions/api/ApiError.js';

export const WEB_UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS = {
  'content-security-policy': WEB_UI_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

/** `/v1` and below to `api`, the rest to the files of `dir`. */
export function withWebUi(api: RequestListener, dir: string): RequestListener {
  const root = resolve(dir);
  return (req, res) => {
    const target = req.url ?? '/';
    const path = target.split('?')[0] ?? '/';
    if (path === '/v1' || path.startsWith('/v1/') || !path.startsWith('/')) {
      api(req, res);
      return;
    }
    serveFile(root, req.method ?? 'GET', path, res).catch(() => {
      if (!res.headersSent) fail(res, 500, HttpErrorCode.Internal, 'Internal Server Error');
      else res.destroy();
    });
  };
}

async function serveFile(root: string, method: string, path: string, res: ServerResponse): Promise<void> {
  if (method !== 'GET' && method !== 'HEAD') {
    fail(res, 405, HttpErrorCode.MethodNotAllowed, `${method}: the web UI's files are read with GET or HEAD`, {
      allow: 'GET, HEAD',
    });
    return;
  }
  const segments = segmentsOf(path);
  if (segments === undefined) {
    fail(res, 400, 'BAD_PATH', 'path: not a path of the web UI');
    return;
  }
  const file = resolve(root, ...segments);
  if (file !== root && !file.startsWith(root + sep)) {
    fail(res, 400, 'BAD_PATH', 'path: not a path of the web UI');
    return;
  }
  const last = segments[segments.length - 1] ?? '';
  const isAsset = segments[0] === 'assets';
  if (await isFile(file)) {
    await send(res, method, file, isAsset);
    return;
  }
  if (isAsset || last.includes('.')) {
    fail(res, 404, HttpErrorCode.RouteNotFound, 'no such file');
    return;
  }
  await send(res, method, join(root, 'index.html'), false);
}

/** The decoded segments of the path, or undefined for one that could leave the folder or is malformed. */
function segmentsOf(path: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '.' || segment === '..')) return undefined;
  return segments;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function send(res: ServerResponse, method: string, file: string, immutable: boolean): Promise<void> {
  const body = await readFile(file);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': String(body.length),
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(method === 'HEAD' ? undefined : body);
}

function fail(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}
