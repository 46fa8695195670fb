import type { CommandPublisher } from '../../shared/c2/ports.js';

/** Where the counts go (Powertools Metrics in Lambda: EMF, namespace from POWERTOOLS_METRICS_NAMESPACE). */
export interface CommandMetrics {
  addMetric(name: 'CommandsSent' | 'CommandsFailed', unit: 'Count', value: number): void;
}

/**
 * Counts what the C2 publishes: `CommandsSent` and `CommandsFailed` (the alarm of failed deliveries watches the
 * latter). Commands and outcomes pass through unchanged.
 */
export function meteredPublisher(inner: CommandPublisher, metrics: CommandMetrics): CommandPublisher {
  return {
    publish: async (commands) => {
      const outcomes = await inner.publish(commands);
      metrics.addMetric('CommandsSent', 'Count', outcomes.length);
      const failed = outcomes.filter((outcome) => !outcome.delivered).length;
      if (failed > 0) metrics.addMetric('CommandsFailed', 'Count', failed);
      return outcomes;
    },
    close: () => inner.close(),
  };
}
