/**
 * Walks the clients linked to a topic, a page of records at a time (names from the link items, records read in
 * batches). A link whose client record is gone is skipped. Pages are read one after the other (each needs the
 * previous cursor) while up to `inFlight` pages are being handled, so reading, protecting and publishing overlap.
 */
import type { C2Deps } from '../C2Deps.js';
import type { ClientRecord } from '../ports.js';

const PAGE = 100;

export async function forEachClientOfTopic(
  deps: C2Deps,
  tenantId: string,
  topic: string,
  handle: (clients: ClientRecord[]) => Promise<void>,
  inFlight = 4,
): Promise<void> {
  const handling = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let cursor: string | undefined;
  try {
    do {
      const page = await deps.store.listClientsOfTopic(tenantId, topic, { limit: PAGE, ...(cursor ? { cursor } : {}) });
      const clients = await deps.store.getClients(tenantId, page.items);
      cursor = page.cursor;
      const task: Promise<void> = handle(clients).then(
        () => void handling.delete(task),
        (error: unknown) => {
          handling.delete(task);
          failure ??= { error };
        },
      );
      handling.add(task);
      while (handling.size >= inFlight) await Promise.race(handling);
    } while (cursor && !failure);
  } finally {
    // Never return (or throw) while pages are still being handled: the caller wipes keys and gives the lease back.
    await Promise.allSettled(handling);
  }
  if (failure) throw failure.error;
}
