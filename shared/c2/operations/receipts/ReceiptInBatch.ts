/**
 * One receipt of a batch as acceptReceipts.ts works on it: what each step learnt about it, and, once set, what became
 * of it (an outcome, or the error that has its message retried). The steps run over the receipts still undecided:
 * {@link eachUndecided} one by one (at once), {@link allUndecided} together (one store call for all).
 */

import type { CommandRef, DeliveryState } from '../../ports/OperationStore.js';
import type { ReceiptMessage } from '../../ports/WorkQueue.js';
import type { ClientRecord } from '../../ports.js';
import type { ReadReceipt } from './openReceipt.js';
import type { ReceiptOutcome } from './ReceiptOutcome.js';

export interface ReceiptInBatch {
  readonly message: ReceiptMessage;
  readonly read: ReadReceipt;
  client?: ClientRecord;
  /** The command it names (it opened). */
  commandHash?: Uint8Array;
  ref?: CommandRef;
  /** Its delivery's state before it confirmed it. */
  from?: DeliveryState;
  /** The topic key its command carried (its reference's, or its operation's), if any. */
  topicKey?: { readonly topic: string; readonly keyVersion: number };
  /**
   * The delivery it also confirmed, of the operation that made that topic key (not its own operation's: a resync
   * sent the key again), and the state it left (receipts/confirmKeyOperation.ts).
   */
  through?: { readonly operationId: string; readonly from: DeliveryState };
  /** Looked up again later: its command is not found yet, or its delivery is still pending. */
  later?: boolean;
  /** Set once. */
  decided?: { readonly outcome: ReceiptOutcome } | { readonly error: unknown };
}

export const undecided = (receipts: readonly ReceiptInBatch[]): ReceiptInBatch[] =>
  receipts.filter((receipt) => receipt.decided === undefined);

/** Runs `step` for each undecided receipt, at once: an outcome it returns, or an error it throws, decides that one. */
export async function eachUndecided(
  receipts: readonly ReceiptInBatch[],
  step: (receipt: ReceiptInBatch) => Promise<ReceiptOutcome | undefined>,
): Promise<void> {
  await Promise.all(
    undecided(receipts).map(async (receipt) => {
      try {
        const outcome = await step(receipt);
        if (outcome) receipt.decided = { outcome };
      } catch (error) {
        receipt.decided = { error: error ?? new Error('a receipt step failed') };
      }
    }),
  );
}

/** Runs `step` once for the undecided receipts together: an error it throws decides each of them. */
export async function allUndecided(
  receipts: readonly ReceiptInBatch[],
  step: (receipts: ReceiptInBatch[]) => Promise<void>,
): Promise<void> {
  const open = undecided(receipts);
  if (open.length === 0) return;
  try {
    await step(open);
  } catch (error) {
    for (const receipt of open) receipt.decided ??= { error: error ?? new Error('a receipt step failed') };
  }
}
