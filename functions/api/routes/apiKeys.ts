/** The tenant's API keys (admin scope only): create, list, read, rotate, revoke; and the caller's own (any key). */
import { createApiKey } from '../../../shared/c2/apiKeys/createApiKey.js';
import { getApiKey } from '../../../shared/c2/apiKeys/getApiKey.js';
import { listApiKeys } from '../../../shared/c2/apiKeys/listApiKeys.js';
import { revokeApiKey } from '../../../shared/c2/apiKeys/revokeApiKey.js';
import { rotateApiKey } from '../../../shared/c2/apiKeys/rotateApiKey.js';
import { whoAmI } from '../../../shared/c2/apiKeys/whoAmI.js';
import {
  ApiKeyIdParamsSchema,
  ApiKeyPageSchema,
  ApiKeyViewSchema,
  CreateApiKeyBodySchema,
  CreatedApiKeySchema,
  WhoAmISchema,
} from '../../../shared/c2/schemas/apiKeys.js';
import { PageQuerySchema } from '../../../shared/c2/schemas/common.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

export const apiKeyRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/whoami',
    scope: 'any',
    operationId: 'whoAmI',
    summary:
      'The calling key: its tenant, key id, scope, name and times (never its secret or hash). Any valid key may ask, ' +
      'enrol and platform keys too.',
    response: WhoAmISchema,
    run: (deps, caller) => whoAmI(deps, caller),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/keys/api',
    scope: 'admin',
    operationId: 'createApiKey',
    summary:
      'Create an API key of the tenant with a scope and an optional expiry. The answer carries its token, shown ' +
      'once (only a hash of its secret is stored).',
    status: 201,
    body: CreateApiKeyBodySchema,
    response: CreatedApiKeySchema,
    run: (deps, caller, { body }) => createApiKey(deps, caller, body),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/keys/api',
    scope: 'admin',
    operationId: 'listApiKeys',
    summary: "The tenant's API keys in key id order, revoked ones included, a page at a time (never a secret).",
    query: PageQuerySchema,
    response: ApiKeyPageSchema,
    run: (deps, caller, { query }) => listApiKeys(deps, caller, query),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/keys/api/{keyId}',
    scope: 'admin',
    operationId: 'getApiKey',
    summary: 'One API key: its scope, prefix, status and times (never its secret).',
    params: ApiKeyIdParamsSchema,
    response: ApiKeyViewSchema,
    run: (deps, caller, { params }) => getApiKey(deps, caller, params.keyId),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/keys/api/{keyId}/rotate',
    scope: 'admin',
    operationId: 'rotateApiKey',
    summary:
      'A new secret for the key (same id, scope and expiry), its token shown once; the old token is refused at ' +
      'once. 409 for a revoked or expired key (WRONG_MODE) or a concurrent rotation (CONCURRENT_UPDATE).',
    params: ApiKeyIdParamsSchema,
    response: CreatedApiKeySchema,
    run: (deps, caller, { params }) => rotateApiKey(deps, caller, params.keyId),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/keys/api/{keyId}',
    scope: 'admin',
    operationId: 'revokeApiKey',
    summary:
      'Revoke the key: refused from now on; it stays listed, as revoked. Revoking it again answers the same. 409 ' +
      'LAST_ADMIN_KEY when it is the last usable admin key of the tenant.',
    params: ApiKeyIdParamsSchema,
    response: ApiKeyViewSchema,
    run: (deps, caller, { params }) => revokeApiKey(deps, caller, params.keyId),
  }),
];
