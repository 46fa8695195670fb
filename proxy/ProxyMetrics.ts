/**
 * The proxy's counters, logged as a `status` line every `metrics.intervalSeconds` and when it stops:
 * messages protected (out) and unprotected (in), passed in clear (unconfigured topics with `clear`), dropped
 * (unconfigured topics with `drop`), refused (connections, publications and subscriptions refused), failed (received
 * messages that could not be unprotected: dropped, never forwarded) and commands applied from the C2.
 */
export const METRIC_NAMES = ['protected', 'unprotected', 'clear', 'dropped', 'refused', 'failed', 'commands'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export class ProxyMetrics {
  readonly #counts = new Map<MetricName, number>(METRIC_NAMES.map((name) => [name, 0]));

  count(name: MetricName, by = 1): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + by);
  }

  get(name: MetricName): number {
    return this.#counts.get(name) ?? 0;
  }

  snapshot(): Record<MetricName, number> {
    return Object.fromEntries(this.#counts) as Record<MetricName, number>;
  }
}
