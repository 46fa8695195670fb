/**
 * The C2's HTTP API as the CLI calls it: openapi-fetch typed by `openapi.d.ts` (generated from docs/openapi.json by
 * `npm run openapi`; a test fails when it is stale), so a request the API does not have does not compile. `call`
 * turns an answer into its data, or an error into a {@link CliError} with the API's code, message and exit code.
 * Every request has a 30 s timeout; a 429 (the tenant's request rate) is tried again after its Retry-After (at most
 * 5 times), so bulk work slows down instead of failing.
 */
import createClient, { type Client } from 'openapi-fetch';
import { type ApiErrorDetails, CliError } from '../CliError.js';
import type { Connection } from '../config/resolveConnection.js';
import { ExitCode, exitCodeOfStatus } from '../ExitCode.js';
import type { components, paths } from './openapi.js';

export type Schemas = components['schemas'];
export type ApiClient = Client<paths>;

const TIMEOUT_MS = 30_000;
const RATE_LIMIT_RETRIES = 5;
const MAX_RETRY_AFTER_S = 60;

type Answer<T> = { data?: T; error?: unknown; response: Response };

export interface CallOptions {
  /** The message of a 404, naming what was asked for (`no client named "alice"`). */
  notFound?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fetch with the timeout and the 429 retries. */
async function fetchWithRetries(request: Request): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(request.clone(), { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (response.status !== 429 || attempt === RATE_LIMIT_RETRIES) return response;
    const retryAfter = Number(response.headers.get('retry-after'));
    await response.body?.cancel();
    await sleep(1000 * (Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, MAX_RETRY_AFTER_S) : 1));
  }
}

function networkFailure(apiUrl: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const name = (error as Error).name;
  const why =
    name === 'TimeoutError' || name === 'AbortError'
      ? `no answer within ${TIMEOUT_MS / 1000} s`
      : (cause?.code ?? cause?.message ?? (error as Error).message);
  return new CliError(`cannot reach the C2 at ${apiUrl}: ${why}`, ExitCode.Server);
}

/** The CliError of an error answer: the API's `{ error: { code, message, details } }` when it sent one. */
export function apiFailure(response: Response, body: unknown, options: CallOptions = {}): CliError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : undefined;
  let message = typeof error?.message === 'string' ? error.message : `HTTP ${response.status} ${response.statusText}`;
  if (response.status === 404 && options.notFound && (code === undefined || code === 'NOT_FOUND')) {
    message = options.notFound;
  }
  return new CliError(message, exitCodeOfStatus(response.status), code, detailsOf(error?.details));
}

/** The error's details when they have the documented shape (a C2 of another version may send none, or others). */
function detailsOf(details: unknown): ApiErrorDetails | undefined {
  const devices = (details as { devices?: unknown } | undefined)?.devices;
  if (!Array.isArray(devices)) return undefined;
  const named = devices.filter(
    (item): item is { name: string; reason: 'name-taken' | 'other-key' } =>
      typeof item?.name === 'string' && (item.reason === 'name-taken' || item.reason === 'other-key'),
  );
  return { devices: named };
}

export class Api {
  readonly client: ApiClient;

  constructor(readonly connection: Connection) {
    this.client = createClient<paths>({
      baseUrl: connection.apiUrl,
      headers: connection.apiKey ? { authorization: `Bearer ${connection.apiKey}` } : {},
      fetch: fetchWithRetries,
    });
  }

  /** The data of `request`'s answer; a CliError for an error answer or when the C2 cannot be reached. */
  async call<T>(request: (client: ApiClient) => Promise<Answer<T>>, options: CallOptions = {}): Promise<T> {
    let answer: Answer<T>;
    try {
      answer = await request(this.client);
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw networkFailure(this.connection.apiUrl, error);
    }
    if (answer.error !== undefined || !answer.response.ok) throw apiFailure(answer.response, answer.error, options);
    return answer.data as T;
  }
}
