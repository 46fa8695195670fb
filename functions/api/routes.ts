/**
 * The route table of the C2's HTTP API. A route is a few lines: method, path, schemas, status, summary and a `run`
 * that calls one use case (see defineRoute.ts). Parsing, authentication, errors and the OpenAPI document follow
 * from the table.
 */

import { createClient } from '../../shared/c2/clients/createClient.js';
import { countClients, getClient, listClients } from '../../shared/c2/clients/readClients.js';
import {
  ClientPageSchema,
  ClientParamsSchema,
  ClientViewSchema,
  CreateClientBodySchema,
  CreatedClientSchema,
} from '../../shared/c2/schemas/clients.js';
import { PageQuerySchema } from '../../shared/c2/schemas/common.js';
import { HealthSchema, OpenApiDocumentSchema, StatsSchema } from '../../shared/c2/schemas/system.js';
import {
  CreateTopicBodySchema,
  TopicPageSchema,
  TopicParamsSchema,
  TopicViewSchema,
} from '../../shared/c2/schemas/topics.js';
import { createTopic } from '../../shared/c2/topics/createTopic.js';
import { countTopics, getTopic, listTopics } from '../../shared/c2/topics/readTopics.js';
import { toBase64 } from '../../shared/e4/index.js';
import { type ApiRoute, definePublicRoute, defineRoute } from './defineRoute.js';
import { openApiDocument } from './openApiDocument.js';

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

  defineRoute({
    method: 'POST',
    path: '/v1/clients',
    operationId: 'createClient',
    summary: 'Enrol a client from its key, a password, a generated key (returned once) or its Ed25519 public key.',
    status: 201,
    body: CreateClientBodySchema,
    response: CreatedClientSchema,
    run: async (deps, caller, { body }) => {
      const { client, key } = await createClient(deps, caller, body);
      return { client, ...(key ? { key: toBase64(key) } : {}) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/clients',
    operationId: 'listClients',
    summary: 'Clients in name order, a page at a time.',
    query: PageQuerySchema,
    response: ClientPageSchema,
    run: (deps, caller, { query }) => listClients(deps, caller, query),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/clients/{name}',
    operationId: 'getClient',
    summary: 'One client (never its key).',
    params: ClientParamsSchema,
    response: ClientViewSchema,
    run: (deps, caller, { params }) => getClient(deps, caller, params.name),
  }),

  defineRoute({
    method: 'POST',
    path: '/v1/topics',
    operationId: 'createTopic',
    summary: 'Create a topic with a new random key.',
    status: 201,
    body: CreateTopicBodySchema,
    response: TopicViewSchema,
    run: (deps, caller, { body }) => createTopic(deps, caller, body),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/topics',
    operationId: 'listTopics',
    summary: 'Topics in name order, a page at a time.',
    query: PageQuerySchema,
    response: TopicPageSchema,
    run: (deps, caller, { query }) => listTopics(deps, caller, query),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/topics/{topic}',
    operationId: 'getTopic',
    summary: 'One topic (never its key). A topic with "/" is percent-encoded in the path: /v1/topics/a%2Fb.',
    params: TopicParamsSchema,
    response: TopicViewSchema,
    run: (deps, caller, { params }) => getTopic(deps, caller, params.topic),
  }),

  defineRoute({
    method: 'GET',
    path: '/v1/stats',
    operationId: 'getStats',
    summary: 'How many clients and topics the tenant has.',
    response: StatsSchema,
    run: async (deps, caller) => {
      const [clients, topics] = await Promise.all([countClients(deps, caller), countTopics(deps, caller)]);
      return { clients, topics };
    },
  }),
];
