/**
 * The worker's entry point for a batch of messages (an SQS batch in AWS, a batch of local mode's queue): the receipts
 * among them accepted together (acceptReceipts.ts: one read of their clients and references for all), every other
 * message handed to `handleWork`, a few at once. Returns, per message, undefined once it is handled, or the error
 * that has it retried (one message's failure is its own).
 */
import type { C2Deps } from '../C2Deps.js';
import { forEachAtMost } from '../forEachAtMost.js';
import type { ReceiptMessage, WorkMessage } from '../ports/WorkQueue.js';
import { acceptReceipts } from './acceptReceipts.js';
import { handleWork, type WorkOptions } from './handleWork.js';

export interface WorkMessagesOptions extends Omit<WorkOptions, 'budgetMs'> {
  /** Messages other than receipts handled at once; default 4. */
  readonly concurrency?: number;
  /** The budget of a message as it starts (see WorkOptions.budgetMs; Lambda: the time left less a margin). */
  readonly budgetMs?: () => number;
}

export async function handleWorkMessages(
  deps: C2Deps,
  messages: readonly WorkMessage[],
  options: WorkMessagesOptions = {},
): Promise<unknown[]> {
  const { concurrency = 4, budgetMs, onReceipt } = options;
  const errors: unknown[] = messages.map(() => undefined);
  const receipts = [...messages.keys()].filter((i) => messages[i]!.type === 'receipt');
  const others = [...messages.keys()].filter((i) => messages[i]!.type !== 'receipt');
  const acceptAll = async () => {
    if (receipts.length === 0) return;
    try {
      const failures = await acceptReceipts(
        deps,
        receipts.map((i) => messages[i] as ReceiptMessage),
        onReceipt,
      );
      failures.forEach((error, j) => {
        errors[receipts[j]!] = error;
      });
    } catch (error) {
      for (const i of receipts) errors[i] = error;
    }
  };
  await Promise.all([
    acceptAll(),
    forEachAtMost(concurrency, others, async (i) => {
      try {
        await handleWork(deps, messages[i]!, {
          ...(budgetMs ? { budgetMs: budgetMs() } : {}),
          ...(onReceipt ? { onReceipt } : {}),
        });
      } catch (error) {
        errors[i] = error ?? new Error('a work message failed');
      }
    }),
  ]);
  return errors;
}
