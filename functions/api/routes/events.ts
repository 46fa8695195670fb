/** The event log of the tenant: a page at a time (newest first), or exported as JSON lines (oldest first). */
import { exportEvents } from '../../../shared/c2/events/exportEvents.js';
import { type EventQuery, listEvents } from '../../../shared/c2/events/listEvents.js';
import type { EventRecord } from '../../../shared/c2/ports.js';
import {
  EventExportQuerySchema,
  EventExportSchema,
  EventListQuerySchema,
  EventPageSchema,
} from '../../../shared/c2/schemas/events.js';
import { type ApiRoute, defineRoute } from '../defineRoute.js';

interface FilterFields {
  readonly actor?: string | undefined;
  readonly action?: string | undefined;
  readonly targetType?: EventRecord['target']['type'] | undefined;
  readonly target?: string | undefined;
  readonly result?: 'ok' | 'error' | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** The use cases' query of the route's filter fields (a target is a type and a name, both given or neither). */
function eventQuery({ actor, action, targetType, target, result, from, to }: FilterFields): EventQuery {
  return {
    ...(actor === undefined ? {} : { actor }),
    ...(action === undefined ? {} : { action }),
    ...(targetType === undefined || target === undefined ? {} : { target: { type: targetType, name: target } }),
    ...(result === undefined ? {} : { result }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}

export const eventRoutes: readonly ApiRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/v1/events',
    scope: 'read-only',
    operationId: 'listEvents',
    summary:
      'The event log, newest first: who changed what, when, with what result and what reached the devices ' +
      '(never keys); filtered by actor, action (or an action prefix ending in "."), target, result and time ' +
      'window. A filtered page may be short while a cursor says more may follow.',
    query: EventListQuerySchema,
    response: EventPageSchema,
    run: (deps, caller, { query }) => {
      const { limit, cursor } = query;
      return listEvents(deps, caller, eventQuery(query), { limit, ...(cursor === undefined ? {} : { cursor }) });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/events/export',
    scope: 'read-only',
    operationId: 'exportEvents',
    summary:
      'The event log as JSON lines (application/x-ndjson), oldest first, with the filters of the list: one event ' +
      'per line, at most 10,000 lines (and about 4 MB) per response. When more remain, a `Link: <...>; ' +
      'rel="next"` header gives the same export from where this one stopped; no such header: the export is whole.',
    query: EventExportQuerySchema,
    response: EventExportSchema,
    jsonLines: true,
    run: async (deps, caller, { query }) => {
      const { cursor } = query;
      const { events, cursor: next } = await exportEvents(
        deps,
        caller,
        eventQuery(query),
        cursor === undefined ? {} : { cursor },
      );
      return { lines: [...events], ...(next === undefined ? {} : { next }) };
    },
  }),
];
