/**
 * The client routes: enrol, list, read, delete, reset, broker credentials, new identity key, resync, and the topics of a client. A
 * client is addressed by its id (`{clientId}`, the `id` of its view), resolved to its name, then the use case runs.
 */
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { createClients, MAX_BATCH_CLIENTS, MAX_BATCH_PASSWORDS } from '../../../shared/c2/clients/createClients.js';
import { deleteClient, resetClient } from '../../../shared/c2/clients/deleteClient.js';
import { reissueMqttCredentials } from '../../../shared/c2/clients/mqttCredentials.js';
import { newClientKey } from '../../../shared/c2/clients/newClientKey.js';
import { findClients, getClient, listClients } from '../../../shared/c2/clients/readClients.js';
import { resyncClient } from '../../../shared/c2/clients/resyncClient.js';
import { countTopicsOfClient, listTopicsOfClient } from '../../../shared/c2/links/readLinks.js';
import { operationView } from '../../../shared/c2/operations/OperationView.js';
import { lookupPage, mapPage } from '../../../shared/c2/pages.js';
import type { Caller } from '../../../shared/c2/ports.js';
import { clientNameOfId } from '../../../shared/c2/resolveIds.js';
import {
  ClientBatchResultSchema,
  ClientDetailSchema,
  ClientIdParamsSchema,
  ClientListQuerySchema,
  ClientOperationStartedSchema,
  ClientPageSchema,
  CreateClientBodySchema,
  CreateClientsBodySchema,
  CreatedClientSchema,
  MqttCredentialsSchema,
  NewIdentityKeySchema,
  ResyncStartedSchema,
} from '../../../shared/c2/schemas/clients.js';
import { PageQuerySchema, RekeyQuerySchema } from '../../../shared/c2/schemas/common.js';
import { TopicsOfClientPageSchema } from '../../../shared/c2/schemas/links.js';
import { bytesToHex, hashTopic, toBase64 } from '../../../shared/e4/index.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

/** A deletion or reset started, answered with its operation's view. */
async function clientOperation(
  deps: C2Deps,
  caller: Caller,
  request: { params: { clientId: string }; query: { rekey: boolean }; idempotencyKey?: string },
  start: typeof deleteClient,
) {
  const { idempotencyKey } = request;
  const name = await clientNameOfId(deps, caller, request.params.clientId);
  const started = await start(
    deps,
    caller,
    { name, rekey: request.query.rekey },
    idempotencyKey === undefined ? {} : { idempotencyKey },
  );
  const { operation, created: _created, ...rest } = started;
  return { ...rest, operation: operationView(operation) };
}

