/**
 * A tenant claims a factory device by the code on its label: the device becomes its client and gets a new identity
 * key on its first connection (shared/c2/factory/claimDevice.ts).
 */
import { claimDevice } from '../../../shared/c2/factory/claimDevice.js';
import { ClaimBodySchema, ClaimedSchema } from '../../../shared/c2/schemas/factory.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

export const claimRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'POST',
    path: '/v1/claims',
    scope: 'operator',
    operationId: 'claimDevice',
    summary:
      "Claim a factory device by its code: it becomes the tenant's client (put on topics, if given), flagged to get a " +
      'new identity key as soon as it connects and subscribes (rekeyOnReturn), so that the factory key stops ' +
      'mattering. 400 INVALID_INPUT for a code with a typo (its check character does not match), 404 NOT_FOUND for ' +
      'a code that names no device (one answer for every such code), 409 CLAIM_USED for a code used already, 409 ' +
      'WRONG_MODE for a topic of clients of the other mode. A claim interrupted by a failure is finished by the same ' +
      "request again (409 ALREADY_EXISTS if a client of the device's name with another key was made meanwhile). The " +
      'answer lists the topics linked (one deleted or taken by the other mode meanwhile is left out).',
    status: 201,
    body: ClaimBodySchema,
    response: ClaimedSchema,
    run: (deps, caller, { body }) => claimDevice(deps, caller, body),
  }),
];
