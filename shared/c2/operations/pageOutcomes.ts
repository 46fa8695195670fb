import type { DeliveryRecord } from '../ports/OperationStore.js';

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