export const clientRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/clients',
    scope: 'operator',
    operationId: 'createClient',
    summary:
      'Enrol a client from its key, a password, a generated key (returned once) or its Ed25519 public key; with ' +
      'provisionDevice (AWS deployment), also its IoT thing and certificate (private key returned once).',
    status: 201,
    body: CreateClientBodySchema,
    response: CreatedClientSchema,
    run: async (deps, caller, { body }) => {
      const { client, key, device, mqtt } = await createClient(deps, caller, body);
      return {
        client,
        ...(key ? { key: toBase64(key) } : {}),
        ...(device ? { device } : {}),
        ...(mqtt ? { mqtt } : {}),
      };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/clients/batch',
    scope: 'operator',
    operationId: 'createClients',
    summary:
      `Enrol up to ${MAX_BATCH_CLIENTS} clients (items as for POST /v1/clients, at most ${MAX_BATCH_PASSWORDS} with a ` +
      'password), a result per item: created, exists (the same client with the same mode and key, compared: ' +
      'nothing changed, so that a batch is run again safely), exists_unverified (a generated key asked for and a ' +
      'symmetric client of that name held: nothing changed, and nothing says it holds a key the caller has) or ' +
      'failed (with its error; ALREADY_EXISTS for the name held with another key or mode). 200 whatever the items; ' +
      '400 for a malformed item or a name given twice (nothing created).',
    body: CreateClientsBodySchema,
    response: ClientBatchResultSchema,
    run: async (deps, caller, { body }) => {
      const { results, counts } = await createClients(deps, caller, body.clients);
      return {
        counts,
        results: results.map((result) => {
          if (result.status !== 'created') return result;
          const { key, ...rest } = result;
          return { ...rest, ...(key ? { key: toBase64(key) } : {}) };
        }),
      };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/clients',
    scope: 'read-only',
    operationId: 'listClients',
    summary:
      'Clients in id order (the hex of their E4 ids), a page at a time; with name, the client of that name (a page ' +
      'of zero or one); with namePrefix, those whose name starts with it (a page may be short: follow the cursor).',
    query: ClientListQuerySchema,
    response: ClientPageSchema,
    run: (deps, caller, { query }) => {
      if (query.name !== undefined) return lookupPage(() => getClient(deps, caller, query.name!));
      if (query.namePrefix !== undefined) return findClients(deps, caller, query.namePrefix, query);
      return listClients(deps, caller, query);
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/clients/{clientId}',
    scope: 'read-only',
    operationId: 'getClient',
    summary: 'One client (never its key), with the number of topics it is on.',
    params: ClientIdParamsSchema,
    response: ClientDetailSchema,
    run: async (deps, caller, { params }) => {
      const name = await clientNameOfId(deps, caller, params.clientId);
      const [client, topicCount] = await Promise.all([
        getClient(deps, caller, name),
        countTopicsOfClient(deps, caller, name),
      ]);
      return { ...client, topicCount };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/clients/{clientId}',
    scope: 'operator',
    operationId: 'deleteClient',
    summary:
      'Remove a client, as an operation (202; follow it at /v1/operations/{id}, its steps at ' +
      '/v1/operations?parent={id}): it is taken off every topic and, unless rekey=false, each topic is re-keyed for ' +
      'the clients that stay (a link.delete operation per topic); the device is sent ResetTopics (and ResetPubKeys ' +
      'in public-key mode), its IoT thing deprovisioned, then the record deleted. 404 for an unknown client.',
    startsOperation: true,
    params: ClientIdParamsSchema,
    query: RekeyQuerySchema,
    response: ClientOperationStartedSchema,
    run: async (deps, caller, request) => clientOperation(deps, caller, request, deleteClient),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/clients/{clientId}/reset',
    scope: 'operator',
    operationId: 'resetClient',
    summary:
      'Reset a client, as an operation (202): as a deletion (off every topic, each re-keyed for the others unless ' +
      'rekey=false; ResetTopics and, in public-key mode, ResetPubKeys sent to the device), but the client stays ' +
      'enrolled with its identity key.',
    startsOperation: true,
    params: ClientIdParamsSchema,
    query: RekeyQuerySchema,
    response: ClientOperationStartedSchema,
    run: async (deps, caller, request) => clientOperation(deps, caller, request, resetClient),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/clients/{clientId}/mqtt-credentials',
    scope: 'operator',
    operationId: 'newClientMqttCredentials',
    summary:
      "Issue the device new credentials for local mode's embedded broker (the password shown this once; the " +
      'previous one stops working at its next connection). 400 on AWS, where devices connect with certificates.',
    params: ClientIdParamsSchema,
    response: MqttCredentialsSchema,
    run: async (deps, caller, { params }) =>
      reissueMqttCredentials(deps, caller, await clientNameOfId(deps, caller, params.clientId)),
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/clients/{clientId}/identity-key',
    scope: 'operator',
    operationId: 'newClientIdentityKey',
    summary:
      'Give the client a new identity key, as an operation (202; follow it at /v1/operations/{id}): the key kept ' +
      'pending (pendingKeyVersion on the client), sent in SetIDKey protected with its current key, and in force ' +
      '(keyVersion + 1) only once the broker took the command (else the operation ends partial and the key stays ' +
      "pending: asking again sends the same key). Then the client's topic keys are sent again under it (a " +
      'client.resync operation). Public-key mode: the device gets a new Ed25519 private key and its topic peers the ' +
      'new public key. The key is never in the response. With an Idempotency-Key, a retry answers with the ' +
      'operation the first request started.',
    startsOperation: true,
    params: ClientIdParamsSchema,
    response: NewIdentityKeySchema,
    run: async (deps, caller, { params, idempotencyKey }) => {
      const name = await clientNameOfId(deps, caller, params.clientId);
      const started = await newClientKey(deps, caller, name, idempotencyKey === undefined ? {} : { idempotencyKey });
      return { client: started.client, operation: operationView(started.operation) };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/clients/{clientId}/resync',
    scope: 'operator',
    operationId: 'resyncClient',
    summary:
      'Resync the device, as an operation (202; follow it at /v1/operations/{id}): the current key of each topic it ' +
      'has not confirmed holding (SetTopicKey; every topic for a device that sends no receipts) and, in public-key ' +
      "mode, its topic peers' public keys, freshly timestamped: for a device offline longer than the 10 minutes a " +
      'command stays valid, or that lost its state. Devices coming back online are resynced without asking. With ' +
      'an Idempotency-Key, a retry answers with the operation the first request started.',
    startsOperation: true,
    params: ClientIdParamsSchema,
    response: ResyncStartedSchema,
    run: async (deps, caller, { params, idempotencyKey }) => {
      const name = await clientNameOfId(deps, caller, params.clientId);
      const started = await resyncClient(deps, caller, name, idempotencyKey === undefined ? {} : { idempotencyKey });
      return { client: name, operation: operationView(started.operation) };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/clients/{clientId}/topics',
    scope: 'read-only',
    operationId: 'listTopicsOfClient',
    summary:
      'The topics the client is on, in hash order, a page at a time: each with the hash that addresses it, its ' +
      'current key version and the one the device confirmed holding (behind when lower).',
    params: ClientIdParamsSchema,
    query: PageQuerySchema,
    response: TopicsOfClientPageSchema,
    run: async (deps, caller, { params, query }) => {
      const name = await clientNameOfId(deps, caller, params.clientId);
      const page = await listTopicsOfClient(deps, caller, name, query);
      return mapPage(page, (item) => ({ ...item, hash: bytesToHex(hashTopic(item.topic)) }));
    },
  }),
];
