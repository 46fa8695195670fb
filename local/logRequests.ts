/**
 * One log line per HTTP request once it is answered: method, path (without the query string), status, duration and
 * the request id API Gateway would give it (the `apigw-requestid` response header, also in error bodies). Never a
 * header (the Authorization header carries the API key) or a body (a created client's generated key).
 */
import type { RequestListener } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LocalLogger } from './localLogger.js';

export function logRequests(listener: RequestListener, log: LocalLogger): RequestListener {
  return (req, res) => {
    const started = performance.now();
    res.once('close', () => {
      const status = res.writableFinished ? res.statusCode : undefined;
      const requestId = res.getHeader('apigw-requestid');
      (status !== undefined && status >= 500 ? log.warn : log.info)('request', {
        method: req.method,
        path: (req.url ?? '').split('?')[0],
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        requestId: typeof requestId === 'string' ? requestId : undefined,
        ...(status === undefined ? { aborted: true } : {}),
      });
    });
    listener(req, res);
  };
}
