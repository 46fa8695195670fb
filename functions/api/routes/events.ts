/** The event log of the tenant. */
import { listEvents } from '../../../shared/c2/events/listEvents.js';
import { PageQuerySchema } from '../../../shared/c2/schemas/common.js';
import { EventPageSchema } from '../../../shared/c2/schemas/events.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

export const eventRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/events',
    scope: 'read-only',
    operationId: 'listEvents',
    summary:
      'The event log, newest first: who changed what, when, with what result and what reached the devices ' +
      '(never keys).',
    query: PageQuerySchema,
    response: EventPageSchema,
    run: (deps, caller, { query }) => listEvents(deps, caller, query),
  }),
];
