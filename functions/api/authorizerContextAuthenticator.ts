import { isPrincipalScope } from '../../shared/c2/apiKeys/ApiKeyScope.js';
import { ApiError, HttpErrorCode } from './ApiError.js';
import type { Authenticator } from './Authenticator.js';

/**
 * The {@link Authenticator} of the AWS deployment: the principal the HTTP API's Lambda authorizer put in
 * `event.requestContext.authorizer.lambda` (functions/authorizer/). A request without that context did not come
 * through the authorizer and is refused (401) like one whose key was refused, so that the function cannot be reached
 * around it; `refused: "unavailable"` (the authorizer's store failed) is a 503.
 */
export const authorizerContextAuthenticator: Authenticator = async (event) => {
  const context: unknown = (event?.requestContext as { authorizer?: { lambda?: unknown } } | undefined)?.authorizer
    ?.lambda;
  if (context === null || typeof context !== 'object') return undefined;
  const { tenantId, keyId, scope, actor, refused, tenantStatus } = context as Record<string, unknown>;
  if (refused === 'unavailable') {
    throw new ApiError(HttpErrorCode.Unavailable, 'the API key could not be checked, retry later');
  }
  if (refused !== undefined) return undefined;
  if (
    typeof tenantId !== 'string' ||
    typeof keyId !== 'string' ||
    typeof actor !== 'string' ||
    !isPrincipalScope(scope)
  ) {
    return undefined;
  }
  if (tenantId === '' || keyId === '' || actor === '') return undefined;
  // A status the authorizer would not write is taken as suspended: it fails closed.
  const status =
    tenantStatus === undefined
      ? {}
      : ({ tenantStatus: tenantStatus === 'deleting' ? 'deleting' : 'suspended' } as const);
  return { tenantId, keyId, scope, actor, ...status };
};
