/**
 * Sends one `POST /v1/clients/batch` and answers each item's outcome by name, trying again what the C2 was too busy
 * for: the whole batch answered 429 (after the retries of Api.ts) or 503, or items answered `failed` BUSY (local
 * mode derives one password at a time with a short queue, and refuses past it), after a backoff that doubles (with
 * jitter) up to a bound, a bounded number of times; what is still busy then is a failed item. The batch is
 * idempotent (an item created by an earlier try answers `exists`), so a try again repeats nothing. Any other failure
 * of the whole batch (network, 401/403, 5xx, a refused batch) is thrown, as `Api.call` throws it.
 */
import type { Api } from '../api/Api.js';
import type { paths } from '../api/openapi.js';
import { CliError } from '../CliError.js';
import { backoff, DEFAULT_RETRY, type RetryPolicy } from './backoff.js';

type BatchOperation = paths['/v1/clients/batch']['post'];
export type BatchItemBody = BatchOperation['requestBody']['content']['application/json']['clients'][number];
type BatchAnswer = BatchOperation['responses'][200]['content']['application/json'];

export type ItemOutcome =
  | { readonly status: 'created' | 'exists' | 'exists_unverified' }
  | { readonly status: 'failed'; readonly code: string; readonly message: string };

const BUSY_STATUSES: ReadonlySet<number> = new Set([429, 503]);

export async function sendClientBatch(
  api: Api,
  items: readonly BatchItemBody[],
  retry: RetryPolicy = DEFAULT_RETRY,
): Promise<Map<string, ItemOutcome>> {
  const outcomes = new Map<string, ItemOutcome>();
  let pending = [...items];
  for (let attempt = 0; pending.length > 0; attempt++) {
    const last = attempt === retry.attempts - 1;
    let status = 0;
    let answer: BatchAnswer;
    try {
      answer = await api.call((client) =>
        client.POST('/v1/clients/batch', { body: { clients: pending } }).then((sent) => {
          status = sent.response.status;
          return sent;
        }),
      );
    } catch (error) {
      if (!(error instanceof CliError && BUSY_STATUSES.has(status)) || last) throw error;
      await backoff(attempt, retry);
      continue;
    }
    const busy = new Set<string>();
    for (const result of answer.results) {
      if (result.status !== 'failed') outcomes.set(result.name, { status: result.status });
      else {
        const { code, message } = result.error ?? { code: 'FAILED', message: 'failed (no reason given)' };
        if (code === 'BUSY' && !last) busy.add(result.name);
        else outcomes.set(result.name, { status: 'failed', code, message });
      }
    }
    pending = pending.filter((item) => busy.has(item.name));
    if (pending.length > 0) await backoff(attempt, retry);
  }
  return outcomes;
}
