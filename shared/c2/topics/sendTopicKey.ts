import { cmdSetTopicKey } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import type { CommandSender } from '../delivery/CommandSender.js';
import type { ClientRecord, TopicRecord } from '../ports.js';
import { openTopicKey } from './openTopicKey.js';

/** Sends one client the topic's current key (SetTopicKey), wiping the key and the command after. */
export async function sendTopicKey(
  deps: C2Deps,
  sender: CommandSender,
  client: ClientRecord,
  record: TopicRecord,
): Promise<void> {
  const key = await openTopicKey(deps, record);
  const command = cmdSetTopicKey(key, record.topic);
  key.fill(0);
  try {
    await sender.send([{ client, command }]);
  } finally {
    command.fill(0);
  }
}
