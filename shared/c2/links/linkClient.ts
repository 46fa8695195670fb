/**
 * Puts a client on a topic: the link is stored, then the client gets the topic key (SetTopicKey) and, in
 * public-key mode, the public keys of the topic's other clients (who get its key). Idempotent: linking again sends
 * the key again (what a device that lost its state needs; after a revocation of the topic, with a throw-away key
 * first, see sendTopicKey.ts). A topic's clients share one mode: a symmetric client cannot verify the signed frames
 * of public-key clients, so mixing them is INVALID_INPUT.
 *
 * `deliver: false` stores the link (under the topic's lease, the mode checked, the `link.create` event written)
 * without sending anything: for a client whose key is not yet to be trusted (enrolled by trust on first use), whose
 * topic keys and peers' public keys the resync after its new identity key sends (operations/identityKeyOperation.ts).
 */
import type { C2Deps } from '../C2Deps.js';
import { requireClient } from '../clients/requireClient.js';
import { validateClientName } from '../clients/validateClientName.js';
import { withSender } from '../delivery/CommandSender.js';
import type { DeliveryReport } from '../delivery/DeliveryReport.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited } from '../events/audited.js';
import type { Caller, ClientRecord } from '../ports.js';
import { sendTopicKey } from '../topics/sendTopicKey.js';
import { validateTopic } from '../topics/validateTopic.js';
import { withTopicLease } from '../topics/withTopicLease.js';
import { sharePubKeys } from './sharePubKeys.js';

export interface LinkInput {
  readonly topic: string;
  readonly client: string;
}

export interface LinkResult {
  readonly topic: string;
  readonly client: string;
  readonly keyVersion: number;
  readonly delivery: DeliveryReport;
}

export interface LinkOptions {
  /** Send the topic key (and public keys) now; default true. */
  readonly deliver?: boolean;
}

export async function linkClient(
  deps: C2Deps,
  caller: Caller,
  input: LinkInput,
  options: LinkOptions = {},
): Promise<LinkResult> {
  const topic = validateTopic(input?.topic);
  const name = validateClientName(input?.client);
  const { tenantId } = caller;
  return audited(deps, caller, 'link.create', { type: 'link', name: `${topic} ${name}` }, () =>
    withTopicLease(deps, tenantId, topic, (turn) =>
      withSender(deps, tenantId, async (sender) => {
        const { record } = turn;
        const client = await requireClient(deps, tenantId, name);
        await requireSameMode(deps, client, topic);
        const linkedBefore = (await deps.store.getLink(tenantId, topic, name)) !== undefined;
        await deps.store.putLink({
          tenantId,
          topic,
          clientName: name,
          createdAt: new Date(deps.clock()).toISOString(),
        });
        if (!(await deps.store.getClient(tenantId, name))) {
          // Deleted meanwhile (deleting a client does not take the topic's lease): take the link back.
          await deps.store.deleteLink(tenantId, topic, name);
          throw new C2Error(C2ErrorCode.NotFound, `no client "${name}"`);
        }
        if (options.deliver !== false) {
          await sendTopicKey(deps, sender, turn, client, { mayHoldOld: linkedBefore });
          await sharePubKeys(deps, sender, client, topic);
        }
        const delivery = sender.report();
        return {
          value: { topic, client: name, keyVersion: record.keyVersion, delivery },
          details: { keyVersion: record.keyVersion, delivery },
        };
      }),
    ),
  );
}

async function requireSameMode(deps: C2Deps, client: ClientRecord, topic: string): Promise<void> {
  const { items } = await deps.store.listClientsOfTopic(client.tenantId, topic, { limit: 2 });
  const [member] = await deps.store.getClients(
    client.tenantId,
    items.filter((n) => n !== client.name),
  );
  if (member && member.mode !== client.mode) {
    throw new C2Error(
      C2ErrorCode.InvalidInput,
      `topic "${topic}" has ${member.mode} clients; client "${client.name}" is ${client.mode}`,
    );
  }
}
