/** What became of the commands of one change: how many were sent, accepted by the broker, and which were not. */
export interface DeliveryReport {
  readonly sent: number;
  readonly delivered: number;
  /** The clients whose command the broker did not accept (the first {@link MAX_FAILURES_LISTED}), and why. */
  readonly failed: ReadonlyArray<{ readonly client: string; readonly error: string }>;
}

export const MAX_FAILURES_LISTED = 100;

export const emptyReport = (): DeliveryReport => ({ sent: 0, delivered: 0, failed: [] });

/** Two reports as one (the failures listed stay capped). */
export function mergeReports(a: DeliveryReport, b: DeliveryReport): DeliveryReport {
  return {
    sent: a.sent + b.sent,
    delivered: a.delivered + b.delivered,
    failed: [...a.failed, ...b.failed].slice(0, MAX_FAILURES_LISTED),
  };
}
