/**
 * The tenant's event log, newest first, filtered by actor, action (or an action prefix such as `policy.`), target,
 * result and time window. A filtered page may be short while a cursor says more may follow.
 */
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { mapPage } from '../pages.js';
import type { Caller, EventFilter, EventRecord, Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';

export type EventView = Omit<EventRecord, 'tenantId'>;

/** What a caller filters the log by: every field given must match. `from` included, `to` left out (ISO times). */
export type EventQuery = Omit<EventFilter, 'oldestFirst'>;

export async function listEvents(
  deps: C2Deps,
  caller: Caller,
  query: EventQuery,
  page: PageRequest,
): Promise<Page<EventView>> {
  const result = await deps.store.listEvents(caller.tenantId, eventFilter(query), validatePageRequest(page));
  return mapPage(result, eventView);
}

export function eventView({ tenantId: _, ...event }: EventRecord): EventView {
  return event;
}

/** The store's filter of a query: times as the log writes them (`toISOString`), a window that does not end early. */
export function eventFilter(query: EventQuery): EventFilter {
  const from = query.from === undefined ? undefined : instant(query.from, 'from');
  const to = query.to === undefined ? undefined : instant(query.to, 'to');
  if (from !== undefined && to !== undefined && to < from) {
    throw new C2Error(C2ErrorCode.InvalidInput, '"to" must not be before "from"');
  }
  return { ...query, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

function instant(value: string, field: string): string {
  const time = Date.parse(value);
  if (!Number.isFinite(time)) throw new C2Error(C2ErrorCode.InvalidInput, `"${field}" must be an ISO time`);
  return new Date(time).toISOString();
}
