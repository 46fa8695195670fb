/**
 * Deletes a client: it is taken off every topic (each re-keyed for the clients that remain, unless `rekey` is
 * false: E4 deleted the record and told no one, so the device kept working keys), told to forget its topic keys
 * and public keys, and its record goes last (a deletion cut short is finished by calling it again).
 */
import { bytesToHex, cmdResetPubKeys, cmdResetTopics } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { checkRekey } from '../checkRekey.js';
import { withSender } from '../delivery/CommandSender.js';
import type { DeliveryReport } from '../delivery/DeliveryReport.js';
import { audited } from '../events/audited.js';
import type { Caller } from '../ports.js';
import { removeFromAllTopics } from './removeFromAllTopics.js';
import { requireClient } from './requireClient.js';
import { validateClientName } from './validateClientName.js';

export interface RemovedClient {
  readonly client: string;
  /** The topics it was taken off (re-keyed when `rekey`). */
  readonly topics: string[];
  readonly rekeyed: boolean;
  readonly delivery: DeliveryReport;
}

export async function deleteClient(
  deps: C2Deps,
  caller: Caller,
  input: { name: string; rekey?: boolean },
): Promise<RemovedClient> {
  return clearClient(deps, caller, input, 'client.delete');
}

/**
 * Resets a client: as deleting it, but the client stays enrolled (E4's ResetClient sent ResetTopics and kept the
 * links, so the C2 went on sending it the keys of later rotations).
 */
export async function resetClient(
  deps: C2Deps,
  caller: Caller,
  input: { name: string; rekey?: boolean },
): Promise<RemovedClient> {
  return clearClient(deps, caller, input, 'client.reset');
}

async function clearClient(
  deps: C2Deps,
  caller: Caller,
  input: { name: string; rekey?: boolean },
  action: 'client.delete' | 'client.reset',
): Promise<RemovedClient> {
  const name = validateClientName(input?.name);
  const rekey = checkRekey(input.rekey);
  const { tenantId } = caller;
  return audited(deps, caller, action, { type: 'client', name }, () =>
    withSender(deps, tenantId, async (sender) => {
      const client = await requireClient(deps, tenantId, name);
      const topics = await removeFromAllTopics(deps, sender, client, rekey);
      const commands = [{ client, command: cmdResetTopics() }];
      if (client.mode === 'pubkey') commands.push({ client, command: cmdResetPubKeys() });
      await sender.send(commands);
      if (action === 'client.delete') {
        // Its thing and certificates go first: a failure here leaves the record, and the deletion can be run again.
        await deps.provisioner?.deprovision(tenantId, { idHex: bytesToHex(client.id) });
        await deps.store.deleteClient(tenantId, name);
        // A link made while the client was being deleted (its record still there) is taken off too.
        topics.push(...(await removeFromAllTopics(deps, sender, client, rekey)));
      }
      const delivery = sender.report();
      return {
        value: { client: name, topics, rekeyed: rekey, delivery },
        details: { topics: topics.length, rekeyed: rekey, delivery },
      };
    }),
  );
}
