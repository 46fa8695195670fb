/**
 * The tenant's event log as an export: oldest first, with the list's filters, many pages at once up to a bound (a
 * response must stay under API Gateway's and Lambda's 6 MB); beyond it, a cursor from which the next export goes on.
 */
import type { C2Deps } from '../C2Deps.js';
import type { Caller, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';
import { type EventQuery, type EventView, eventFilter, eventView } from './listEvents.js';

/** Pages of 100 read at most by one export: 10,000 events. */
export const EXPORT_PAGES = 100;
/** No further page is read once the export holds this much JSON (a page adds at most 100 events of a few KB). */
export const EXPORT_BYTES = 4 * 1024 * 1024;

const UTF8 = new TextEncoder();

export interface EventExport {
  readonly events: readonly EventView[];
  /** Where the next export starts, when this one stopped at its bound before the end. */
  readonly cursor?: string;
}

/** Where an export stops: pages of 100 read, JSON bytes held (the API's are the constants above). */
export interface ExportBounds {
  readonly pages: number;
  readonly bytes: number;
}

export async function exportEvents(
  deps: C2Deps,
  caller: Caller,
  query: EventQuery,
  start: Pick<PageRequest, 'cursor'> = {},
  bounds: ExportBounds = { pages: EXPORT_PAGES, bytes: EXPORT_BYTES },
): Promise<EventExport> {
  const filter = { ...eventFilter(query), oldestFirst: true };
  const events: EventView[] = [];
  let cursor = validatePageRequest({ limit: 100, ...start }).cursor;
  let bytes = 0;
  for (let pages = 0; pages < bounds.pages && bytes < bounds.bytes; pages++) {
    const page = await deps.store.listEvents(caller.tenantId, filter, {
      limit: 100,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const event of page.items) {
      const view = eventView(event);
      events.push(view);
      bytes += UTF8.encode(JSON.stringify(view)).length + 1;
    }
    cursor = page.cursor;
    if (cursor === undefined) break;
  }
  return { events, ...(cursor === undefined ? {} : { cursor }) };
}
