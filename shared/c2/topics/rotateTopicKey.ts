/**
 * Rotates a topic's key: a new random key (version + 1) is stored, then SetTopicKey goes to every linked client,
 * timestamped at a later second than any earlier command about the topic's key. Devices keep the previous key for
 * an hour (E4's key transition), so messages in flight still open. Runs under the topic's lease (see
 * withTopicLease.ts). If the fan-out is cut short (crash), devices that missed the new key get it when the rotation
 * is retried (a new key, sent to all).
 */
import { cmdSetTopicKey, KEY_LEN } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { type CommandSender, withSender } from '../delivery/CommandSender.js';
import type { DeliveryReport } from '../delivery/DeliveryReport.js';
import { forEachClientOfTopic } from '../delivery/forEachClientOfTopic.js';
import { audited } from '../events/audited.js';
import type { Caller, TopicRecord } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { type TopicView, topicView } from './TopicView.js';
import { validateTopic } from './validateTopic.js';
import { type TopicTurn, withTopicLease } from './withTopicLease.js';

export interface RotatedTopic {
  readonly topic: TopicView;
  readonly delivery: DeliveryReport;
}

export async function rotateTopicKey(deps: C2Deps, caller: Caller, topicName: string): Promise<RotatedTopic> {
  const topic = validateTopic(topicName);
  return audited(deps, caller, 'topic.rotate', { type: 'topic', name: topic }, () =>
    withTopicLease(deps, caller.tenantId, topic, (turn) =>
      withSender(deps, caller.tenantId, async (sender) => {
        const { record: rotated } = await rotateUnderLease(deps, sender, turn);
        const delivery = sender.report();
        return {
          value: { topic: topicView(rotated), delivery },
          details: { keyVersion: rotated.keyVersion, delivery },
        };
      }),
    ),
  );
}

/** What a rotation under the lease made: the topic's new record, and the second of its first commands. */
export interface Rotation {
  readonly record: TopicRecord;
  readonly firstSecond: number;
}

/**
 * The rotation itself, for a caller holding the topic's lease (rotation, unlink with re-key). `leaving`: a client
 * still linked that must not get the new key (unlink re-keys before deleting the link, so that a crash in between
 * leaves the link in place and the unlink can be run again).
 *
 * With `leaving`, the rotation is a revocation: each remaining client first gets a throw-away key, then the new one,
 * each SetTopicKey in its own second (the second only once the broker took the first). The device moves its current
 * key to its previous-key slot on each: after the two, that slot holds the throw-away key, and the key the leaving
 * client knew is gone, where one SetTopicKey would have kept it an hour (E4's key transition).
 */
export async function rotateUnderLease(
  deps: C2Deps,
  sender: CommandSender,
  turn: TopicTurn,
  leaving?: string,
): Promise<Rotation> {
  const { record } = turn;
  const { tenantId, topic } = record;
  const revoking = leaving !== undefined;
  const seconds = await turn.next(revoking ? 2 : 1);
  const second = seconds.at(-1)!;
  const random = randomBytesOf(deps);
  const key = random(KEY_LEN);
  const command = cmdSetTopicKey(key, topic);
  const burnKey = revoking ? random(KEY_LEN) : undefined;
  const burn = burnKey && cmdSetTopicKey(burnKey, topic);
  try {
    const keyVersion = record.keyVersion + 1;
    const updatedAt = new Date(deps.clock()).toISOString();
    const wrappedKey = await deps.vault.wrap(key, { tenantId, kind: 'topic', name: topic, version: keyVersion });
    const revokedVersion = revoking ? keyVersion : record.revokedVersion;
    await deps.store.updateTopicKey(tenantId, topic, {
      wrappedKey,
      keyVersion,
      expectedVersion: record.keyVersion,
      updatedAt,
      keySecond: second,
      ...(revoking ? { revokedVersion } : {}),
    });
    await forEachClientOfTopic(deps, tenantId, topic, async (clients) => {
      let staying = leaving === undefined ? clients : clients.filter((client) => client.name !== leaving);
      if (burn) {
        const first = await sender.send(
          staying.map((client) => ({ client, command: burn })),
          { second: seconds[0]! },
        );
        // A client whose throw-away key the broker refused is left on its key (reported), not given the new key
        // on top of the old one.
        const refused = new Set(first.failed.map((failure) => failure.client));
        staying = staying.filter((client) => !refused.has(client.name));
      }
      await sender.send(
        staying.map((client) => ({ client, command })),
        { second },
      );
    });
    const rotated: TopicRecord = {
      ...record,
      wrappedKey,
      keyVersion,
      updatedAt,
      keySecond: second,
      ...(revokedVersion !== undefined ? { revokedVersion } : {}),
    };
    return { record: rotated, firstSecond: seconds[0]! };
  } finally {
    key.fill(0);
    command.fill(0);
    burnKey?.fill(0);
    burn?.fill(0);
  }
}
