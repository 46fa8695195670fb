/** What became of a device's receipt (see acceptReceipts.ts): for the worker to count, never holding key bytes. */
import type { DeliveryState } from '../../ports/OperationStore.js';

export type ReceiptOutcome =
  /** The delivery moved from `from` to confirmed, and the operation's counts with it. */
  | {
      readonly result: 'confirmed';
      readonly operationId: string;
      readonly clientName: string;
      readonly from: DeliveryState;
    }
  /** Authentic, but its delivery was confirmed already (a receipt sent twice, or replayed): nothing changed. */
  | { readonly result: 'duplicate'; readonly operationId: string; readonly clientName: string }
  /** Authentic, for a command not recorded yet (the receipt came first): handed back to the queue for later. */
  | { readonly result: 'requeued'; readonly tries: number }
  /** Authentic, but no command of the C2 has its hash, after every try. */
  | { readonly result: 'dropped'; readonly reason: string }
  /**
   * Not accepted: MALFORMED (a message that does not read), UNKNOWN_CLIENT, or the E4 error code of a receipt that
   * does not open (AUTHENTICATION_FAILED: forged or tampered, TIMESTAMP_TOO_OLD, TIMESTAMP_IN_FUTURE, INVALID_RECEIPT,
   * ...), or KEY_INTEGRITY when the client's stored key does not open.
   */
  | { readonly result: 'refused'; readonly reason: string };
