/**
 * A device for C2 tests: an E4Client (device library) on a real MQTT connection (persistent session, control topic
 * at QoS 1), enrolled in the C2 through its use cases. It records the commands it applied and the messages it read.
 */
import { randomBytes } from 'node:crypto';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { getC2PublicKey } from '../../shared/c2/c2key/getC2PublicKey.js';
import { createClient } from '../../shared/c2/clients/createClient.js';
import type { MqttCredentials } from '../../shared/c2/clients/mqttCredentials.js';
import type { Caller } from '../../shared/c2/ports.js';
import { E4MqttDevice } from '../../shared/e4/mqtt/index.js';
import {
  bytesToHex,
  type CommandType,
  E4Client,
  type E4Error,
  randomEd25519KeyPair,
  utf8,
} from '../../shared/e4/node/index.js';

export interface TestDevice {
  readonly name: string;
  readonly client: E4Client;
  readonly mqtt: E4MqttDevice;
  readonly commands: CommandType[];
  readonly messages: { topic: string; text: string }[];
  readonly errors: { topic: string | undefined; code: string }[];
  /** Resolves once `count` commands in all have been applied (and saved). */
  commandsApplied(count: number): Promise<void>;
  /** Resolves once a message with this text arrived on the topic. */
  received(topic: string, text: string): Promise<void>;
  /** What became of the next message on the topic after `errors` had `errorsBefore` entries: 'read' or the error code. */
  outcome(topic: string, text: string, errorsBefore: number): Promise<string>;
  end(): Promise<void>;
}

export async function enrolDevice(
  deps: C2Deps,
  caller: Caller,
  mqttUrl: string,
  name: string,
  mode: 'symmetric' | 'pubkey' = 'symmetric',
): Promise<TestDevice> {
  let client: E4Client;
  let credentials: MqttCredentials | undefined;
  if (mode === 'symmetric') {
    const { key, mqtt } = await createClient(deps, caller, { name, mode, generateKey: true });
    client = await E4Client.create({ mode, key: key!, name });
    credentials = mqtt;
  } else {
    const pair = randomEd25519KeyPair();
    const { mqtt } = await createClient(deps, caller, { name, mode, publicKey: pair.publicKey });
    const { publicKey: c2PublicKey } = await getC2PublicKey(deps, caller);
    client = await E4Client.create({ mode, privateKey: pair.privateKey, c2PublicKey, name });
    credentials = mqtt;
  }
  return connectDevice(client, mqttUrl, name, credentials ? { credentials } : {});
}

/**
 * `options.receipts: false`: a device that sends no receipts, as an e4go device. `options.credentials`: its broker
 * credentials (the `mqtt` of its creation answer, local mode's embedded broker); without, it connects anonymously.
 * `options.ca`: the CA (PEM) it trusts on an `mqtts://` URL (local mode's `mqttCaFile`).
 */
export async function connectDevice(
  client: E4Client,
  mqttUrl: string,
  name: string,
  options: { receipts?: boolean; credentials?: MqttCredentials; ca?: string } = {},
): Promise<TestDevice> {
  const { credentials, ca, ...deviceOptions } = options;
  const commands: CommandType[] = [];
  const messages: { topic: string; text: string }[] = [];
  const errors: { topic: string | undefined; code: string }[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  const until = (done: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${name}: timed out waiting for ${what}; commands ${commands.join(',')}`));
      }, 10_000);
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });
  const mqtt = await E4MqttDevice.connect(client, mqttUrl, {
    // The client id ends with the E4 id, as local mode's embedded broker asks of a device with credentials.
    mqtt: {
      clientId: `dev-${randomBytes(4).toString('hex')}-${bytesToHex(client.id)}`,
      clean: false,
      ...(credentials ? { username: credentials.username, password: credentials.password } : {}),
      ...(ca === undefined ? {} : { ca }),
    },
    controlQos: 1,
    ...deviceOptions,
    on: {
      command: (type) => {
        commands.push(type);
        wake();
      },
      message: (topic, payload) => {
        messages.push({ topic, text: new TextDecoder().decode(payload) });
        wake();
      },
      error: (error, topic) => {
        errors.push({ topic, code: (error as E4Error).code ?? error.message });
        wake();
      },
    },
  });
  return {
    name,
    client,
    mqtt,
    commands,
    messages,
    errors,
    commandsApplied: (count) => until(() => commands.length >= count, `${count} commands`),
    received: (topic, text) =>
      until(() => messages.some((m) => m.topic === topic && m.text === text), `"${text}" on ${topic}`),
    outcome: async (topic, text, errorsBefore) => {
      const read = () => messages.some((m) => m.topic === topic && m.text === text);
      const failure = () => errors.slice(errorsBefore).find((e) => e.topic === topic);
      await until(() => read() || failure() !== undefined, `"${text}" or an error on ${topic}`);
      return read() ? 'read' : failure()!.code;
    },
    end: () => mqtt.end(true),
  };
}

/** Publishes `text` from one device and waits until the other has read it. */
export async function exchange(from: TestDevice, to: TestDevice, topic: string, text: string): Promise<void> {
  await from.mqtt.publish(topic, utf8(text), { qos: 1 });
  await to.received(topic, text);
}
