/**
 * A demo device for the quick start: enrols itself with the C2 of local mode (the first time), joins a topic, then
 * publishes every line typed on stdin, protected, and prints every message it reads on the topic, unprotected.
 *
 *   npx tsx examples/device.ts --name alice --topic home/kitchen [--mode pubkey]
 *
 * Its API key: `E4C2_API_KEY`, else the key of the `e4c2` CLI's profile for that C2 (`E4C2_PROFILE`, else `default`,
 * else any profile of that URL, such as the `local` one `npm start` writes when `default` is another C2's): a
 * profile's key goes to its own C2 only. Told neither a URL nor a port, it takes the C2 of `default`.
 * It finds the C2 as `npm start` is told where to serve: `--port` / `E4C2_PORT` (default 8080) and `--mqtt-port` /
 * `E4C2_MQTT_PORT` (default 1883) on `--host` (default 127.0.0.1), or whole URLs with `--api-url` / `E4C2_API_URL` and
 * `--mqtt-url` / `E4C2_MQTT_URL`; a flag wins over the environment. `--mqtt-ca FILE` / `E4C2_MQTT_CA`: the broker is
 * reached over TLS (`mqtts://`), its certificate checked against this CA (`npm start -- --mqtt-tls` prints its file).
 * Its E4 state (its keys included, so that a restarted device resumes) and what it knows of its enrolment are in
 * `--state-dir` / `E4C2_DEVICES_DIR` (default `./.devices`, git-ignored). `--mode pubkey`: the device makes an Ed25519
 * key pair, enrols with its public key and takes the C2's public key from `GET /v1/keys/c2`. A device the C2 no
 * longer knows enrols again; one whose state contradicts the C2 (the C2 knows another enrolment under its name, or it
 * was made in the other mode) says so, and `--reset` starts it over (the C2's record of it is deleted, a new identity
 * made and enrolled).
 *
 * A real device is enrolled by an operator and keeps its key in protected storage; this one makes its key and calls
 * the API itself to keep the demo short. It connects to the broker with the credentials of its creation answer
 * (`mqtt`, kept with its enrolment), as local mode's embedded broker asks.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Command, InvalidArgumentError, Option } from 'commander';
import { configFileOf, type Profile, readConfig } from '../cli/config/configFile.js';
import { normalizeApiUrl } from '../cli/config/resolveConnection.js';
import { BrokerTimeout, connectDevice } from '../cli/device/connectDevice.js';
import {
  brokerLogin,
  type DeviceEnrolment,
  enrolmentPathOf,
  type MqttLogin,
  readEnrolment,
  writeEnrolment,
} from '../cli/device/deviceEnrolment.js';
import { enrolmentRequest, newDeviceIdentity } from '../cli/device/newDeviceIdentity.js';
import {
  bytesToHex,
  decodeState,
  E4Client,
  FileStateStore,
  fromBase64,
  hashIdAlias,
  hashTopic,
  toBase64,
} from '../shared/e4/node/index.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65_535) throw new InvalidArgumentError('a port is 1..65535');
  return port;
}

const program = new Command('device')
  .requiredOption('--name <name>', 'the device name (enrolled with the C2 on first run)')
  .requiredOption('--topic <topic>', 'the topic to join')
  .addOption(
    new Option('--mode <mode>', 'E4 mode of a new device').choices(['symmetric', 'pubkey']).default('symmetric'),
  )
  .addOption(new Option('--host <host>', 'host of the C2 and its broker').default('127.0.0.1'))
  .addOption(new Option('--port <port>', 'HTTP port of the C2 API').env('E4C2_PORT').default(8080).argParser(parsePort))
  .addOption(
    new Option('--mqtt-port <port>', 'port of the MQTT broker')
      .env('E4C2_MQTT_PORT')
      .default(1883)
      .argParser(parsePort),
  )
  .addOption(new Option('--api-url <url>', 'the C2 API (instead of host and port)').env('E4C2_API_URL'))
  .addOption(new Option('--mqtt-url <url>', 'the MQTT broker (instead of host and port)').env('E4C2_MQTT_URL'))
  .addOption(
    new Option('--mqtt-ca <file>', "the broker's CA certificate: connect over TLS (mqtts)").env('E4C2_MQTT_CA'),
  )
  .addOption(
    new Option('--state-dir <dir>', 'where the device keeps its E4 state')
      .env('E4C2_DEVICES_DIR')
      .default('./.devices'),
  )
  .option('--reset', 'forget this device (here and in the C2) and enrol it again')
  .showHelpAfterError()
  .parse();
const options = program.opts<{
  name: string;
  topic: string;
  mode: 'symmetric' | 'pubkey';
  host: string;
  port: number;
  mqttPort: number;
  apiUrl?: string;
  mqttUrl?: string;
  mqttCa?: string;
  stateDir: string;
  reset?: boolean;
}>();

/** A URL given as a flag wins; then a port given as a flag; then the environment (URL first); then the defaults. */
/** The e4c2 CLI's profiles (`npm start` writes `default`, or `local`, on its first start), own entries only. */
function cliProfiles(): Map<string, Profile> {
  try {
    return new Map(Object.entries(readConfig(configFileOf(process.env)).profiles));
  } catch {
    return new Map(); // an unreadable configuration: as if there were none
  }
}
const profiles = cliProfiles();
function sameC2(a: string, b: string): boolean {
  try {
    return normalizeApiUrl(a) === normalizeApiUrl(b);
  } catch {
    return false; // a profile with a malformed URL is nobody's
  }
}
/** The profile for the C2 at `url`: the one named by E4C2_PROFILE, else `default`, else any of that URL. */
function profileFor(url: string): Profile | undefined {
  const named = process.env.E4C2_PROFILE;
  const candidates = named ? [profiles.get(named)] : [profiles.get('default'), ...profiles.values()];
  return candidates.find((profile) => profile !== undefined && sameC2(profile.apiUrl, url));
}
const profile = process.env.E4C2_PROFILE ? profiles.get(process.env.E4C2_PROFILE) : profiles.get('default');

