/**
 * The worker's one entry point: what every queue adapter (SQS and the worker function in AWS, the local queue in
 * process) calls for each message it takes. Idempotent: a message handled twice, or again after a crash, changes
 * nothing more than once. Throws only for a failure worth retrying (the adapter hands the message over again later).
 */
import type { C2Deps } from '../C2Deps.js';
import type { WorkMessage } from '../ports/WorkQueue.js';
import { acceptReceipt } from './acceptReceipt.js';
import { advanceOperation } from './advanceOperation.js';
import type { ReceiptOutcome } from './receipts/ReceiptOutcome.js';

export interface WorkOptions {
  /**
   * How long the handler may keep going (milliseconds): a long fan-out stops after a slice of about this length and
   * enqueues its continuation (Lambda: the time left minus a margin). Default 10 s.
   */
  readonly budgetMs?: number;
  /** Told what became of each receipt (confirmed, duplicate, requeued, dropped, refused): for the worker's counts. */
  readonly onReceipt?: (outcome: ReceiptOutcome) => void;
}

export function handleWork(deps: C2Deps, message: WorkMessage, options: WorkOptions = {}): Promise<void> {
  switch (message.type) {
    case 'operation':
      return advanceOperation(deps, message, options);
    case 'receipt':
      return acceptReceipt(deps, message, options.onReceipt);
  }
}
