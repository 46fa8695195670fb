import type { DeliveryRecord, DeliveryState, OperationRecord } from '../ports/OperationStore.js';
import type { ClientRecord } from '../ports.js';

/**
 * What became of a page's pending deliveries once their commands went out: `sent` with the hash of the command, or
 * `failed` with why (`errors` by client name), one more attempt each.
 */
export function pageOutcomes(
  waiting: readonly DeliveryRecord[],
  errors: ReadonlyMap<string, string>,
  hashes: ReadonlyMap<string, Uint8Array>,
  updatedAt: string,
): DeliveryRecord[] {
  return waiting.map((delivery) => {
    const error = errors.get(delivery.clientName);
    const { lastError: _previous, commandHash: _hash, ...rest } = delivery;
    const attempts = delivery.attempts + 1;
    return error === undefined
      ? { ...rest, state: 'sent', attempts, commandHash: hashes.get(delivery.clientName)!, updatedAt }
      : { ...rest, state: 'failed', attempts, lastError: error, updatedAt };
  });
}

/**
 * The devices known to send receipts whose command went out for the first time (not a resend): what they add to the
 * operation's `confirmable`.
 */
export function firstSent(
  waiting: readonly DeliveryRecord[],
  confirming: { has(name: string): boolean },
  errors: ReadonlyMap<string, string>,
): number {
  return waiting.filter(
    ({ clientName, attempts }) => attempts === 0 && confirming.has(clientName) && !errors.has(clientName),
  ).length;
}

/**
 * What a one-device operation's outcome adds to its `confirmable`: 1 for a command out to a device known to send
 * receipts, once (not again after a retry).
 */
export function confirmableOnce(
  operation: OperationRecord,
  client: ClientRecord | undefined,
  state: DeliveryState,
): number {
  return !operation.confirmable && state === 'sent' && client?.lastSeenAt !== undefined ? 1 : 0;
}
