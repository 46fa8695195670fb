/**
 * Deletes a topic: every linked client is told to forget its key (RemoveTopic; E4's C2 told no one) and, in
 * public-key mode, the public keys of the clients it shared only this topic with; the links go,
 * then the topic record. Each page of clients is notified before its links are deleted, and the record goes last,
 * so a deletion cut short is finished by calling it again. The policies naming the topic go with it
 * (deletePoliciesNaming.ts; those it could not delete are named in the event's details, their runs fail visibly).
 */
import { cmdRemoveTopic } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { withSender } from '../delivery/CommandSender.js';
import type { DeliveryReport } from '../delivery/DeliveryReport.js';
import { C2Error } from '../errors.js';
import { audited } from '../events/audited.js';
import { releaseCountedSlot } from '../limits/withCountedSlot.js';
import { unsharePubKeys } from '../links/sharePubKeys.js';
import { deletePoliciesNaming } from '../policies/deletePoliciesNaming.js';
import type { Caller } from '../ports.js';
import { validateTopic } from './validateTopic.js';
import { withTopicLease } from './withTopicLease.js';

export async function deleteTopic(
  deps: C2Deps,
  caller: Caller,
  topicName: string,
): Promise<{ topic: string; delivery: DeliveryReport }> {
  const topic = validateTopic(topicName);
  const { tenantId } = caller;
  return audited(deps, caller, 'topic.delete', { type: 'topic', name: topic }, async () => {
    const deleted = await withTopicLease(deps, tenantId, topic, (turn) =>
      withSender(deps, tenantId, async (sender) => {
        const command = cmdRemoveTopic(topic);
        const [second] = await turn.next(1); // a removal: after every key of the topic sent before
        for (;;) {
          const { items } = await deps.store.listClientsOfTopic(tenantId, topic, { limit: 100 });
          if (items.length === 0) break;
          const clients = await deps.store.getClients(tenantId, items);
          await sender.send(
            clients.map((client) => ({ client, command })),
            { second },
          );
          const byName = new Map(clients.map((client) => [client.name, client]));
          for (const name of items) {
            // Public-key mode: peers that share no other topic forget each other's keys (once per pair: the links of
            // the clients already handled are gone).
            const client = byName.get(name);
            if (client) await unsharePubKeys(deps, sender, client, topic);
            await deps.store.deleteLink(tenantId, topic, name);
          }
        }
        await deps.store.deleteTopic(tenantId, topic);
        await releaseCountedSlot(deps, tenantId, 'topics');
        return sender.report();
      }),
    );
    const policies = await deletePoliciesNaming(deps, tenantId, { topic }).then(
      (ids) => (ids.length > 0 ? { policiesDeleted: ids } : {}),
      (error: unknown) => ({ policiesNotDeleted: error instanceof C2Error ? error.code : 'INTERNAL' }),
    );
    return { value: { topic, delivery: deleted }, details: { delivery: deleted, ...policies } };
  });
}
