import type { LocalC2Server } from '../../local/startLocal.js';
import { recordSecret, recordSecretsIn } from './recordedSecrets.js';

/**
 * A request to local mode's API under its admin key (or `key`: the platform key, a window's token...), with a JSON
 * body when one is given: the response as it came. The keys, and the secrets an answer read here shows, are recorded
 * for the CI's output scan.
 */
export function callLocalApi(
  server: LocalC2Server,
  method: string,
  path: string,
  body?: unknown,
  key: string | undefined = server.adminKey,
): Promise<Response> {
  if (server.adminKey !== undefined) recordSecret(server.adminKey);
  if (server.platformKey !== undefined) recordSecret(server.platformKey);
  if (key !== undefined) recordSecret(key);
  return fetch(`${server.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The same request: its status and JSON body. */
export async function requestLocalApi<T>(
  server: LocalC2Server,
  method: string,
  path: string,
  body?: unknown,
  key?: string,
): Promise<{ status: number; json: T }> {
  const response = await callLocalApi(server, method, path, body, key ?? server.adminKey);
  const json = (await response.json()) as T;
  recordSecretsIn(json);
  return { status: response.status, json };
}

/** A JSON answer as the end-to-end tests read it: checked by their assertions, not typed. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type AnyJson = any;
