import { parseApiKeyToken } from '../../shared/c2/apiKeys/apiKeyToken.js';
import { authenticateApiKey } from '../../shared/c2/apiKeys/authenticateApiKey.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { PLATFORM_TENANT } from '../../shared/c2/platform/platformKeyToken.js';
import type { C2DepsFor } from '../C2DepsFor.js';
import type { Authenticator } from './Authenticator.js';
import { bearerTokenOf } from './bearerTokenOf.js';

/**
 * The {@link Authenticator} of local mode (and the default): `Authorization: Bearer e4c2.<tenant id>.<key id>.<secret>`
 * checked by authenticateApiKey, the decision the AWS deployment's Lambda authorizer makes (functions/authorizer/).
 * The key is read with the deps of the tenant the token names (`depsFor`), or with `deps` for every tenant. Local mode
 * and tests only: on AWS the api function reads the authorizer's context (authorizerContextAuthenticator.ts), since
 * the tenants registry this check also reads is out of a tenant session's reach.
 */
export function bearerApiKeyAuthenticator(deps: C2Deps | C2DepsFor): Authenticator {
  const depsFor: C2DepsFor = typeof deps === 'function' ? deps : () => deps;
  return async (event) => {
    const token = bearerTokenOf(event);
    if (token === undefined) return undefined;
    // A tenant's key is read as that tenant; anything else (a platform key, or no key at all) as the platform.
    const parsed = parseApiKeyToken(token);
    parsed?.secret.fill(0);
    return authenticateApiKey(depsFor(parsed?.tenantId ?? PLATFORM_TENANT), token);
  };
}
