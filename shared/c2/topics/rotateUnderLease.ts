/**
 * A rotation inside the caller's turn on a topic (under its lease), sent from the caller's own sender: what deleting
 * or resetting a client does to each of its topics (a revocation per topic) until those changes become operations
 * too. A rotation asked for through the API is an operation (rotateTopicKey.ts, operations/topicOperation.ts).
 */
import { cmdSetTopicKey, KEY_LEN } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import type { CommandSender } from '../delivery/CommandSender.js';
import { forEachClientOfTopic } from '../delivery/forEachClientOfTopic.js';
import type { TopicRecord } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { storeTopicKey } from './storeTopicKey.js';
import type { TopicTurn } from './withTopicLease.js';

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
    const rotated = await storeTopicKey(deps, record, key, { keySecond: second, revoking });
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
    return { record: rotated, firstSecond: seconds[0]! };
  } finally {
    key.fill(0);
    command.fill(0);
    burnKey?.fill(0);
    burn?.fill(0);
  }
}
