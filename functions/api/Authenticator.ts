import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Principal } from '../../shared/c2/ports.js';

/**
 * Who is calling: the principal (tenant, key id, scope, actor) the request proves to be, or undefined (a 401, the
 * same for a missing, malformed, unknown, revoked or expired key). The one authorizer of the API: routes take the
 * tenant and scope only from it. The default reads an API key (bearerApiKeyAuthenticator); another could read the
 * context of an API Gateway Lambda authorizer from `event.requestContext`. Throws only when it cannot tell (e.g.
 * its store fails: a 5xx).
 */
export type Authenticator = (event: APIGatewayProxyEventV2) => Promise<Principal | undefined>;
