/**
 * Public-key mode, by hand: send a client another client's public key, make it forget one, or all. Clients that
 * share a topic get each other's keys without these. Both clients must be public-key clients (409 WRONG_MODE).
 */

import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import type { Caller } from '../../../shared/c2/ports.js';
import { removePubKey, resetPubKeys, sendPubKey } from '../../../shared/c2/pubkeys/managePubKeys.js';
import { clientNameOfId } from '../../../shared/c2/resolveIds.js';
import { ClientIdParamsSchema } from '../../../shared/c2/schemas/clients.js';
import { DeliveryOnlySchema } from '../../../shared/c2/schemas/delivery.js';
import { PubKeyParamsSchema } from '../../../shared/c2/schemas/pubkeys.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

async function namesOf(deps: C2Deps, caller: Caller, params: { clientId: string; sourceClientId: string }) {
  const target = await clientNameOfId(deps, caller, params.clientId);
  const source = await clientNameOfId(deps, caller, params.sourceClientId);
  return { target, source };
}

export const pubKeyRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'PUT',
    path: '/v1/clients/{clientId}/pubkeys/{sourceClientId}',
    scope: 'operator',
    operationId: 'sendClientPubKey',
    summary:
      'Public-key mode: send the device the public key of the source client (SetPubKey), so that it accepts the ' +
      "source's signed messages. Both must be public-key clients (409 WRONG_MODE).",
    params: PubKeyParamsSchema,
    response: DeliveryOnlySchema,
    run: async (deps, caller, { params }) => sendPubKey(deps, caller, await namesOf(deps, caller, params)),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/clients/{clientId}/pubkeys/{sourceClientId}',
    scope: 'operator',
    operationId: 'removeClientPubKey',
    summary:
      'Public-key mode: make the device forget the public key of the source client (RemovePubKey): it no longer ' +
      "accepts the source's messages. Both must be public-key clients (409 WRONG_MODE).",
    params: PubKeyParamsSchema,
    response: DeliveryOnlySchema,
    run: async (deps, caller, { params }) => removePubKey(deps, caller, await namesOf(deps, caller, params)),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/clients/{clientId}/pubkeys',
    scope: 'operator',
    operationId: 'resetClientPubKeys',
    summary:
      'Public-key mode: make the device forget every public key it holds (ResetPubKeys). A public-key client only ' +
      '(409 WRONG_MODE).',
    params: ClientIdParamsSchema,
    response: DeliveryOnlySchema,
    run: async (deps, caller, { params }) =>
      resetPubKeys(deps, caller, await clientNameOfId(deps, caller, params.clientId)),
  }),
];
