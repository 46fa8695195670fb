/**
 * Starts a local or gateway protection proxy from its configuration file: reads and checks the file, loads the E4
 * identities, opens their upstream sessions and listens. Errors before the proxy runs are thrown as they are (a
 * {@link ProxyConfigError} names each bad field). Also the CLI's entry to {@link hashPassword}
 * (`e4c2 proxy hash-password`).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { ProxyMode } from './config/ProxyConfig.js';
import { parseProxyConfig } from './config/parseProxyConfig.js';
import { ProtectionProxy } from './ProtectionProxy.js';
import { identityFiles, loadIdentity } from './ProxyIdentity.js';
import { ProxyLog } from './ProxyLog.js';

export { hashPassword } from './passwordHash.js';

export async function startProxy(mode: ProxyMode, configFile: string, log = new ProxyLog()): Promise<ProtectionProxy> {
  const file = resolve(configFile);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the proxy configuration ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const config = parseProxyConfig(text, file, mode, dirname(file));
  const files = await identityFiles(config);
  if (files.length === 0) throw new Error(`no E4 identity in the configuration ${file}`);
  const identities = [];
  for (const file of files) identities.push(await loadIdentity(file));
  return ProtectionProxy.start({ mode, config, identities, log });
}
