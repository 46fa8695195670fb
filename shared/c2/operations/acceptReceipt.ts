/** A device's receipt for a command it applied (being written: receipts of the durable-operations issue). */
import type { C2Deps } from '../C2Deps.js';
import type { ReceiptMessage } from '../ports/WorkQueue.js';

export async function acceptReceipt(_deps: C2Deps, _message: ReceiptMessage): Promise<void> {
  throw new Error('receipts are not handled yet');
}
