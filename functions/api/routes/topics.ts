/**
 * The topic routes: create, list, read, rotate, delete, and the clients of a topic. A topic is addressed by its hash
 * (`{topicHash}`, the `hash` of its view), resolved to the topic, then the use case runs.
 */
import { countClientsOfTopic, listClientsOfTopic } from '../../../shared/c2/links/readLinks.js';
import { operationView } from '../../../shared/c2/operations/OperationView.js';
import { lookupPage, mapPage } from '../../../shared/c2/pages.js';
import { topicOfHash } from '../../../shared/c2/resolveIds.js';
import { PageQuerySchema } from '../../../shared/c2/schemas/common.js';
import { ClientsOfTopicPageSchema } from '../../../shared/c2/schemas/links.js';
import {
  CreateTopicBodySchema,
  DeletedTopicSchema,
  RotationStartedSchema,
  TopicDetailSchema,
  TopicHashParamsSchema,
  TopicListQuerySchema,
  TopicPageSchema,
  TopicViewSchema,
} from '../../../shared/c2/schemas/topics.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { deleteTopic } from '../../../shared/c2/topics/deleteTopic.js';
import { findTopics, getTopic, listTopics } from '../../../shared/c2/topics/readTopics.js';
import { rotateTopicKey } from '../../../shared/c2/topics/rotateTopicKey.js';
import { bytesToHex, hashIdAlias } from '../../../shared/e4/index.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

export const topicRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/topics',
    scope: 'operator',
    operationId: 'createTopic',
    summary: 'Create a topic with a new random key (no device gets it until a client is linked).',
    status: 201,
    body: CreateTopicBodySchema,
    response: TopicViewSchema,
    run: (deps, caller, { body }) => createTopic(deps, caller, body),
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/topics',
    scope: 'read-only',
    operationId: 'listTopics',
    summary:
      'Topics in hash order (the hex of their E4 hashes), a page at a time; with topic, that topic (a page of zero ' +
      'or one); with namePrefix, those that start with it (a page may be short: follow the cursor).',
    query: TopicListQuerySchema,
    response: TopicPageSchema,
    run: (deps, caller, { query }) => {
      if (query.topic !== undefined) return lookupPage(() => getTopic(deps, caller, query.topic!));
      if (query.namePrefix !== undefined) return findTopics(deps, caller, query.namePrefix, query);
      return listTopics(deps, caller, query);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/topics/{topicHash}',
    scope: 'read-only',
    operationId: 'getTopic',
    summary: 'One topic (never its key), with the number of clients on it.',
    params: TopicHashParamsSchema,
    response: TopicDetailSchema,
    run: async (deps, caller, { params }) => {
      const topic = await topicOfHash(deps, caller, params.topicHash);
      const [view, clientCount] = await Promise.all([
        getTopic(deps, caller, topic),
        countClientsOfTopic(deps, caller, topic),
      ]);
      return { ...view, clientCount };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/topics/{topicHash}',
    scope: 'operator',
    operationId: 'deleteTopic',
    summary:
      'Delete a topic, as an operation (202; follow it at /v1/operations/{id}): every linked device is sent ' +
      'RemoveTopic (it forgets the key) and, in public-key mode, loses the public keys of clients it shared only ' +
      'this topic with; the links go, then the topic, then the policies naming it. With an Idempotency-Key, a retry ' +
      'answers with the operation the first request started.',
    startsOperation: true,
    params: TopicHashParamsSchema,
    response: DeletedTopicSchema,
    run: async (deps, caller, { params, idempotencyKey }) => {
      const topic = await topicOfHash(deps, caller, params.topicHash);
      const started = await deleteTopic(deps, caller, topic, idempotencyKey === undefined ? {} : { idempotencyKey });
      return { topic: started.topic, operation: operationView(started.operation) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/topics/{topicHash}/rotate',
    scope: 'operator',
    operationId: 'rotateTopicKey',
    summary:
      'Rotate the topic key, as an operation (202; follow it at /v1/operations/{id}): a new key (keyVersion + 1) ' +
      'installed, then SetTopicKey sent to every linked client; devices keep the previous key an hour, so messages ' +
      'in flight still open. A rotation asked for while another of the topic waits to start joins it (the same ' +
      'operation). With an Idempotency-Key, a retry answers with the operation the first request started.',
    startsOperation: true,
    params: TopicHashParamsSchema,
    response: RotationStartedSchema,
    run: async (deps, caller, { params, idempotencyKey }) => {
      const topic = await topicOfHash(deps, caller, params.topicHash);
      const started = await rotateTopicKey(deps, caller, topic, idempotencyKey === undefined ? {} : { idempotencyKey });
      return { topic: started.topic, operation: operationView(started.operation) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/topics/{topicHash}/clients',
    scope: 'read-only',
    operationId: 'listClientsOfTopic',
    summary: 'The clients on the topic, in id order, each with the id that addresses it, a page at a time.',
    params: TopicHashParamsSchema,
    query: PageQuerySchema,
    response: ClientsOfTopicPageSchema,
    run: async (deps, caller, { params, query }) => {
      const topic = await topicOfHash(deps, caller, params.topicHash);
      const page = await listClientsOfTopic(deps, caller, topic, query);
      return mapPage(page, (name) => ({ name, id: bytesToHex(hashIdAlias(name)) }));
    },
  }),
];
