/**
 * Sends a client the current key of every topic it is on (and, in public-key mode, the public keys of the clients
 * it shares them with), with fresh timestamps. For a device that was offline longer than the 10 minutes a command
 * stays valid (E4 devices reject older commands, so a queued SetTopicKey is refused), or that lost its state: local
 * mode calls it when a device subscribes to its control topic; the API exposes it.
 */
import type { C2Deps } from '../C2Deps.js';
import { type CommandSender, withSender } from '../delivery/CommandSender.js';
import type { DeliveryReport } from '../delivery/DeliveryReport.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import { sharePubKeys } from '../links/sharePubKeys.js';
import { eachPage } from '../pages.js';
import type { Caller, ClientRecord } from '../ports.js';
import { sendTopicKey } from '../topics/sendTopicKey.js';
import { withTopicLease } from '../topics/withTopicLease.js';
import { requireClient } from './requireClient.js';
import { validateClientName } from './validateClientName.js';

/**
 * Sends the client the current key of each of its topics, each under the topic's lease and only if the client is
 * still linked (a topic changing meanwhile waits, or is skipped once the client left it: a revoked device never gets
 * a key minted after its removal). Returns how many topics were sent.
 */
export async function resendTopicKeys(deps: C2Deps, sender: CommandSender, client: ClientRecord): Promise<number> {
  const { tenantId, name } = client;
  let topics = 0;
  for await (const page of eachPage((request) => deps.store.listTopicsOfClient(tenantId, name, request))) {
    for (const topic of page) {
      const sent = await withTopicLease(deps, tenantId, topic, async (turn) => {
        if (!(await deps.store.getLink(tenantId, topic, name))) return false;
        await sendTopicKey(deps, sender, turn, client, { mayHoldOld: true });
        await sharePubKeys(deps, sender, client, topic);
        return true;
      }).catch((error: unknown) => {
        if (error instanceof C2Error && error.code === C2ErrorCode.NotFound) return false; // the topic went
        throw error;
      });
      if (sent) topics++;
    }
  }
  return topics;
}

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
      const topics = await resendTopicKeys(deps, sender, client);
      const delivery = sender.report();
      return { value: { client: name, topics, delivery }, details: { topics, delivery } };
    }),
  );
}
