/**
 * One topic of a resync: the client is sent the topic's current key unless it holds it already, without waiting for
 * the topic's lease, and never at a second that could roll a device back (see delivery/keySeconds.ts).
 *
 * - `held`: the link shows the device confirmed the current key version (its receipt): nothing to send.
 * - A live lease (another change under way): `covered` when it is a topic operation that will send this client the
 *   topic's key anyway (its key installed, its delivery to the client still to be sent or not written yet), else
 *   `busy` (the resync comes back to it shortly; a revocation of this very client is never covered: it must not get
 *   the new key).
 * - No lease, a key sent within the last five minutes, no old key to evict: the key goes out again at the second it
 *   was last sent at (`keySecond`, read with the key in one record). The same content at the same second cannot roll
 *   anything back, and every later key of the topic goes out at a later second: no lease, no write.
 * - Otherwise (the key's second too old for E4's ten-minute window, or an eviction first, see topics/sendTopicKey.ts)
 *   new seconds are needed: the lease is taken once, without waiting (held by another: `busy`), the record and link
 *   read again under it, the commands sent at new seconds, the last one written back with the lease's release.
 *
 * Every SetTopicKey sent is returned with its hash and the key version it carries, for the operation's CommandRefs.
 */
import { cmdSetTopicKey, KEY_LEN } from '../../../e4/index.js';
import type { C2Deps } from '../../C2Deps.js';
import type { CommandSender } from '../../delivery/CommandSender.js';
import { clockSecond } from '../../delivery/keySeconds.js';
import { C2Error, C2ErrorCode } from '../../errors.js';
import type { ClientRecord, LinkRecord, TopicRecord } from '../../ports.js';
import { randomBytesOf } from '../../randomBytesOf.js';
import { openTopicKey } from '../../topics/openTopicKey.js';
import { TOPIC_LEASE_MS, TopicTurn } from '../../topics/withTopicLease.js';
import { commandHashOf } from '../commandHashOf.js';
import { inLinkPass } from '../linkPass.js';

/** A key sent this many seconds ago or less is sent again at its own second (E4 devices accept ten minutes). */
export const FRESH_SECONDS = 300;

export interface SentKey {
  readonly topic: string;
  readonly keyVersion: number;
  /** The hash of the SetTopicKey command published (what the device's receipt names). */
  readonly commandHash: Uint8Array;
}

export type TopicOutcome =
  | { readonly result: 'held' | 'covered' | 'gone' }
  | { readonly result: 'busy' }
  | { readonly result: 'failed'; readonly error: string }
  | { readonly result: 'sent'; readonly sent: SentKey };

export async function resendTopicKey(
  deps: C2Deps,
  sender: CommandSender,
  owner: string,
  client: ClientRecord,
  link: LinkRecord,
): Promise<TopicOutcome> {
  const { tenantId } = client;
  const record = await deps.store.getTopic(tenantId, link.topic);
  if (!record) return { result: 'gone' };
  if ((link.confirmed?.keyVersion ?? 0) >= record.keyVersion) return { result: 'held' };
  if (record.lease && record.lease.until > deps.clock() && record.lease.owner !== owner) {
    return (await coveredBy(deps, record, record.lease.owner, client.name))
      ? { result: 'covered' }
      : { result: 'busy' };
  }
  // Read after the topic: a client taken off since the link was listed gets nothing (see the file's comment).
  if (!(await deps.store.getLink(tenantId, link.topic, client.name))) return { result: 'gone' };
  const evict = mayHoldRevoked(record, link);
  const fresh = record.keySecond !== undefined && clockSecond(deps) - record.keySecond < FRESH_SECONDS;
  if (fresh && !evict) return send(deps, sender, client, record, { second: record.keySecond! });
  return underLease(deps, sender, owner, client, link);
}

/**
 * Whether the device may still hold a key from before the topic's latest revocation: then it is first sent a
 * throw-away key, so that the current one does not keep that older key as its previous key (see sendTopicKey.ts).
 */
const mayHoldRevoked = (record: TopicRecord, link: LinkRecord): boolean =>
  record.revokedVersion !== undefined && (link.confirmed?.keyVersion ?? 0) < record.revokedVersion;

