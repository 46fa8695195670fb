/**
 * An operation's `confirmable`: how many of its devices can confirm (see OperationRecord.confirmable). A device known
 * to send receipts (one was accepted before: `lastSeenAt`) is counted when its command first goes out, whatever the
 * broker made of it (a device not reached yet is still one whose confirmation is awaited); its command reference says
 * so (`counted`), and a receipt through a reference without it (a device not heard from before) counts the device
 * then (acceptReceipts.ts). One approximation: a device not heard from at its first send, heard from since, and
 * confirming a resend is not counted; the view never shows fewer than have confirmed.
 */
import type { DeliveryRecord, OperationRecord } from '../ports/OperationStore.js';
import type { ClientRecord } from '../ports.js';

/** The devices of a page known to send receipts whose command goes out for the first time (not a resend). */
export function firstSent(waiting: readonly DeliveryRecord[], confirming: { has(name: string): boolean }): number {
  return waiting.filter(({ clientName, attempts }) => attempts === 0 && confirming.has(clientName)).length;
}

/** What a one-device operation adds to its `confirmable`: 1 for a device known to send receipts, once. */
export function confirmableOnce(operation: OperationRecord, client: ClientRecord | undefined): number {
  return !operation.confirmable && client?.lastSeenAt !== undefined ? 1 : 0;
}
