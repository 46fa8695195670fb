import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Principal } from '../../shared/c2/ports.js';

/**
 * Who is calling: the principal (tenant, key id, scope, actor) the request proves to be, or undefined (a 401, the
 * same for a missing, malformed, unknown, revoked or expired key). The one authorizer of the API: routes take the
 * tenant and scope only from it. Local mode reads the API key (bearerApiKeyAuthenticator, the default); the AWS
 * deployment reads what its Lambda authorizer decided (authorizerContextAuthenticator). Throws only when it cannot
 * tell (e.g. its store fails: a 5xx).
 */
export type Authenticator = (event: APIGatewayProxyEventV2) => Promise<Principal | undefined>;
