import type { LocalC2Server } from '../../local/startLocal.js';

/** A request to local mode's API under its admin key, with a JSON body when one is given: the response as it came. */
export function callLocalApi(server: LocalC2Server, method: string, path: string, body?: unknown): Promise<Response> {
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
  return { status: response.status, json: (await response.json()) as T };
}
