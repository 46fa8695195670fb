/**
 * A topic's deletion (`topic.delete`) carried out by the worker, so that no API request waits for a fan-out and a
 * crash anywhere leaves a visible operation that goes on. Under the topic's lease, a page of linked clients at a
 * time: RemoveTopic to each (E4's C2 told no one: the devices kept the key), in public-key mode the public keys of
 * the peers it shared only this topic with withdrawn, then their links deleted; the counts say how many devices the
 * broker took the command of (`sent`) and which it refused (`failed`). Then the topic record with its slot of the
 * tenant's quota (one write: KeyStore.deleteTopic), then the policies naming the topic (deletePoliciesNaming.ts: their ids in the event's details,
 * `policiesDeleted`; a failure there ends it `partial`).
 * Safe to repeat: the links handled are gone, and the record goes last, so the next message goes on from what is
 * left; after its time budget, or while another change holds the topic, it queues its own continuation.
 */
import { cmdRemoveTopic } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { withSender } from '../delivery/CommandSender.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { unsharePubKeys } from '../links/sharePubKeys.js';
import { deletePoliciesNaming } from '../policies/deletePoliciesNaming.js';
import type { OperationRecord } from '../ports/OperationStore.js';
import { withTopicLease } from '../topics/withTopicLease.js';
import { finishOperation } from './finishOperation.js';
import { queueAgain } from './queueAgain.js';
import { OPERATION_PAGE, stepDeadline } from './stepBudget.js';
import { BUSY_WAIT } from './topicOperation.js';
import type { WorkOptions } from './WorkOptions.js';

export async function advanceTopicDeletion(
  deps: C2Deps,
  operation: OperationRecord,
  options: WorkOptions,
): Promise<void> {
  const { tenantId, id } = operation;
  const topic = operation.target.name;
  let current = operation;
  if (current.status === 'pending') {
    try {
      const at = new Date(deps.clock()).toISOString();
      current = await deps.operations.updateOperation(
        tenantId,
        id,
        { status: 'running', updatedAt: at },
        current.revision,
      );
    } catch (error) {
      if (error instanceof C2Error && error.code === C2ErrorCode.ConcurrentUpdate) return; // another worker has it
      throw error;
    }
  }
  const deadline = stepDeadline(options);
  let deleted: boolean;
  try {
    deleted = await removeLinksThenTopic(deps, current, deadline);
  } catch (error) {
    if (!(error instanceof C2Error)) throw error;
    if (error.code === C2ErrorCode.ConcurrentUpdate) return queueAgain(deps, current, BUSY_WAIT);
    if (error.code !== C2ErrorCode.NotFound) throw error;
    deleted = true; // gone already: this operation deleted it before a crash, or another deletion did
  }
  if (!deleted) return queueAgain(deps, current);
  const policies = await deletePoliciesNaming(deps, tenantId, { topic }).then(
    (ids) => ({ details: ids.length > 0 ? { policiesDeleted: ids } : {} }),
    (error: unknown) => ({
      failure: {
        code: error instanceof C2Error ? error.code : 'INTERNAL',
        message: `the policies naming topic "${topic}" could not all be deleted: their runs fail; delete them`,
      },
    }),
  );
  const latest = (await deps.operations.getOperation(tenantId, id)) ?? current;
  await finishOperation(deps, latest, 'failure' in policies ? policies.failure : undefined, {
    ...('details' in policies ? { details: policies.details } : {}),
  });
}

/** Pages of links until none is left (true, the record deleted) or the budget is spent (false). */
function removeLinksThenTopic(deps: C2Deps, operation: OperationRecord, deadline: number): Promise<boolean> {
  const { tenantId, id } = operation;
  const topic = operation.target.name;
  return withTopicLease(deps, tenantId, topic, (turn) =>
    withSender(deps, tenantId, async (sender) => {
      const command = cmdRemoveTopic(topic);
      const [second] = await turn.next(1); // a removal: after every key of the topic sent before
      for (;;) {
        const { items } = await deps.store.listClientsOfTopic(tenantId, topic, { limit: OPERATION_PAGE });
        if (items.length === 0) break;
        if (Date.now() >= deadline) return false;
        const clients = await deps.store.getClients(tenantId, items);
        const { delivered } = await sender.send(
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
        // Each device addressed counts once: `sent` when the broker took its RemoveTopic, else `failed`.
        const delta = { total: clients.length, sent: delivered, failed: clients.length - delivered };
        await deps.operations.addToCounts(tenantId, id, delta, new Date(deps.clock()).toISOString());
      }
      // Its slot of the tenant's quota goes with it (one write): a step resumed finds it gone and gives back nothing.
      await deps.store.deleteTopic(tenantId, topic);
      return true;
    }),
  );
}
