/** Lambda entry of the HTTP API (API Gateway HTTP API, payload 2.0): the handler local mode also runs. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { IoTClient } from '@aws-sdk/client-iot';
import middy from '@middy/core';
import { IotDeviceProvisioner } from '../../shared/adapters/aws/IotDeviceProvisioner.js';
import { awsConfigFromEnv } from '../awsConfig.js';
import { composeAwsC2 } from '../composeAwsC2.js';
import { meteredPublisher } from '../observability/meteredPublisher.js';
import { commandMetrics, logger, metrics, tracer } from '../observability/powertools.js';
import { schedulerOf } from '../schedulerOf.js';
import { createApiHandler } from './createApiHandler.js';

const config = awsConfigFromEnv();
const { devicePolicyName } = config;
const deps = composeAwsC2(config, {
  decoratePublisher: (publisher) => meteredPublisher(publisher, commandMetrics),
  ...(devicePolicyName
    ? { provisioner: (clients) => new IotDeviceProvisioner(new IoTClient(clients), { policyName: devicePolicyName }) }
    : {}),
  ...schedulerOf(config),
});
const api = createApiHandler(deps, { log: (entry) => logger.error(entry.message, { ...entry }) });

export const handler = middy(api)
  // Responses are not captured into traces: they may hold a generated key or a device private key.
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
