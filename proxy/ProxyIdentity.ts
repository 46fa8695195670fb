/**
 * The E4 identities a proxy acts as, loaded from their state files (e4go's format, as `e4c2 device enrol` writes
 * them, and saved there after every command as the device library does): the local proxy's one, or each device of a
 * gateway (a list, or every `<name>.json` of a folder). Beside a state file, its enrolment (`<name>.enrolment.json`)
 * may hold the device's broker login, used upstream in place of the configured one.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { E4Client, FileStateStore } from '../shared/e4/node/index.js';
import type { ProxyConfig } from './config/ProxyConfig.js';

export interface BrokerLogin {
  readonly username: string;
  readonly password: string;
}

export interface ProxyIdentity {
  /** The downstream name of a gateway device (client id or username); the state file's name for the local proxy. */
  readonly name: string;
  readonly state: string;
  readonly client: E4Client;
  readonly login?: BrokerLogin;
}

const STATE_FILE = /^(?!.*\.enrolment\.json$)(.+)\.json$/;

/** The state files a configuration names: `[name, path]` pairs. */
export async function identityFiles(config: ProxyConfig): Promise<[string, string][]> {
  if (config.identity) return [[basename(config.identity.state).replace(/\.json$/, ''), config.identity.state]];
  const devices = config.devices;
  if (!devices) return [];
  const files: [string, string][] = (devices.list ?? []).map((device) => [device.name, device.state]);
  if (devices.folder) {
    const names = (await readdir(devices.folder)).sort();
    for (const file of names) {
      const match = STATE_FILE.exec(file);
      if (match?.[1]) files.push([match[1], join(devices.folder, file)]);
    }
  }
  const seen = new Set<string>();
  for (const [name] of files) {
    if (seen.has(name)) throw new Error(`two devices are named "${name}" in the configuration`);
    seen.add(name);
  }
  return files;
}

export async function loadIdentity(name: string, state: string): Promise<ProxyIdentity> {
  const store = new FileStateStore(state);
  if (!(await store.load())) throw new Error(`no E4 identity in ${state} (enrol one with \`e4c2 device enrol\`)`);
  const client = await E4Client.load({ store });
  const login = await readLogin(`${state.replace(/\.json$/, '')}.enrolment.json`);
  return { name, state, client, ...(login ? { login } : {}) };
}

async function readLogin(path: string): Promise<BrokerLogin | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const mqtt = (JSON.parse(text) as { mqtt?: Partial<BrokerLogin> }).mqtt;
    return typeof mqtt?.username === 'string' && typeof mqtt.password === 'string'
      ? { username: mqtt.username, password: mqtt.password }
      : undefined;
  } catch {
    throw new Error(`${path} is not an enrolment file (not JSON)`);
  }
}