/** The lease taken once (no wait), the topic read again, the key sent at new seconds, the lease given back. */
async function underLease(
  deps: C2Deps,
  sender: CommandSender,
  owner: string,
  client: ClientRecord,
  link: LinkRecord,
): Promise<TopicOutcome> {
  const { tenantId } = client;
  const now = deps.clock();
  try {
    await deps.store.acquireTopicLease(tenantId, link.topic, { owner, now, until: now + TOPIC_LEASE_MS });
  } catch (error) {
    if (!(error instanceof C2Error)) throw error;
    if (error.code === C2ErrorCode.ConcurrentUpdate) return { result: 'busy' };
    if (error.code === C2ErrorCode.NotFound) return { result: 'gone' };
    throw error;
  }
  let turn: TopicTurn | undefined;
  try {
    const record = await deps.store.getTopic(tenantId, link.topic);
    if (!record || !(await deps.store.getLink(tenantId, link.topic, client.name))) return { result: 'gone' };
    turn = new TopicTurn(deps, record);
    if (!mayHoldRevoked(record, link)) return await send(deps, sender, client, record, { second: await turn.same() });
    const [burnSecond, second] = (await turn.next(2)) as [number, number];
    return await send(deps, sender, client, record, { second, burnSecond });
  } finally {
    const used = turn?.lastSecond;
    const changed = used !== undefined && used !== turn?.record.keySecond;
    await deps.store.releaseTopicLease(tenantId, link.topic, owner, changed ? used : undefined);
  }
}

/**
 * Whether the change holding the lease (`owner`) will send the client the topic's key: a topic operation
 * (`op-<id>`, see topicOperation.ts) that installed its key in the topic (`record`) and has not started sending, or
 * whose delivery to the client is still `pending` (in its first pass, a delivery without a record is: linkPass.ts),
 * other than a revocation of that client. One still `pending` without its key installed may fail to start (its topic
 * or link gone, the key changed under it): the device would miss the key until the next rotation, so it is not.
 */
async function coveredBy(deps: C2Deps, record: TopicRecord, owner: string, clientName: string): Promise<boolean> {
  if (!owner.startsWith('op-')) return false;
  const operation = await deps.operations.getOperation(record.tenantId, owner.slice(3));
  if (!operation || operation.finishedAt !== undefined) return false;
  if (operation.kind !== 'topic.rotate' && operation.kind !== 'link.delete') return false;
  if (operation.target.link?.client === clientName) return false;
  if (operation.status === 'pending') return record.keyOperationId === operation.id;
  const delivery = await deps.operations.getDelivery(record.tenantId, operation.id, clientName);
  return delivery ? delivery.state === 'pending' : inLinkPass(operation.cursor);
}

/** SetTopicKey (after a throw-away key at `burnSecond`, when given) to the client; what became of it. */
async function send(
  deps: C2Deps,
  sender: CommandSender,
  client: ClientRecord,
  record: TopicRecord,
  seconds: { second: number; burnSecond?: number },
): Promise<TopicOutcome> {
  const key = await openTopicKey(deps, record);
  const command = cmdSetTopicKey(key, record.topic);
  key.fill(0);
  try {
    if (seconds.burnSecond !== undefined) {
      const burnKey = randomBytesOf(deps)(KEY_LEN);
      const burn = cmdSetTopicKey(burnKey, record.topic);
      burnKey.fill(0);
      const first = await sender
        .send([{ client, command: burn }], { second: seconds.burnSecond })
        .finally(() => burn.fill(0));
      if (first.failed.length > 0) return { result: 'failed', error: first.failed[0]!.error };
    }
    let commandHash: Uint8Array | undefined;
    const report = await sender.send([{ client, command }], {
      second: seconds.second,
      beforePublish: async ([out]) => {
        commandHash = out && commandHashOf(out.payload);
      },
    });
    if (report.failed.length > 0 || !commandHash) {
      return { result: 'failed', error: report.failed[0]?.error ?? 'not sent' };
    }
    return { result: 'sent', sent: { topic: record.topic, keyVersion: record.keyVersion, commandHash } };
  } finally {
    command.fill(0);
  }
}
