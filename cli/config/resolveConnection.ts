/**
 * Where the CLI sends its requests, and with which key: `--api-url` and `E4C2_API_URL`/`E4C2_API_KEY` win over the
 * profile (`--profile`, `E4C2_PROFILE`, else `default`) of the configuration file. The URL is the C2's base URL,
 * without `/v1`.
 */
import { CliError, usageError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { configFileOf, PROFILE_NAME, profileNamed, readConfig } from './configFile.js';

export interface Connection {
  readonly apiUrl: string;
  /** Absent only for the requests that need none (`health`). */
  readonly apiKey?: string;
  /** The profile it came from, if any. */
  readonly profile?: string;
}

export interface ConnectionOptions {
  profile?: string;
  apiUrl?: string;
}

/** A C2 base URL: http(s), no query or fragment; a trailing `/` or `/v1` is dropped. */
export function normalizeApiUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`"${value}" is not a URL (the C2's base URL, e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`"${value}" is not an http(s) URL`);
  if (url.search || url.hash) throw usageError(`"${value}": the C2's base URL has no query or fragment`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export function profileNameOf(options: ConnectionOptions, env: NodeJS.ProcessEnv): string {
  const name = options.profile ?? env.E4C2_PROFILE ?? 'default';
  if (!PROFILE_NAME.test(name)) throw usageError(`"${name}" is not a profile name (letters, digits, _ . -)`);
  return name;
}

export function resolveConnection(
  options: ConnectionOptions,
  env: NodeJS.ProcessEnv,
  { keyRequired = true } = {},
): Connection {
  const name = profileNameOf(options, env);
  const explicitProfile = options.profile !== undefined || env.E4C2_PROFILE !== undefined;
  const file = configFileOf(env);
  const profile = profileNamed(readConfig(file), name);
  if (explicitProfile && !profile) {
    throw new CliError(`no profile "${name}" in ${file}: run \`e4c2 login --profile ${name}\``, ExitCode.Auth);
  }
  const apiUrl = options.apiUrl ?? env.E4C2_API_URL ?? profile?.apiUrl;
  const apiKey = env.E4C2_API_KEY ?? profile?.apiKey;
  if (!apiUrl || (!apiKey && keyRequired)) {
    throw new CliError(
      `no ${apiUrl ? 'API key' : 'C2'} configured: run \`e4c2 login\`, or set E4C2_API_URL and E4C2_API_KEY`,
      ExitCode.Auth,
    );
  }
  return { apiUrl: normalizeApiUrl(apiUrl), ...(apiKey ? { apiKey } : {}), ...(profile ? { profile: name } : {}) };
}
