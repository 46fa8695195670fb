/**
 * Takes a client off a topic: the link is deleted, the client is told to forget the key (RemoveTopic), public keys
 * it no longer needs are withdrawn (public-key mode), and, unless `rekey` is false, the topic's key is revoked for
 * the clients that remain (a throw-away key, then a new one: they keep neither the key the leaving client knew, see
 * rotateTopicKey.ts): E4 only sent RemoveTopic, which a hostile device ignores, keeping a key that still decrypted
 * every later message.
 */
import { cmdRemoveTopic } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { checkRekey } from '../checkRekey.js';
import { validateClientName } from '../clients/validateClientName.js';
import { type CommandSender, withSender } from '../delivery/CommandSender.js';
import type { DeliveryReport } from '../delivery/DeliveryReport.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { audited, refusalAudited } from '../events/audited.js';
import { startOperation } from '../operations/startOperation.js';
import type { OperationRecord } from '../ports/OperationStore.js';
import type { Caller, ClientRecord } from '../ports.js';
import { validateTopic } from '../topics/validateTopic.js';
import { withTopicLease } from '../topics/withTopicLease.js';
import { unsharePubKeys } from './sharePubKeys.js';

export interface UnlinkInput {
  readonly topic: string;
  readonly client: string;
  /** Rotate the topic's key for the remaining clients (default true). */
  readonly rekey?: boolean;
}

export interface UnlinkResult {
  readonly topic: string;
  readonly client: string;
  readonly rekeyed: boolean;
  /** Without a re-key: the topic's key version (unchanged) and what became of the commands sent. */
  readonly keyVersion?: number;
  readonly delivery?: DeliveryReport;
  /** With a re-key: the operation that re-keys the topic, then deletes the link (operations/topicOperation.ts). */
  readonly operation?: OperationRecord;
  /** False when an earlier request with the same idempotency key had started the operation. */
  readonly created?: boolean;
}

/**
 * With a re-key (the default), an operation: recorded before anything is sent, carried out by the worker (the
 * topic's new key to every other client, then RemoveTopic to the leaving one, its public keys withdrawn, the link
 * deleted). Without, done at once under the topic's lease.
 */
export async function unlinkClient(
  deps: C2Deps,
  caller: Caller,
  input: UnlinkInput,
  options: { readonly idempotencyKey?: string } = {},
): Promise<UnlinkResult> {
  const topic = validateTopic(input?.topic);
  const name = validateClientName(input?.client);
  const rekey = checkRekey(input.rekey);
  const { tenantId } = caller;
  const target = { type: 'link', name: `${topic} ${name}` } as const;
  if (rekey) {
    return refusalAudited(deps, caller, 'link.delete', target, async () => {
      await requireLink(deps, tenantId, topic, name);
      const started = await startOperation(deps, caller, {
        kind: 'link.delete',
        target: { ...target, link: { topic, client: name } },
        mintsKey: true,
        ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }),
      });
      return { topic, client: name, rekeyed: true, ...started };
    });
  }
  return audited(deps, caller, 'link.delete', target, () =>
    withSender(deps, tenantId, async (sender) => {
      await requireLink(deps, tenantId, topic, name);
      const client = await deps.store.getClient(tenantId, name);
      const keyVersion = await unlinkWithLease(deps, sender, { tenantId, topic, client, name, notify: true });
      const delivery = sender.report();
      return {
        value: { topic, client: name, keyVersion, rekeyed: rekey, delivery },
        details: { keyVersion, rekeyed: rekey, delivery },
      };
    }),
  );
}

async function requireLink(deps: C2Deps, tenantId: string, topic: string, name: string): Promise<void> {
  if (!(await deps.store.getLink(tenantId, topic, name))) {
    throw new C2Error(C2ErrorCode.NotFound, `client "${name}" is not on topic "${topic}"`);
  }
}

export interface UnlinkStep {
  readonly tenantId: string;
  readonly topic: string;
  readonly name: string;
  /** Absent when the client record is already gone. */
  readonly client: ClientRecord | undefined;
  /** Send RemoveTopic to the client (a caller about to send ResetTopics skips it). */
  readonly notify: boolean;
}

/**
 * One unlink without a re-key under the topic's lease (also a step of deleting or resetting a client without one,
 * operations/clientOperation.ts); the topic's key version. The link goes last: RemoveTopic, public keys withdrawn,
 * then the link deleted, so an unlink cut short by a crash is still there to be run again.
 */
export function unlinkWithLease(deps: C2Deps, sender: CommandSender, step: UnlinkStep): Promise<number> {
  const { tenantId, topic, name, client } = step;
  return withTopicLease(deps, tenantId, topic, async (turn) => {
    const keyVersion = turn.record.keyVersion;
    if (client && step.notify) {
      // After the keys the leaving client got.
      const [removal] = await turn.next(1);
      await sender.send([{ client, command: cmdRemoveTopic(topic) }], { second: removal! });
    }
    if (client) await unsharePubKeys(deps, sender, client, topic);
    await deps.store.deleteLink(tenantId, topic, name);
    return keyVersion;
  });
}
