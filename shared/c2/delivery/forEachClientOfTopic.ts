/**
 * Walks the clients linked to a topic, a page of records at a time (names from the link items, records read in
 * batches). A link whose client record is gone is skipped. The next page is read while the current one is handled.
 */
import type { C2Deps } from '../C2Deps.js';
import type { ClientRecord } from '../ports.js';

const PAGE = 100;

export async function forEachClientOfTopic(
  deps: C2Deps,
  tenantId: string,
  topic: string,
  handle: (clients: ClientRecord[]) => Promise<void>,
): Promise<void> {
  const readPage = async (cursor: string | undefined) => {
    const page = await deps.store.listClientsOfTopic(tenantId, topic, { limit: PAGE, ...(cursor ? { cursor } : {}) });
    return { clients: await deps.store.getClients(tenantId, page.items), cursor: page.cursor };
  };
  let current = await readPage(undefined);
  for (;;) {
    const next = current.cursor === undefined ? undefined : readPage(current.cursor);
    // A failed read of the next page must not go unhandled while this page is handled.
    next?.catch(() => {});
    await handle(current.clients);
    if (!next) return;
    current = await next;
  }
}
