/**
 * One log line per HTTP request once it is answered: method, path (without the query string), status, duration,
 * the request id API Gateway would give it (the `apigw-requestid` response header, also in error bodies) and the
 * tenant and key id of the API key presented (whether it was valid: the status tells). Never a header (the Authorization header
 * carries the API key's secret) or a body (a created client's generated key).
 */
import type { IncomingMessage, RequestListener } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseApiKeyToken } from '../shared/c2/apiKeys/apiKeyToken.js';
import type { LocalLogger } from './localLogger.js';

export function logRequests(listener: RequestListener, log: LocalLogger): RequestListener {
  return (req, res) => {
    const started = performance.now();
    const key = keyOf(req);
    res.once('close', () => {
      const status = res.writableFinished ? res.statusCode : undefined;
      const requestId = res.getHeader('apigw-requestid');
      (status !== undefined && status >= 500 ? log.warn : log.info)('request', {
        method: req.method,
        path: (req.url ?? '').split('?')[0],
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        requestId: typeof requestId === 'string' ? requestId : undefined,
        ...(key === undefined ? {} : { tenantId: key.tenantId, keyId: key.keyId }),
        ...(status === undefined ? { aborted: true } : {}),
      });
    });
    listener(req, res);
  };
}

/** The tenant and key id of a well-formed `Authorization: Bearer <API key>`, nothing of its secret. */
function keyOf(req: IncomingMessage): { tenantId: string; keyId: string } | undefined {
  const token = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')?.[1];
  const parsed = token === undefined ? undefined : parseApiKeyToken(token);
  parsed?.secret.fill(0);
  return parsed && { tenantId: parsed.tenantId, keyId: parsed.keyId };
}
