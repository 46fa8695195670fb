/**
 * A client's topic keys sent again. `resyncClient` starts a resync operation (for a device that was offline longer
 * than the 10 minutes a command stays valid, or that lost its state: the API, and a device's return, see
 * acceptReturn.ts); `resendTopicKeys` sends them all at once under each topic's lease, for a change that gave the
 * client a new identity key (newClientKey.ts).
 */
import type { C2Deps } from '../C2Deps.js';
import type { CommandSender } from '../delivery/CommandSender.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { refusalAudited } from '../events/audited.js';
import { sharePubKeys } from '../links/sharePubKeys.js';
import { type StartedOperation, startOperation } from '../operations/startOperation.js';
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

/**
 * Starts a resync of the client, as an operation (see operations/resyncOperation.ts): recorded, then carried out by
 * the worker, which sends the device the current key of each of its topics that it has not confirmed holding (and,
 * in public-key mode, its peers' public keys). NOT_FOUND for an unknown client, before anything is recorded.
 */
export async function resyncClient(
  deps: C2Deps,
  caller: Caller,
  nameInput: string,
  options: { readonly idempotencyKey?: string } = {},
): Promise<StartedOperation> {
  const name = validateClientName(nameInput);
  const target = { type: 'client', name } as const;
  return refusalAudited(deps, caller, 'client.resync', target, async () => {
    await requireClient(deps, caller.tenantId, name);
    return startOperation(deps, caller, {
      kind: 'client.resync',
      target,
      mintsKey: false,
      ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
    });
  });
}
