/**
 * Counts with the tenant as a metric dimension, where one tenant's trouble must be told apart from the others':
 * requests refused for its request rate (`RateLimited`, api) and work messages that failed (`WorkFailed`, worker).
 * Each is emitted only when it happens (Powertools' single metric, flushed at once as its own EMF line), so the
 * metric streams grow with the tenants in trouble, not with all tenants. Other metrics keep the `service` dimension
 * alone (the stack's alarms watch them).
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export type TenantMetricName = 'RateLimited' | 'WorkFailed';

export type TenantMetric = (name: TenantMetricName, tenantId: string) => void;

export function tenantMetric(metrics: Metrics): TenantMetric {
  return (name, tenantId) => {
    const one = metrics.singleMetric();
    one.addDimension('tenant', tenantId);
    one.addMetric(name, MetricUnit.Count, 1);
  };
}
