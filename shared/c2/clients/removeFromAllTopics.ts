/**
 * Takes a client off every topic it is on (deleting or resetting it), re-keying each topic for the clients that
 * remain unless `rekey` is false. Links of a topic already deleted are simply dropped. Topics are taken one at a
 * time from the first page, so a run cut short is finished by running it again.
 */
import type { C2Deps } from '../C2Deps.js';
import type { CommandSender } from '../delivery/CommandSender.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { unlinkWithLease } from '../links/unlinkClient.js';
import type { ClientRecord } from '../ports.js';

export async function removeFromAllTopics(
  deps: C2Deps,
  sender: CommandSender,
  client: ClientRecord,
  rekey: boolean,
): Promise<string[]> {
  const { tenantId, name } = client;
  const removed: string[] = [];
  for (;;) {
    const { items } = await deps.store.listTopicsOfClient(tenantId, name, { limit: 100 });
    if (items.length === 0) return removed;
    for (const topic of items) {
      try {
        await unlinkWithLease(deps, sender, { tenantId, topic, name, client, rekey, notify: false });
      } catch (error) {
        if (!(error instanceof C2Error && error.code === C2ErrorCode.NotFound)) throw error;
        await deps.store.deleteLink(tenantId, topic, name);
      }
      removed.push(topic);
    }
  }
}
