/**
 * Sends a client the current key of every topic it is on (and, in public-key mode, the public keys of the clients
 * it shares them with), with fresh timestamps. For a device that was offline longer than the 10 minutes a command
 * stays valid (E4 devices reject older commands, so a queued SetTopicKey is refused), or that lost its state: local
 * mode calls it when a device subscribes to its control topic; the API exposes it.
 */
import type { C2Deps } from '../C2Deps.js';
import { withSender } from '../delivery/CommandSender.js';
import type { DeliveryReport } from '../delivery/DeliveryReport.js';
import { audited } from '../events/audited.js';
import { sharePubKeys } from '../links/sharePubKeys.js';
import { eachPage } from '../pages.js';
import type { Caller } from '../ports.js';
import { sendTopicKey } from '../topics/sendTopicKey.js';
import { requireClient } from './requireClient.js';
import { validateClientName } from './validateClientName.js';

export async function resyncClient(
  deps: C2Deps,
  caller: Caller,
  nameInput: string,
): Promise<{ client: string; topics: number; delivery: DeliveryReport }> {
  const name = validateClientName(nameInput);
  const { tenantId } = caller;
  return audited(deps, caller, 'client.resync', { type: 'client', name }, () =>
    withSender(deps, tenantId, async (sender) => {
      const client = await requireClient(deps, tenantId, name);
      let topics = 0;
      for await (const page of eachPage((request) => deps.store.listTopicsOfClient(tenantId, name, request))) {
        for (const topic of page) {
          const record = await deps.store.getTopic(tenantId, topic);
          if (!record) continue;
          await sendTopicKey(deps, sender, client, record);
          await sharePubKeys(deps, sender, client, topic);
          topics++;
        }
      }
      const delivery = sender.report();
      return { value: { client: name, topics, delivery }, details: { topics, delivery } };
    }),
  );
}
