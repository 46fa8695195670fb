import type { ReceiptOutcome } from './receipts/ReceiptOutcome.js';

/** How a worker hands a message over (see handleWork.ts). */
export interface WorkOptions {
  /**
   * How long the handler may keep going (milliseconds): a long fan-out stops after a slice of about this length and
   * enqueues its continuation (Lambda: the time left minus a margin). Default 10 s.
   */
  readonly budgetMs?: number;
  /** Told what became of each receipt (confirmed, duplicate, requeued, dropped, refused): for the worker's counts. */
  readonly onReceipt?: (outcome: ReceiptOutcome) => void;
}
