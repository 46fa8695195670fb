/** The topic key version a client's link records as confirmed (kept on the client's side: listLinksOfClient). */
import type { KeyStore, LinkConfirmation } from '../../shared/c2/ports.js';

export async function linkConfirmed(
  store: KeyStore,
  tenantId: string,
  topic: string,
  clientName: string,
): Promise<LinkConfirmation | undefined> {
  const { items } = await store.listLinksOfClient(tenantId, clientName, { limit: 100 });
  return items.find((link) => link.topic === topic)?.confirmed;
}
