import { authenticateApiKey } from '../../shared/c2/apiKeys/authenticateApiKey.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import type { Authenticator } from './Authenticator.js';
import { headerOf } from './headerOf.js';

const BEARER = /^Bearer +(\S+) *$/i;

/** The default {@link Authenticator}: `Authorization: Bearer e4c2.<tenant id>.<key id>.<secret>`. */
export function bearerApiKeyAuthenticator(deps: C2Deps): Authenticator {
  return async (event) => {
    const token = BEARER.exec(headerOf(event, 'authorization') ?? '')?.[1];
    return token === undefined ? undefined : authenticateApiKey(deps, token);
  };
}
