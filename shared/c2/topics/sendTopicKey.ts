import { cmdSetTopicKey, KEY_LEN } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import type { CommandSender } from '../delivery/CommandSender.js';
import type { ClientRecord } from '../ports.js';
import { randomBytesOf } from '../randomBytesOf.js';
import { openTopicKey } from './openTopicKey.js';
import type { TopicTurn } from './withTopicLease.js';

/**
 * Sends one client the topic's current key (SetTopicKey) under the topic's lease, wiping the key and the command
 * after. `mayHoldOld`: the client was linked already (resync, a link again, a new identity key) and may still hold a
 * key older than the current one, one it missed the revocation of. When the topic had a revocation, such a client
 * first gets a throw-away key (as a revocation does, see rotateTopicKey.ts), so that the current key does not push
 * that older key into its previous-key slot, where it would still open messages for an hour.
 */
export async function sendTopicKey(
  deps: C2Deps,
  sender: CommandSender,
  turn: TopicTurn,
  client: ClientRecord,
  options: { mayHoldOld: boolean },
): Promise<void> {
  const { record } = turn;
  const evict = options.mayHoldOld && record.revokedVersion !== undefined;
  const key = await openTopicKey(deps, record);
  const command = cmdSetTopicKey(key, record.topic);
  key.fill(0);
  const burnKey = evict ? randomBytesOf(deps)(KEY_LEN) : undefined;
  const burn = burnKey && cmdSetTopicKey(burnKey, record.topic);
  burnKey?.fill(0);
  try {
    if (!burn) {
      await sender.send([{ client, command }], { second: await turn.same() });
      return;
    }
    const [first, second] = await turn.next(2);
    const report = await sender.send([{ client, command: burn }], { second: first! });
    if (report.delivered === 1) await sender.send([{ client, command }], { second: second! });
  } finally {
    command.fill(0);
    burn?.fill(0);
  }
}
