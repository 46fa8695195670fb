/**
 * Devices for the benchmarks, set up exactly as in the field: clients created with their identity key, and every
 * topic key and peer public key delivered as a protected command on the control topic (a C2 in a few lines).
 */
import {
  type CryptoEngine,
  c2CommandKey,
  cmdSetPubKey,
  cmdSetTopicKey,
  E4Client,
  protectCommand,
  randomEd25519KeyPair,
  randomKey,
  type StateStore,
  x25519PublicKey,
} from '../../shared/e4/node/index.js';

export type Mode = 'symmetric' | 'pubkey';

/** A sender and a receiver sharing a topic key (and, in public-key mode, the receiver knows the sender's key). */
export interface Pair {
  readonly sender: E4Client;
  readonly receiver: E4Client;
  readonly topic: string;
}

interface Device {
  readonly client: E4Client;
  /** The key the C2 protects this client's commands with. */
  readonly commandKey: Uint8Array;
}

/** A store that keeps nothing (the state document goes to disk with a file store; nothing stays in memory). */
export const discardingStore: StateStore = {
  load: async () => undefined,
  save: async () => {},
};

/** The C2 side: protect a command under the device's command key; the device unprotects it on its control topic. */
export function sendCommand(device: Device, command: Uint8Array, engine: CryptoEngine): Promise<void> {
  const { client, commandKey } = device;
  const result = client.unprotect(protectCommand(command, commandKey, { engine }), client.receivingTopic);
  if (result.kind !== 'command') throw new Error('the device did not take the command');
  return result.saved;
}

export async function symmetricDevice(name: string, engine: CryptoEngine, store?: StateStore): Promise<Device> {
  const key = randomKey();
  const client = await E4Client.create({ mode: 'symmetric', name, key }, store ? { engine, store } : { engine });
  return { client, commandKey: key };
}

async function pubKeyDevice(name: string, engine: CryptoEngine, c2Private: Uint8Array): Promise<Device> {
  const { privateKey, publicKey } = randomEd25519KeyPair();
  const c2PublicKey = x25519PublicKey(c2Private);
  const client = await E4Client.create({ mode: 'pubkey', name, privateKey, c2PublicKey }, { engine });
  return { client, commandKey: c2CommandKey(engine, c2Private, publicKey) };
}

export async function makePair(mode: Mode, engine: CryptoEngine): Promise<Pair> {
  const topic = 'bench/sensors/temperature';
  const topicKey = randomKey();
  const c2Private = randomKey();
  const make = (name: string) =>
    mode === 'symmetric' ? symmetricDevice(name, engine) : pubKeyDevice(name, engine, c2Private);
  const sender = await make('bench-sender');
  const receiver = await make('bench-receiver');
  for (const device of [sender, receiver]) await sendCommand(device, cmdSetTopicKey(topicKey, topic), engine);
  if (mode === 'pubkey') {
    await sendCommand(receiver, cmdSetPubKey(sender.client.publicKey!, 'bench-sender'), engine);
  }
  return { sender: sender.client, receiver: receiver.client, topic };
}
