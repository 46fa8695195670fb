/**
 * Lambda entry of the work queue (SQS event source, partial batch responses): operations carried out, receipts
 * accepted, devices of deleted clients deprovisioned, policies' schedules kept in step (see handleWorkBatch.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent } from 'aws-lambda';
import { awsConfigFromEnv } from '../awsConfig.js';
import { composeAwsC2 } from '../composeAwsC2.js';
import { meteredPublisher } from '../observability/meteredPublisher.js';
import { commandMetrics, logger, metrics, tracer } from '../observability/powertools.js';
import { tenantMetric } from '../observability/tenantMetrics.js';
import { handleWorkBatch } from './handleWorkBatch.js';

const countForTenant = tenantMetric(metrics);

const deps = composeAwsC2(awsConfigFromEnv(), {
  decoratePublisher: (publisher) => meteredPublisher(publisher, commandMetrics),
});

export const handler = middy(async (event: SQSEvent, context: Context) => {
  const response = await handleWorkBatch(deps, event, {
    remainingMs: () => context.getRemainingTimeInMillis(),
    logger,
    depsFor: deps.depsFor,
    onFailed: (tenantId) => countForTenant('WorkFailed', tenantId),
  });
  logger.info('work batch', { records: event.Records.length, failed: response.batchItemFailures.length });
  return response;
})
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
