/**
 * Links: put a client on a topic (it gets the key) or take it off (the others get a new key unless rekey=false); the
 * devices behind on their keys, fleet-wide.
 */
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { listDevicesBehind } from '../../../shared/c2/links/listDevicesBehind.js';
import { unlinkClient } from '../../../shared/c2/links/unlinkClient.js';
import { operationView } from '../../../shared/c2/operations/OperationView.js';
import type { Caller } from '../../../shared/c2/ports.js';
import { clientNameOfId, topicOfHash } from '../../../shared/c2/resolveIds.js';
import { PageQuerySchema, RekeyQuerySchema } from '../../../shared/c2/schemas/common.js';
import {
  DevicesBehindPageSchema,
  LinkParamsSchema,
  LinkResultSchema,
  UnlinkResultSchema,
} from '../../../shared/c2/schemas/links.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

async function endsOf(deps: C2Deps, caller: Caller, params: { topicHash: string; clientId: string }) {
  const topic = await topicOfHash(deps, caller, params.topicHash);
  const client = await clientNameOfId(deps, caller, params.clientId);
  return { topic, client };
}

export const linkRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/devices-behind',
    scope: 'read-only',
    operationId: 'listDevicesBehind',
    summary:
      'The clients that have not confirmed their current keys (a topic key newer than the version they confirmed, ' +
      'or an identity key sent and not yet confirmed), with when each was last seen and the keys pending, in client ' +
      'id order, a page at a time. A page reads up to 1,000 links, the topics they name and up to 1,000 clients ' +
      '(bounded work): it may be short, even empty, while a cursor says more may follow; a client with more links ' +
      'than a page reads may be listed again on the next page (the same id) with the rest of its topics. Devices ' +
      'that send no receipts (e4go) stay listed.',
    query: PageQuerySchema,
    response: DevicesBehindPageSchema,
    run: (deps, caller, { query }) => listDevicesBehind(deps, caller, query),
  }),
  defineRoute({
    method: 'PUT',
    path: '/v1/topics/{topicHash}/clients/{clientId}',
    scope: 'operator',
    operationId: 'linkClient',
    summary:
      'Put the client on the topic: the device is sent the topic key (SetTopicKey); in public-key mode it and the ' +
      "topic's other clients get each other's public keys. Idempotent: linking again sends the key again (for a " +
      "device that lost it). A topic's clients share one mode (400 otherwise).",
    params: LinkParamsSchema,
    response: LinkResultSchema,
    run: async (deps, caller, { params }) => linkClient(deps, caller, await endsOf(deps, caller, params)),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/topics/{topicHash}/clients/{clientId}',
    scope: 'operator',
    operationId: 'unlinkClient',
    summary:
      'Take the client off the topic. By default an operation (202; follow it at /v1/operations/{id}): the topic ' +
      're-keyed for the remaining clients (a throw-away key, then a new one: they keep neither the key the client ' +
      'knew, as a device may ignore RemoveTopic), then RemoveTopic sent to the client (and, in public-key mode, ' +
      'public keys it no longer needs withdrawn) and the link deleted. With rekey=false, done at once (200): ' +
      'RemoveTopic only, as E4 did. 404 when the client is not on the topic.',
    startsOperation: true,
    params: LinkParamsSchema,
    query: RekeyQuerySchema,
    response: UnlinkResultSchema,
    run: async (deps, caller, { params, query, idempotencyKey }) => {
      const ends = await endsOf(deps, caller, params);
      const result = await unlinkClient(
        deps,
        caller,
        { ...ends, rekey: query.rekey },
        idempotencyKey === undefined ? {} : { idempotencyKey },
      );
      const { operation, created: _created, ...rest } = result;
      return { ...rest, ...(operation ? { operation: operationView(operation) } : {}) };
    },
  }),
];
