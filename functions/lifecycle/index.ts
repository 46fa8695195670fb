/**
 * Lambda entry of the lifecycle queue (SQS event source, partial batch responses): devices of the C2 coming back are
 * resynced (see handleLifecycleBatch.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { awsConfigFromEnv } from '../awsConfig.js';
import { composeAwsC2 } from '../composeAwsC2.js';
import { logger, metrics, tracer } from '../observability/powertools.js';
import { handleLifecycleBatch } from './handleLifecycleBatch.js';

// It publishes nothing itself: the resyncs it starts are carried out by the worker.
const deps = composeAwsC2(awsConfigFromEnv());

export const handler = middy(async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const { batchItemFailures, returns, ignored } = await handleLifecycleBatch(deps, event, logger, deps.depsFor);
  logger.info('lifecycle batch', { records: event.Records.length, returns, ignored, failed: batchItemFailures.length });
  return { batchItemFailures };
})
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
