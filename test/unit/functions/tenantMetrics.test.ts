/** A count with the tenant as dimension: one EMF line of its own, the `service` dimension kept, the tenant added. */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, expect, it, vi } from 'vitest';
import { tenantMetric } from '../../../functions/observability/tenantMetrics.js';

afterEach(() => {
  vi.restoreAllMocks();
});

it('emits RateLimited for one tenant at once, with dimensions service and tenant', () => {
  // Prepare: what Powertools writes to stdout, captured (the EMF line CloudWatch reads)
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const count = tenantMetric(new Metrics({ namespace: 'E4C2', serviceName: 'e4c2-test' }));

  // Act
  count('RateLimited', 'acme');

  // Assess
  const emf = lines.map((line) => JSON.parse(line)).find((entry) => entry._aws !== undefined);
  expect(emf).toMatchObject({ service: 'e4c2-test', tenant: 'acme', RateLimited: 1 });
  expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({
    Namespace: 'E4C2',
    Dimensions: [expect.arrayContaining(['service', 'tenant'])],
    Metrics: [{ Name: 'RateLimited', Unit: 'Count' }],
  });
});
