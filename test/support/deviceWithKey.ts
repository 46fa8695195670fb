/**
 * A device library client holding a topic's key, given as the C2 gives it (a protected command on its control
 * topic), without a C2: for proxy tests, as a proxy identity (its state in `store`) or as the proxy's peer.
 */
import {
  cmdSetTopicKey,
  E4Client,
  type FileStateStore,
  protectCommand,
  randomKey,
} from '../../shared/e4/node/index.js';

export async function deviceWithKey(
  name: string,
  topic: string,
  topicKey: Uint8Array,
  store?: FileStateStore,
): Promise<E4Client> {
  const key = randomKey();
  const client = await E4Client.create({ mode: 'symmetric', name, key }, store ? { store } : {});
  const result = client.unprotect(protectCommand(cmdSetTopicKey(topicKey.slice(), topic), key), client.receivingTopic);
  if (result.kind === 'command') await result.saved;
  return client;
}
