import type { LocalC2Server } from '../../local/startLocal.js';
import { recordSecret, recordSecretsIn } from './recordedSecrets.js';

/**
 * A request to local mode's API under its admin key, with a JSON body when one is given: the response as it came.
 * The admin key, and the secrets an answer read here shows, are recorded for the CI's output scan.
 */
export function callLocalApi(server: LocalC2Server, method: string, path: string, body?: unknown): Promise<Response> {
  if (server.adminKey !== undefined) recordSecret(server.adminKey);
  if (server.platformKey !== undefined) recordSecret(server.platformKey);
  return fetch(`${server.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${server.adminKey}`,
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
): Promise<{ status: number; json: T }> {
  const response = await callLocalApi(server, method, path, body);
  const json = (await response.json()) as T;
  recordSecretsIn(json);
  return { status: response.status, json };
}
