import { authenticateApiKey } from '../../shared/c2/apiKeys/authenticateApiKey.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import type { Authenticator } from './Authenticator.js';
import { bearerTokenOf } from './bearerTokenOf.js';

/**
 * The {@link Authenticator} of local mode (and the default): `Authorization: Bearer e4c2.<tenant id>.<key id>.<secret>`
 * checked by authenticateApiKey, the decision the AWS deployment's Lambda authorizer makes (functions/authorizer/).
 */
export function bearerApiKeyAuthenticator(deps: C2Deps): Authenticator {
  return async (event) => {
    const token = bearerTokenOf(event);
    return token === undefined ? undefined : authenticateApiKey(deps, token);
  };
}
