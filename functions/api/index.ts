/**
 * Lambda entry of the HTTP API (API Gateway HTTP API, payload 2.0): the handler local mode also runs, here with the
 * principal the Lambda authorizer found (functions/authorizer/) instead of checking the API key itself.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { awsConfigFromEnv } from '../awsConfig.js';
import { composeAwsC2 } from '../composeAwsC2.js';
import { meteredPublisher } from '../observability/meteredPublisher.js';
import { commandMetrics, logger, metrics, tracer } from '../observability/powertools.js';
import { tenantMetric } from '../observability/tenantMetrics.js';
import { authorizerContextAuthenticator } from './authorizerContextAuthenticator.js';
import { createApiHandler } from './createApiHandler.js';

const countForTenant = tenantMetric(metrics);
const deps = composeAwsC2(awsConfigFromEnv(), {
  decoratePublisher: (publisher) => meteredPublisher(publisher, commandMetrics),
});
// The principal from the Lambda authorizer's context; each caller's route runs on its tenant's scoped deps
// (composeAwsC2.ts), the public routes on the function's own.
const api = createApiHandler(deps, {
  authenticate: authorizerContextAuthenticator,
  depsFor: deps.depsFor,
  onRateLimited: (tenantId) => countForTenant('RateLimited', tenantId),
  log: (entry) =>
    entry.level === 'warn' ? logger.warn(entry.message, { ...entry }) : logger.error(entry.message, { ...entry }),
});

export const handler = middy(api)
  // Responses are not captured into traces: they may hold a generated key or a device private key.
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
