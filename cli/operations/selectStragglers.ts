/**
 * The stragglers of an operation: its devices that have not confirmed (pending, sent or failed), the failed first
 * (the ones to act on), then pending, then sent, each by name; at most 20 listed, the rest counted.
 */
import type { Schemas } from '../api/Api.js';

type Device = Schemas['OperationDevice'];

export const STRAGGLERS_LISTED = 20;
/** The order stragglers are listed (and fetched) in. */
export const STRAGGLER_STATES = ['failed', 'pending', 'sent'] as const;

export interface Stragglers {
  readonly listed: readonly Device[];
  /** Stragglers not listed. */
  readonly more: number;
}

/**
 * The stragglers to list among `devices` (a sample of the operation's devices, in any state), with `total` the
 * number of devices not confirmed the operation counts (at least those in the sample).
 */
export function selectStragglers(devices: readonly Device[], total: number, max = STRAGGLERS_LISTED): Stragglers {
  const rank = (device: Device) => STRAGGLER_STATES.indexOf(device.state as (typeof STRAGGLER_STATES)[number]);
  const stragglers = devices
    .filter((device) => rank(device) >= 0)
    .sort((a, b) => rank(a) - rank(b) || a.client.name.localeCompare(b.client.name));
  const listed = stragglers.slice(0, max);
  return { listed, more: Math.max(total, stragglers.length) - listed.length };
}

/** How many devices of an operation have not confirmed. */
export const stragglerCount = (counts: Schemas['DeliveryCounts']): number =>
  counts.pending + counts.sent + counts.failed;