function endpoint(urlOption: 'apiUrl' | 'mqttUrl', portOption: 'port' | 'mqttPort', scheme: string): string {
  const url = options[urlOption];
  const told = (name: string) => program.getOptionValueSource(name) !== 'default';
  if (urlOption === 'apiUrl' && !url && !told(portOption) && profile) return profile.apiUrl.replace(/\/+$/, '');
  const fromCli = (name: string) => program.getOptionValueSource(name) === 'cli';
  if (url && (fromCli(urlOption) || !fromCli(portOption))) return url.replace(/\/+$/, '');
  return `${scheme}://${options.host}:${options[portOption]}`;
}
const apiUrl = endpoint('apiUrl', 'port', 'http');
const mqttUrl = endpoint('mqttUrl', 'mqttPort', options.mqttCa ? 'mqtts' : 'mqtt');
const name = options.name;

/** What this demo prints when it cannot go on: one line, no stack trace, exit 1. */
class Stop extends Error {}
const say = (line: string) => console.log(`[${name}] ${line}`);

const apiKey = process.env.E4C2_API_KEY ?? profileFor(apiUrl)?.apiKey;
type Reply = { status: number; json: Record<string, unknown> };

async function api(method: string, path: string, body?: unknown): Promise<Reply> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? (error as Error).message;
    throw new Stop(
      `no C2 answers at ${apiUrl} (${code}). Is \`npm start\` running? Tell this device where it is with ` +
        '--port / E4C2_PORT or --api-url / E4C2_API_URL.',
    );
  }
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status === 401) {
    throw new Stop('the C2 refused the API key: set E4C2_API_KEY to an admin key (`npm start` prints one)');
  }
  return { status: response.status, json };
}

function check(reply: Reply, ...accepted: number[]): Record<string, unknown> {
  if (!accepted.includes(reply.status)) throw new Stop(`the C2 answered ${reply.status} ${JSON.stringify(reply.json)}`);
  return reply.json;
}

/**
 * The device's identity and what it knows of its enrolment (cli/device/deviceEnrolment.ts, shared with
 * `e4c2 device`): the C2's record of it, by its creation time, and its broker credentials.
 */
const store = new FileStateStore(join(options.stateDir, `${name}.json`));
const enrolmentFile = enrolmentPathOf(store.path);

/** A new identity in `mode`, saved before the C2 hears of it (a crash in between loses nothing). */
async function newClient(mode = options.mode): Promise<E4Client> {
  await rm(enrolmentFile, { force: true });
  return newDeviceIdentity(store, name, mode, async () => {
    const c2PublicKey = fromBase64(String(check(await api('GET', '/v1/keys/c2'), 200).publicKey));
    if (!c2PublicKey) throw new Stop('the C2 sent no public key');
    return c2PublicKey;
  });
}

/** Public-key mode: whether the C2 now has another key pair than the one this device was made with (its state reset). */
async function c2KeyChanged(client: E4Client): Promise<boolean> {
  const { identity } = decodeState(client.exportState());
  if (identity.mode !== 'pubkey') return false;
  const current = String(check(await api('GET', '/v1/keys/c2'), 200).publicKey);
  return toBase64(identity.c2PublicKey) !== current;
}

async function enrol(client: E4Client): Promise<void> {
  const answer = check(await api('POST', '/v1/clients', enrolmentRequest(client, name)), 201);
  await writeEnrolment(enrolmentFile, {
    createdAt: (answer.client as DeviceEnrolment).createdAt,
    ...(answer.mqtt ? { mqtt: answer.mqtt as MqttLogin } : {}),
  });
  say(`enrolled with the C2 (${client.mode})`);
}

