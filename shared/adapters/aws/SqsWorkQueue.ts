/**
 * The WorkQueue of the AWS deployment: an SQS standard queue (the stack's work queue, drained by the worker
 * function). Messages go as JSON bodies, by `SendMessageBatch` in groups of 10 (SQS's batch limit); `delayMs`
 * becomes `DelaySeconds`, rounded up and capped at SQS's 15 minutes. A batch answers per entry: an entry SQS failed
 * on its side (`SenderFault` false: throttled, internal error) is sent again, up to `maxAttempts` attempts in all
 * after a short backoff; an entry it refused (`SenderFault` true: too large, malformed) is not, since it would be
 * refused again. Whatever is still not queued then makes `enqueue` reject with an error saying how many of how many
 * (never their bodies), so the caller knows its work is not stored.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
} from '@aws-sdk/client-sqs';
import type { EnqueueOptions, WorkMessage, WorkQueue } from '../../c2/ports/WorkQueue.js';

/** What the queue needs of an SQSClient (tests wrap a real client in one to inject faults). */
export interface SqsSender {
  send(command: SendMessageBatchCommand): Promise<SendMessageBatchCommandOutput>;
}

export interface SqsWorkQueueOptions {
  /** Attempts per message (the first included) when SQS fails an entry on its side; default 3. */
  readonly maxAttempts?: number;
  /** Backoff before attempt n + 1: `baseDelayMs * 2^(n-1)` milliseconds; default 100. */
  readonly baseDelayMs?: number;
}

/** SQS's limits: entries per SendMessageBatch, and the longest delay. */
export const SQS_BATCH_SIZE = 10;
export const SQS_MAX_DELAY_SECONDS = 900;

/** `DelaySeconds` of a delay in milliseconds: rounded up, capped at 15 minutes; undefined without a delay. */
export function delaySecondsOf(delayMs: number | undefined): number | undefined {
  if (delayMs === undefined || !(delayMs > 0)) return undefined;
  return Math.min(SQS_MAX_DELAY_SECONDS, Math.ceil(delayMs / 1000));
}

export class SqsWorkQueue implements WorkQueue {
  readonly #sqs: SqsSender;
  readonly #queueUrl: string;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;

  constructor(sqs: SqsSender, queueUrl: string, options: SqsWorkQueueOptions = {}) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#maxAttempts = options.maxAttempts ?? 3;
    this.#baseDelayMs = options.baseDelayMs ?? 100;
    if (!Number.isSafeInteger(this.#maxAttempts) || this.#maxAttempts < 1) {
      throw new RangeError('maxAttempts must be a positive integer');
    }
  }

  async enqueue(messages: readonly WorkMessage[], options: EnqueueOptions = {}): Promise<void> {
    const delaySeconds = delaySecondsOf(options.delayMs);
    const groups: WorkMessage[][] = [];
    for (let start = 0; start < messages.length; start += SQS_BATCH_SIZE) {
      groups.push(messages.slice(start, start + SQS_BATCH_SIZE));
    }
    const failures = (await Promise.all(groups.map((group) => this.#sendGroup(group, delaySeconds)))).flat();
    if (failures.length === 0) return;
    const reasons = [...new Set(failures.map((failure) => failure.Code ?? 'unknown'))].join(', ');
    throw new Error(`SqsWorkQueue: ${failures.length} of ${messages.length} messages were not queued (${reasons})`);
  }

  /** Sends one group of up to 10; returns the entries still failed after the retries. */
  async #sendGroup(group: readonly WorkMessage[], delaySeconds: number | undefined): Promise<BatchResultErrorEntry[]> {
    let pending = group.map((message, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(message),
      ...(delaySeconds === undefined ? {} : { DelaySeconds: delaySeconds }),
    }));
    const refused: BatchResultErrorEntry[] = [];
    for (let attempt = 1; ; attempt++) {
      const { Failed = [] } = await this.#sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.#queueUrl, Entries: pending }),
      );
      refused.push(...Failed.filter((failure) => failure.SenderFault));
      const retryable = Failed.filter((failure) => !failure.SenderFault);
      if (retryable.length === 0 || attempt >= this.#maxAttempts) return [...refused, ...retryable];
      const again = new Set(retryable.map((failure) => failure.Id));
      pending = pending.filter((entry) => again.has(entry.Id));
      await sleep(this.#baseDelayMs * 2 ** (attempt - 1));
    }
  }
}
