/**
 * How an operation's progress reads in one line: its status and its devices by state, the confirmations when some
 * devices can confirm. The line printed while following an operation when stderr is not a terminal, and its summary.
 */
import type { Schemas } from '../api/Api.js';

type Operation = Schemas['Operation'];

/** `1 device`, `2 devices`. */
export const plural = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** `10 devices, 7 sent, 2 confirmed, 1 failed, 0 pending`. */
export function countsText(counts: Schemas['DeliveryCounts']): string {
  return `${plural(counts.total, 'device')}, ${counts.sent} sent, ${counts.confirmed} confirmed, ${counts.failed} failed, ${counts.pending} pending`;
}

/** `3 of 4 able to confirm (75%)`, or nothing when no device of the operation sends receipts. */
export function confirmationText(operation: Operation): string | undefined {
  const confirmation = operation.confirmation;
  if (!confirmation) return undefined;
  return `${confirmation.confirmed} of ${confirmation.confirmable} able to confirm (${confirmation.percent}%)`;
}

/** `Operation 01J... running: 10 devices, 7 sent, ...; confirmed 3 of 4 able to confirm (75%)`. */
export function statusLine(operation: Operation): string {
  const confirmed = confirmationText(operation);
  return `Operation ${operation.id} ${operation.status}: ${countsText(operation.counts)}${confirmed ? `; confirmed ${confirmed}` : ''}`;
}

/**
 * Which status lines to print: a line when it differs from the last one printed, at most one a second (`minGapMs`);
 * a change held back by the gap is printed at the next call after it, if it still holds.
 */
export class StatusLines {
  private last?: string;
  private lastAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly minGapMs = 1000) {}

  /** The line to print now, if any. */
  next(line: string, nowMs: number): string | undefined {
    if (line === this.last || nowMs - this.lastAt < this.minGapMs) return undefined;
    this.last = line;
    this.lastAt = nowMs;
    return line;
  }

  /** The final line: printed unless it was the last one printed. */
  final(line: string, nowMs: number): string | undefined {
    if (line === this.last) return undefined;
    this.last = line;
    this.lastAt = nowMs;
    return line;
  }
}
