/**
 * The worker function's work: one SQS batch of the work queue handed to `handleWorkMessages` (the receipts in it
 * accepted together, each other record, such as an operation's next step, a few at a time). The answer is a partial batch response: only the records listed
 * in `batchItemFailures` come back (after the queue's visibility timeout), the others are deleted. A record whose
 * body is not a WorkMessage is logged without its content and listed too, so that after the queue's receive limit
 * it rests in the dead-letter queue, where an operator sees it (an alarm watches its depth), instead of being lost
 * or taken again at once. The link-change pipe's records (the table's stream) are read as link changes. The
 * messages of each tenant run on that tenant's deps (`depsFor`: on AWS its scoped credentials), tenants side by side.
 */

import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isStreamRecord, linkChangeOfStreamRecord } from '../../shared/adapters/aws/linkChangeOfStreamRecord.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { forEachAtMost } from '../../shared/c2/forEachAtMost.js';
import { describeWorkMessage } from '../../shared/c2/operations/describeWorkMessage.js';
import { handleWorkMessages } from '../../shared/c2/operations/handleWorkMessages.js';
import { parseWorkMessage } from '../../shared/c2/operations/parseWorkMessage.js';
import type { WorkMessage } from '../../shared/c2/ports/WorkQueue.js';
import type { C2DepsFor } from '../C2DepsFor.js';

/**
 * A body as a WorkMessage: the link-change pipe's DynamoDB stream records read as LinkChangeMessages (a stream record
 * that is not a link change is ignored: acknowledged, logged), anything else checked by parseWorkMessage.
 */
function readBody(body: string): { ok: true; message: WorkMessage } | { ok: false; ignored: boolean; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, ignored: false, reason: 'not JSON' };
  }
  if (!isStreamRecord(json)) {
    const reading = parseWorkMessage(body);
    return reading.ok ? reading : { ok: false, ignored: false, reason: reading.reason };
  }
  const reading = linkChangeOfStreamRecord(json);
  return reading.kind === 'change'
    ? { ok: true, message: reading.message }
    : { ok: false, ignored: true, reason: reading.reason };
}

/** Where the worker reports records it could not handle (Powertools Logger in Lambda). */
export interface WorkBatchLogger {
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

export interface WorkBatchOptions {
  /** Milliseconds left before the invocation times out (Lambda: `context.getRemainingTimeInMillis()`). */
  readonly remainingMs: () => number;
  /** Kept back from each record's budget for finishing its page and enqueueing its continuation; default 10 s. */
  readonly marginMs?: number;
  /** Records other than receipts handled at once; default 4. */
  readonly concurrency?: number;
  readonly logger: WorkBatchLogger;
  /** The deps of a tenant's messages (composeAwsC2's `depsFor`); default the `deps` given for every tenant. */
  readonly depsFor?: C2DepsFor;
  /** Told the tenant of each message that failed (a metric with the tenant as dimension). */
  readonly onFailed?: (tenantId: string) => void;
}

/** The tenant a message is for (an event-log entry's own). */
const tenantOf = (message: WorkMessage): string =>
  message.type === 'event' ? message.event.tenantId : message.tenantId;

export const DEFAULT_MARGIN_MS = 10_000;
export const DEFAULT_CONCURRENCY = 4;

export async function handleWorkBatch(
  deps: C2Deps,
  event: SQSEvent,
  options: WorkBatchOptions,
): Promise<SQSBatchResponse> {
  const { logger, marginMs = DEFAULT_MARGIN_MS, concurrency = DEFAULT_CONCURRENCY } = options;
  const records = event.Records ?? [];
  const failed = new Set<string>();
  const parsed: { record: SQSRecord; message: WorkMessage }[] = [];
  for (const record of records) {
    const reading = readBody(record.body);
    if (reading.ok) parsed.push({ record, message: reading.message });
    else if (reading.ignored) {
      logger.warn('stream record ignored', { messageId: record.messageId, reason: reading.reason });
    } else {
      logger.warn('malformed work message', { messageId: record.messageId, reason: reading.reason });
      failed.add(record.messageId);
    }
  }
  const budgetMs = () => Math.max(0, options.remainingMs() - marginMs);
  const depsFor = options.depsFor ?? (() => deps);
  const byTenant = new Map<string, number[]>();
  parsed.forEach(({ message }, i) => {
    const tenantId = tenantOf(message);
    byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), i]);
  });
  const errors: unknown[] = parsed.map(() => undefined);
  // The batch's `concurrency` shared out among its tenants, never more in all (a batch of one tenant, the usual
  // fan-out, takes it all; more tenants than that take turns, one message at a time each).
  const atOnce = Math.max(1, Math.min(byTenant.size, concurrency));
  const lanes = Math.max(1, Math.floor(concurrency / atOnce));
  await forEachAtMost(atOnce, [...byTenant], async ([tenantId, indexes]) => {
    let tenantErrors: unknown[];
    try {
      const messages = indexes.map((i) => parsed[i]!.message);
      tenantErrors = await handleWorkMessages(depsFor(tenantId), messages, { concurrency: lanes, budgetMs });
    } catch (error) {
      // No deps for this tenant (a malformed tenant id): its messages fail, to rest in the dead-letter queue.
      tenantErrors = indexes.map(() => error);
    }
    tenantErrors.forEach((error, j) => {
      errors[indexes[j]!] = error;
    });
  });
  errors.forEach((error, i) => {
    if (error === undefined) return;
    const { record, message } = parsed[i]!;
    logger.error('work message failed', { messageId: record.messageId, ...describeWorkMessage(message), error });
    options.onFailed?.(tenantOf(message));
    failed.add(record.messageId);
  });
  // In the batch's order (SQS reads it as a list; the order does not matter to it).
  const batchItemFailures = records
    .filter((record) => failed.has(record.messageId))
    .map((record) => ({ itemIdentifier: record.messageId }));
  return { batchItemFailures };
}
