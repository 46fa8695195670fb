/**
 * A device project's use of `e4c2/client/mqtt` (with `mqtt` installed next to the library), compiled and run by
 * test/package/installedPackage.test.ts: two devices holding the same topic key exchange one protected message
 * through the broker given as argument. Prints one JSON line with what the receiver got.
 */
import { cmdSetTopicKey, E4Client, protectCommand, randomKey } from 'e4c2/client';
import { E4MqttDevice } from 'e4c2/client/mqtt';

const [url, topic = 'sensors/temp', text = '21.5'] = process.argv.slice(2);
if (!url) throw new Error('usage: node mqtt.js <broker url> [topic] [text]');

const topicKey = randomKey();
async function device(name: string): Promise<E4Client> {
  const key = randomKey();
  const client = await E4Client.create({ mode: 'symmetric', name, key });
  const applied = client.unprotect(protectCommand(cmdSetTopicKey(topicKey, topic), key), client.receivingTopic);
  if (applied.kind === 'command') await applied.saved;
  return client;
}

let settle: { resolve: (text: string) => void; reject: (error: Error) => void } | undefined;
const received = new Promise<string>((resolve, reject) => {
  settle = { resolve, reject };
});
const reader = await E4MqttDevice.connect(await device('reader'), url, {
  on: {
    message: (_topic, payload) => settle?.resolve(new TextDecoder().decode(payload)),
    error: (error) => settle?.reject(error),
  },
});
const writer = await E4MqttDevice.connect(await device('writer'), url);
try {
  await reader.subscribe(topic);
  await writer.publish(topic, text, { qos: 1 });
  console.log(JSON.stringify({ received: await received }));
} finally {
  await Promise.all([reader.end(), writer.end()]);
}
