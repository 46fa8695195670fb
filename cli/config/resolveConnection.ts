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

/**
 * A key goes only to the C2 it was given for: a profile's key to the profile's URL, `E4C2_API_KEY` to the URL given
 * with it (`--api-url` or `E4C2_API_URL`). An explicit profile (`--profile`, `E4C2_PROFILE`) wins over `E4C2_API_KEY`;
 * a URL other than its profile's, with no key of its own, is refused (exit 3) rather than sent the profile's key.
 * Without a key (`keyRequired: false`, `health`), no key is sent at all.
 */
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
  const givenUrl = options.apiUrl ?? env.E4C2_API_URL;
  const rawUrl = givenUrl ?? profile?.apiUrl;
  if (!rawUrl) {
    throw new CliError('no C2 configured: run `e4c2 login`, or set E4C2_API_URL and E4C2_API_KEY', ExitCode.Auth);
  }
  const apiUrl = normalizeApiUrl(rawUrl);
  const fromProfile = { ...(profile ? { profile: name } : {}) };
  if (!keyRequired) return { apiUrl, ...fromProfile };
  const envKey = explicitProfile ? undefined : env.E4C2_API_KEY;
  if (envKey) {
    if (givenUrl === undefined) {
      throw new CliError('E4C2_API_KEY goes with E4C2_API_URL (or --api-url): the C2 it is for', ExitCode.Auth);
    }
    return { apiUrl, apiKey: envKey };
  }
  if (!profile) {
    throw new CliError('no API key configured: run `e4c2 login`, or set E4C2_API_URL and E4C2_API_KEY', ExitCode.Auth);
  }
  if (normalizeApiUrl(profile.apiUrl) !== apiUrl) {
    throw new CliError(
      `the key of profile "${name}" is for ${normalizeApiUrl(profile.apiUrl)}, not ${apiUrl}: set E4C2_API_KEY ` +
        'for that C2, or log in to it with `e4c2 login --profile <name>`',
      ExitCode.Auth,
    );
  }
  return { apiUrl, apiKey: profile.apiKey, ...fromProfile };
}
