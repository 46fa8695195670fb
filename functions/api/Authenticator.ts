import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { Caller } from '../../shared/c2/ports.js';

/**
 * Who is calling: the caller (tenant and actor) the request proves to be, or undefined (a 401). The seam of the
 * tenancy model: the default reads an API key (bearerApiKeyAuthenticator); another could read the claims of an API
 * Gateway JWT authorizer from `event.requestContext`. Throws only when it cannot tell (e.g. its store fails: a 5xx).
 */
export type Authenticator = (event: APIGatewayProxyEventV2) => Promise<Caller | undefined>;
