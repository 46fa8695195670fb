/**
 * Local mode's WorkQueue: two LocalWorkQueues in the same table. `work` (partition `Q#work`) takes every message but
 * receipts, one at a time; `receipts` (`Q#receipts`) takes devices' receipts, handed over in batches (one read of
 * their clients and references for a batch). One handler serves both (handleWorkMessages in local mode).
 * Receipts yield to the work: in one process, on the cores the store, the broker and the API share, a batch of
 * receipts started in the middle of a fan-out slows it down (commands reach devices later, to record sooner that
 * earlier ones arrived). A receipt batch starts when no work handler runs, or once its first receipt has waited
 * {@link RECEIPT_MAX_HOLD_MS} (work that never stops does not starve confirmations).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EnqueueOptions, WorkMessage, WorkQueue } from '../../c2/ports/WorkQueue.js';
import {
  type DeadWorkItem,
  LocalWorkQueue,
  type LocalWorkQueueOptions,
  type WorkBatchHandler,
} from './LocalWorkQueue.js';

export interface LocalWorkQueuesOptions {
  /** The queue of every message but receipts; default concurrency 4, batches of 1. */
  readonly work?: Omit<LocalWorkQueueOptions, 'name'>;
  /** The queue of receipts; default concurrency 2, batches of {@link RECEIPT_BATCH}. */
  readonly receipts?: Omit<LocalWorkQueueOptions, 'name'>;
}

/** Receipts handed to the handler at once by default (the most one BatchGetItem reads). */
export const RECEIPT_BATCH = 100;
/** The longest a receipt is held back while work runs. */
export const RECEIPT_MAX_HOLD_MS = 10_000;

export class LocalWorkQueues implements WorkQueue {
  readonly work: LocalWorkQueue;
  readonly receipts: LocalWorkQueue;

  constructor(db: DynamoDBClient, tableName: string, options: LocalWorkQueuesOptions = {}) {
    const onHandled = options.work?.onHandled;
    this.work = new LocalWorkQueue(db, tableName, {
      ...options.work,
      name: 'work',
      onHandled: () => {
        this.receipts.wake();
        onHandled?.();
      },
    });
    this.receipts = new LocalWorkQueue(db, tableName, {
      concurrency: 2,
      batchSize: RECEIPT_BATCH,
      yieldWhile: { while: () => this.work.isBusy(), atMostMs: RECEIPT_MAX_HOLD_MS },
      ...options.receipts,
      name: 'receipts',
    });
  }

  async enqueue(messages: readonly WorkMessage[], options?: EnqueueOptions): Promise<void> {
    const receipts = messages.filter((message) => message.type === 'receipt');
    const others = messages.filter((message) => message.type !== 'receipt');
    await Promise.all([
      receipts.length > 0 ? this.receipts.enqueue(receipts, options) : undefined,
      others.length > 0 ? this.work.enqueue(others, options) : undefined,
    ]);
  }

  /**
   * Starts both queues with the same handler, each loading what a previous run left: the work queue first, so that
   * the receipts wait behind what it loaded.
   */
  async start(handler: WorkBatchHandler): Promise<void> {
    await this.work.startBatches(handler);
    await this.receipts.startBatches(handler);
  }

  /** Resolves once both queues are idle at the same time (one's handler may enqueue into the other). */
  async idle(): Promise<void> {
    do await Promise.all([this.work.idle(), this.receipts.idle()]);
    while (!this.work.isIdle() || !this.receipts.isIdle());
  }

  async close(): Promise<void> {
    await Promise.all([this.work.close(), this.receipts.close()]);
  }

  async deadItems(): Promise<DeadWorkItem[]> {
    return [...(await this.work.deadItems()), ...(await this.receipts.deadItems())];
  }
}