/** New broker credentials for an enrolment saved without them; none when the C2 issues none (400: an external broker). */
async function newBrokerLogin(id: string): Promise<MqttLogin | undefined> {
  const reply = await api('POST', `/v1/clients/${id}/mqtt-credentials`);
  return reply.status === 400 ? undefined : (check(reply, 200) as unknown as MqttLogin);
}

/** Waits for an operation of the C2 to finish (a deletion is one, carried out by its worker). */
async function operationFinished(id: string): Promise<void> {
  for (let tries = 0; tries < 600; tries++) {
    if (check(await api('GET', `/v1/operations/${id}`), 200).finishedAt !== undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Stop(`the C2's operation ${id} did not finish within a minute`);
}

async function run(): Promise<void> {
  if (!apiKey) {
    throw new Stop(
      'no API key: start the C2 with `npm start` (it writes the CLI profile this device reads) or set E4C2_API_KEY',
    );
  }
  await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
  const id = bytesToHex(hashIdAlias(name)); // E4's id of a name, as the C2 addresses clients
  if (options.reset) {
    const removal = check(await api('DELETE', `/v1/clients/${id}`), 202, 404).operation as { id: string } | undefined;
    if (removal) await operationFinished(removal.id); // the record goes last
    await rm(store.path, { force: true });
    await rm(enrolmentFile, { force: true });
    say('reset: forgotten here and by the C2');
  }

  const known = await api('GET', `/v1/clients/${id}`);
  const stored = await store.load();
  let client = stored ? await E4Client.load({ store }) : await newClient();
  if (client.mode !== options.mode && program.getOptionValueSource('mode') === 'cli') {
    throw new Stop(`this device was made in ${client.mode} mode: run again with --reset to make it anew`);
  }
  let enrolled = false;
  if (known.status === 404) {
    enrolled = true;
    if (await c2KeyChanged(client)) {
      // A C2 started anew (its state folder deleted) has another key pair: commands under it would not open here.
      say('the C2 has another key pair than when this device was made: a new identity');
      client = await newClient('pubkey');
    }
    await enrol(client); // first run, a first run cut short, or removed from the C2: enrol (again)
  } else {
    const record = check(known, 200) as { mode: string; createdAt: string };
    const enrolment = await readEnrolment(enrolmentFile);
    if (!stored || enrolment?.createdAt !== record.createdAt || record.mode !== client.mode) {
      throw new Stop(
        `the C2 knows another "${name}" (enrolled ${record.createdAt}, ${record.mode}) than the one in ` +
          `${options.stateDir}: run again with --reset to start this device over, or choose another --name`,
      );
    }
  }

  const topicHash = bytesToHex(hashTopic(options.topic));
  check(await api('POST', '/v1/topics', { topic: options.topic }), 201, 409); // 409: it exists already

  const login = await brokerLogin(enrolmentFile, () => newBrokerLogin(id));
  const device = await connectDevice(client, mqttUrl, {
    // A persistent session (commands sent while away are queued), but a new enrolment drops what the broker kept
    // for an earlier one (commands under a key this device never had).
    clean: enrolled,
    ...(login ? { login } : {}),
    ...(options.mqttCa ? { caFile: options.mqttCa } : {}),
    on: {
      command: (type) => say(`C2 command applied: ${type}`),
      message: (_topic, payload) => say(`received: ${new TextDecoder().decode(payload)}`),
      error: (error) => say(`discarded: ${error.message}`),
    },
  }).catch((error: unknown) => {
    if (!(error instanceof BrokerTimeout)) throw error;
    throw new Stop(`${error.message}: tell this device with --mqtt-port or --mqtt-url`);
  });
  // Joining the topic makes the C2 send this device the topic key (SetTopicKey, on its control topic).
  check(await api('PUT', `/v1/topics/${topicHash}/clients/${id}`), 200);
  // Public-key mode: the device also gets its own public key, to read back its own messages (the broker echoes them).
  if (client.mode === 'pubkey') check(await api('PUT', `/v1/clients/${id}/pubkeys/${id}`), 200);
  await device.subscribe(options.topic);
  await device.ready(options.topic, { timeoutMs: 10_000 }).catch(() => {
    throw new Stop(`the C2 sent no key for ${options.topic} within 10 s`);
  });
  say(`id ${id}; topic ${options.topic} (hash ${topicHash})`);
  say(`on ${options.topic}; type a line to publish it (protected), Ctrl-D to leave`);

  for await (const line of createInterface({ input: process.stdin })) {
    if (!client.hasTopicKey(options.topic)) {
      say(`no key for ${options.topic} yet`);
      continue;
    }
    await device.publish(options.topic, line, { qos: 1 });
  }
  await device.end();
}

try {
  await run();
} catch (error) {
  console.error(`device ${name}: ${error instanceof Stop ? error.message : (error as Error).message}`);
  process.exit(1);
}
