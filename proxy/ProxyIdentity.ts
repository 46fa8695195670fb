/**
 * The E4 identities a proxy acts as, loaded from their state files (e4go's format, as `e4c2 device enrol` writes
 * them, and saved there after every command as the device library does): the local proxy's one, or each device of a
 * gateway (a list, or every `<name>.json` of a folder). Beside a state file, its enrolment (`<name>.enrolment.json`)
 * may hold the device's broker login, used upstream in place of the configured one. Each has the downstream
 * credential its clients must give: configured, or for a gateway device the hash in `<name>.passwd` beside its state.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { E4Client, FileStateStore } from '../shared/e4/node/index.js';
import type { Credential, ProxyConfig } from './config/ProxyConfig.js';
import { DownstreamCredential } from './DownstreamCredential.js';

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
  /** The password a downstream client must give to act as this identity; none: the local proxy on loopback only. */
  readonly credential?: DownstreamCredential;
}

/** An identity the configuration names: its name, state file and configured credential. */
export interface IdentityFile {
  readonly name: string;
  readonly state: string;
  readonly credential: Credential;
  /** A gateway device's: where its password hash is when the configuration gives none (`<name>.passwd`). */
  readonly hashFile?: string;
}

const STATE_FILE = /^(?!.*\.enrolment\.json$)(.+)\.json$/;

/** The identities a configuration names. */
export async function identityFiles(config: ProxyConfig): Promise<IdentityFile[]> {
  if (config.identity) {
    const { state, ...credential } = config.identity;
    return [{ name: basename(state).replace(/\.json$/, ''), state, credential }];
  }
  const devices = config.devices;
  if (!devices) return [];
  const hashFile = (name: string, state: string) => join(dirname(state), `${name}.passwd`);
  const files: IdentityFile[] = (devices.list ?? []).map(({ name, state, ...credential }) => ({
    name,
    state,
    credential,
    hashFile: hashFile(name, state),
  }));
  if (devices.folder) {
    const names = (await readdir(devices.folder)).sort();
    for (const file of names) {
      const match = STATE_FILE.exec(file);
      const name = match?.[1];
      if (name) {
        const state = join(devices.folder, file);
        files.push({ name, state, credential: {}, hashFile: hashFile(name, state) });
      }
    }
  }
  const seen = new Set<string>();
  for (const { name } of files) {
    if (seen.has(name)) throw new Error(`two devices are named "${name}" in the configuration`);
    seen.add(name);
  }
  return files;
}

export async function loadIdentity(file: IdentityFile): Promise<ProxyIdentity> {
  const { name, state, hashFile } = file;
  const store = new FileStateStore(state);
  if (!(await store.load())) throw new Error(`no E4 identity in ${state} (enrol one with \`e4c2 device enrol\`)`);
  const credential = await DownstreamCredential.load(file.credential, hashFile);
  const client = await E4Client.load({ store });
  const login = await readLogin(`${state.replace(/\.json$/, '')}.enrolment.json`);
  return { name, state, client, ...(login ? { login } : {}), ...(credential ? { credential } : {}) };
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
