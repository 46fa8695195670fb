/**
 * Powertools for every function: a JSON logger (correlation ids from the Lambda context), metrics in EMF and a
 * tracer (X-Ray; it switches itself off outside Lambda). Service name and namespace come from the environment
 * (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE) set by the stack.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { CommandMetrics } from './meteredPublisher.js';

// Service name and namespace from the environment only: the alarms of the stack match the `service` dimension.
export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();

export const commandMetrics: CommandMetrics = {
  addMetric: (name, _unit, value) => metrics.addMetric(name, MetricUnit.Count, value),
};
