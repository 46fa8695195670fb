/**
 * The CLI's configuration file: named profiles, each an endpoint and an API key (as the AWS CLI's profiles).
 * `$E4C2_CONFIG`, else `$XDG_CONFIG_HOME/e4c2/config.json`, else `~/.config/e4c2/config.json`. Written with 0600
 * permissions in a 0700 folder, atomically (a temporary file renamed over it): it holds API keys.
 *
 *   { "profiles": { "default": { "apiUrl": "http://127.0.0.1:8080", "apiKey": "e4c2.local...." } } }
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { writePrivateFile } from './writePrivateFile.js';

export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const profileSchema = z.object({ apiUrl: z.string(), apiKey: z.string() });
const configSchema = z.object({ profiles: z.record(z.string(), profileSchema).default({}) });

export type Profile = z.infer<typeof profileSchema>;
export type Config = z.infer<typeof configSchema>;

export function configFileOf(env: NodeJS.ProcessEnv): string {
  if (env.E4C2_CONFIG) return env.E4C2_CONFIG;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'e4c2', 'config.json');
}

/** The configuration in `file`; an empty one when there is no file. */
export function readConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, ExitCode.Usage);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not JSON: fix or delete it`, ExitCode.Usage);
  }
  const parsed = configSchema.safeParse(json);
  if (!parsed.success) {
    throw new CliError(`${file} is not an e4c2 configuration: ${parsed.error.issues[0]?.message}`, ExitCode.Usage);
  }
  return parsed.data;
}

/** The profile `name` of `config` (its own: `constructor` names no profile unless one was written). */
export function profileNamed(config: Config, name: string): Profile | undefined {
  return Object.hasOwn(config.profiles, name) ? config.profiles[name] : undefined;
}

/** Writes `config` to `file` (0600, in a 0700 folder), replacing it atomically. */
export function writeConfig(file: string, config: Config): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writePrivateFile(file, `${JSON.stringify(config, null, 2)}\n`);
}

/** Stores (or replaces) one profile. */
export function saveProfile(file: string, name: string, profile: Profile): void {
  const config = readConfig(file);
  writeConfig(file, { ...config, profiles: { ...config.profiles, [name]: profile } });
}

/** Removes one profile; false when there was none of that name (nothing written then). */
export function removeProfile(file: string, name: string): boolean {
  const config = readConfig(file);
  if (!Object.hasOwn(config.profiles, name)) return false;
  const { [name]: _removed, ...profiles } = config.profiles;
  writeConfig(file, { ...config, profiles });
  return true;
}
