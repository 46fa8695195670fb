/**
 * Lambda entry of the pre-provisioning hook of the fleet provisioning template (infra/constructs/FleetProvisioning.ts):
 * AWS IoT Core invokes it synchronously for each RegisterThing of a device holding the claim certificate, and gives
 * it 5 seconds (see handleProvisioningHook.ts).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { awsConfigFromEnv } from '../awsConfig.js';
import { composeAwsC2 } from '../composeAwsC2.js';
import { logger, tracer } from '../observability/powertools.js';
import { handleProvisioningHook } from './handleProvisioningHook.js';

const deps = composeAwsC2(awsConfigFromEnv());

export const handler = middy(async (event: unknown) => handleProvisioningHook(deps, event, logger))
  // The event holds the device's proof and the new certificate: neither goes into traces.
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(injectLambdaContext(logger));
