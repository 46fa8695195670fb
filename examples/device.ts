/**
 * A demo device for the quick start: enrols itself with the C2 of local mode (the first time), joins a topic, then
 * publishes every line typed on stdin, protected, and prints every message it reads on the topic, unprotected.
 *
 *   E4C2_API_KEY=<admin key> npx tsx examples/device.ts --name alice --topic home/kitchen
 *
 * Options: --api (default http://127.0.0.1:8080), --mqtt (default mqtt://127.0.0.1:1883), --state-dir (default
 * ./.devices: the device's E4 state, its keys included, so that a restarted device resumes). A real device is enrolled
 * by an operator and keeps its key in protected storage; this one makes its key and calls the API itself to keep the
 * demo short.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { E4MqttDevice } from '../shared/e4/mqtt/index.js';
import {
  bytesToHex,
  decodeState,
  E4Client,
  FileStateStore,
  hashTopic,
  randomKey,
  toBase64,
} from '../shared/e4/node/index.js';

const options = new Command('device')
  .requiredOption('--name <name>', 'the device name (enrolled with the C2 on first run)')
  .requiredOption('--topic <topic>', 'the topic to join')
  .option('--api <url>', 'the C2 API', 'http://127.0.0.1:8080')
  .option('--mqtt <url>', 'the MQTT broker', 'mqtt://127.0.0.1:1883')
  .option('--state-dir <dir>', 'where the device keeps its E4 state', './.devices')
  .parse()
  .opts<{ name: string; topic: string; api: string; mqtt: string; stateDir: string }>();

const apiKey = process.env.E4C2_API_KEY;
if (!apiKey) {
  console.error('device: set E4C2_API_KEY to the admin key printed by `npm start`');
  process.exit(1);
}

type Reply = { status: number; json: Record<string, unknown> };

async function api(method: string, path: string, body?: unknown): Promise<Reply> {
  const response = await fetch(`${options.api}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function check(result: Reply, ...accepted: number[]): Record<string, unknown> {
  if (!accepted.includes(result.status)) {
    console.error(`device: C2 answered ${result.status} ${JSON.stringify(result.json)}`);
    process.exit(1);
  }
  return result.json;
}

await mkdir(options.stateDir, { recursive: true });
const store = new FileStateStore(join(options.stateDir, `${options.name}.json`));
let client: E4Client;
if (await store.load()) {
  client = await E4Client.load({ store });
} else {
  // First run: the device makes its key and saves it before telling the C2 (a crash in between loses nothing).
  client = await E4Client.create({ mode: 'symmetric', name: options.name, key: randomKey() }, { store });
  await client.flush();
}
// Enrol with the C2 if it does not know this device yet (first run, or a first run cut short).
if ((await api('GET', `/v1/clients/${bytesToHex(client.id)}`)).status === 404) {
  const { identity } = decodeState(client.exportState());
  if (identity.mode !== 'symmetric') throw new Error('this demo enrols symmetric devices only');
  check(await api('POST', '/v1/clients', { name: options.name, key: toBase64(identity.key) }), 201);
}
const topicHash = bytesToHex(hashTopic(options.topic));
check(await api('POST', '/v1/topics', { topic: options.topic }), 201, 409); // 409: it exists already

const device = await E4MqttDevice.connect(client, options.mqtt, {
  mqtt: { clientId: `e4-${bytesToHex(client.id)}`, clean: false },
  controlQos: 1,
  on: {
    command: (type) => console.log(`[${options.name}] C2 command applied: ${type}`),
    message: (_topic, payload) => console.log(`[${options.name}] received: ${new TextDecoder().decode(payload)}`),
    error: (error) => console.log(`[${options.name}] discarded: ${error.message}`),
  },
});
// Joining the topic makes the C2 send this device the topic key (SetTopicKey, on its control topic).
check(await api('PUT', `/v1/topics/${topicHash}/clients/${bytesToHex(client.id)}`), 200);
await device.subscribe(options.topic);
console.log(`[${options.name}] id ${bytesToHex(client.id)}; topic ${options.topic} (hash ${topicHash})`);
console.log(`[${options.name}] on ${options.topic}; type a line to publish it (protected), Ctrl-D to leave`);

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!client.hasTopicKey(options.topic)) {
    console.log(`[${options.name}] no key for ${options.topic} yet`);
    continue;
  }
  await device.publish(options.topic, line, { qos: 1 });
}
await device.end();
