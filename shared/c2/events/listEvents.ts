import type { C2Deps } from '../C2Deps.js';
import { mapPage } from '../pages.js';
import type { Caller, EventRecord, Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';

export type EventView = Omit<EventRecord, 'tenantId'>;

/** The tenant's event log, newest first. */
export async function listEvents(deps: C2Deps, caller: Caller, page: PageRequest): Promise<Page<EventView>> {
  const result = await deps.store.listEvents(caller.tenantId, validatePageRequest(page));
  return mapPage(result, ({ tenantId: _, ...event }) => event);
}
