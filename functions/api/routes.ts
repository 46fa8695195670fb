/**
 * The route table of the C2's HTTP API. A route is a few lines: method, path, schemas, status, summary and a `run`
 * that calls one use case (see defineRoute.ts). Parsing, authentication, errors and the OpenAPI document follow
 * from the table. The routes of each resource are in routes/<resource>.ts (the platform operator's in
 * routes/tenants.ts); health, the document, the counts and the quotas here.
 *
 * Paths address records by E4's URL-safe ids, never by name: a client by its id (`{clientId}`), a topic by its hash
 * (`{topicHash}`), both 32 hex characters, taken in either case and lowercased by the schema (see
 * shared/c2/schemas/common.ts, shared/c2/resolveIds.ts).
 */

import { countClients } from '../../shared/c2/clients/readClients.js';
import { tenantLimitsView } from '../../shared/c2/limits/tenantLimitsView.js';
import {
  HealthSchema,
  OpenApiDocumentSchema,
  StatsSchema,
  TenantLimitsSchema,
} from '../../shared/c2/schemas/system.js';
import { countTopics } from '../../shared/c2/topics/readTopics.js';
import { type ApiRoute, definePublicRoute, defineRoute } from './defineRoute.js';
import { openApiDocument } from './openApiDocument.js';
import { apiKeyRoutes } from './routes/apiKeys.js';
import { claimRoutes } from './routes/claims.js';
import { clientRoutes } from './routes/clients.js';
import { enrolmentRoutes } from './routes/enrolment.js';
import { eventRoutes } from './routes/events.js';
import { factoryRoutes } from './routes/factory.js';
import { keyRoutes } from './routes/keys.js';
import { linkRoutes } from './routes/links.js';
import { operationRoutes } from './routes/operations.js';
import { policyRoutes } from './routes/policies.js';
import { pubKeyRoutes } from './routes/pubkeys.js';
import { tenantRoutes } from './routes/tenants.js';
import { topicRoutes } from './routes/topics.js';

export const routes: readonly ApiRoute[] = [
  definePublicRoute({
    method: 'GET',
    path: '/v1/health',
    operationId: 'getHealth',
    summary: 'Liveness of the API (no authentication).',
    response: HealthSchema,
    run: async () => ({ status: 'ok' as const }),
  }),
  definePublicRoute({
    method: 'GET',
    path: '/v1/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This API, as an OpenAPI 3.1 document (no authentication).',
    response: OpenApiDocumentSchema,
    run: async () => openApiDocument(routes),
  }),
  ...clientRoutes,
  ...pubKeyRoutes,
  ...topicRoutes,
  ...linkRoutes,
  ...keyRoutes,
  ...apiKeyRoutes,
  ...eventRoutes,
  ...operationRoutes,
  ...policyRoutes,
  ...enrolmentRoutes,
  ...claimRoutes,
  defineRoute({
    method: 'GET',
    path: '/v1/stats',
    scope: 'read-only',
    operationId: 'getStats',
    summary: 'How many clients and topics the tenant has.',
    response: StatsSchema,
    run: async (deps, caller) => {
      const [clients, topics] = await Promise.all([countClients(deps, caller), countTopics(deps, caller)]);
      return { clients, topics };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/limits',
    scope: 'read-only',
    operationId: 'getLimits',
    summary: "The tenant's quotas (clients, topics, policies) and what it holds against them.",
    response: TenantLimitsSchema,
    run: (deps, caller) => tenantLimitsView(deps, caller.tenantId),
  }),
  ...tenantRoutes,
  ...factoryRoutes,
];
