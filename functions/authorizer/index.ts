/**
 * Lambda entry of the HTTP API's authorizer (payload 2.0, simple responses; infra/ServiceStack.ts attaches it to every
 * route but the public ones). Built on the same composition root as the other functions; its role lets it read items
 * of the table and write an API key's `lastUsedAt`, nothing else.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { awsConfigFromEnv } from '../awsConfig.js';
import { composeAwsC2 } from '../composeAwsC2.js';
import { logger } from '../observability/powertools.js';
import { createAuthorizerHandler } from './createAuthorizerHandler.js';

const authorize = createAuthorizerHandler(composeAwsC2(awsConfigFromEnv()), {
  log: (message, error) => logger.error(message, { error }),
});

export const handler = middy(authorize).use(injectLambdaContext(logger));
