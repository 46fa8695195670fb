/**
 * The web UI's HTTP client: openapi-fetch typed by openapi.d.ts (generated from docs/openapi.json by `npm run
 * openapi`), on the page's own origin, with the signed-in key as a bearer token. `call` turns an error answer into an
 * ApiError (the API's `{ error: { code, message } }`); a 401 signs out (the key was revoked or expired).
 */
import createClient from 'openapi-fetch';
import { session } from '../session.js';
import type { components, paths } from './openapi.js';

export type Schemas = components['schemas'];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const api = createClient<paths>({ baseUrl: window.location.origin });

api.use({
  onRequest({ request }) {
    const key = session.apiKey();
    if (key) request.headers.set('authorization', `Bearer ${key}`);
    return request;
  },
});

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or an ApiError. */
export async function call<T>(request: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await request;
  } catch {
    throw new ApiError(0, 'NETWORK', 'The C2 did not answer: is it running?');
  }
  const { data, error, response } = answer;
  if (response.ok) return data as T;
  const detail = (error as { error?: { code?: string; message?: string } } | undefined)?.error;
  const failure = new ApiError(
    response.status,
    detail?.code ?? `HTTP_${response.status}`,
    detail?.message ?? response.statusText,
  );
  if (response.status === 401) session.signOut();
  throw failure;
}

/** A message for an error shown to the operator. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}
