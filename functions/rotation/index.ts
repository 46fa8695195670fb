/** Lambda entry of the policies' EventBridge Scheduler schedules: a scheduled run of a policy. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { TENANT_ID_PATTERN } from '../../shared/c2/apiKeys/validateTenantId.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { handleScheduledRun } from '../../shared/c2/policies/handleScheduledRun.js';
import { awsConfigFromEnv } from '../awsConfig.js';
import { composeAwsC2 } from '../composeAwsC2.js';
import { meteredPublisher } from '../observability/meteredPublisher.js';
import { commandMetrics, logger, metrics, tracer } from '../observability/powertools.js';

const deps = composeAwsC2(awsConfigFromEnv(), {
  decoratePublisher: (publisher) => meteredPublisher(publisher, commandMetrics),
});

/** The deps of the run's tenant (its scoped credentials); the function's own for an input without one (skipped). */
function depsOf(input: unknown): C2Deps {
  const tenantId = (input as { tenantId?: unknown } | null | undefined)?.tenantId;
  return typeof tenantId === 'string' && TENANT_ID_PATTERN.test(tenantId) ? deps.depsFor(tenantId) : deps;
}

export const handler = middy(async (input: unknown) => {
  const outcome = await handleScheduledRun(depsOf(input), input);
  if (outcome.status === 'skipped') logger.warn('scheduled rotation skipped', { reason: outcome.reason });
  else logger.info('scheduled rotation', { ...outcome });
  return outcome;
})
  // Responses are not captured into traces: they may hold a generated key or a device private key.
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
