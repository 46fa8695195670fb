/**
 * The profiles local mode writes when it creates a key (its first start, --new-admin-key, --new-platform-key), so
 * that `e4c2` works at once: the admin key as profile `default`, unless `default` already points to another C2 (an
 * AWS deployment, say), then as `local`; the platform key as `platform`, else `local-platform`. A profile of the same
 * name pointing to the same C2 is replaced (its key was the one a --new-*-key replaces, or one of a state folder since
 * deleted). Profiles of other C2s are never overwritten.
 */
import { type Config, profileNamed, readConfig, writeConfig } from './configFile.js';
import { normalizeApiUrl } from './resolveConnection.js';

export interface LocalKeys {
  readonly apiUrl: string;
  readonly adminKey?: string;
  readonly platformKey?: string;
}

/** `preferred` when it is free or points to `apiUrl`, else `fallback`. */
export function localProfileName(config: Config, apiUrl: string, preferred: string, fallback: string): string {
  const existing = profileNamed(config, preferred);
  return !existing || sameUrl(existing.apiUrl, apiUrl) ? preferred : fallback;
}

function sameUrl(a: string, b: string): boolean {
  try {
    return normalizeApiUrl(a) === normalizeApiUrl(b);
  } catch {
    return false;
  }
}

/** Writes the keys' profiles into `file` (one write) and answers the names written, admin key's first. */
export function writeLocalProfiles(file: string, keys: LocalKeys): string[] {
  const config = readConfig(file);
  const profiles = { ...config.profiles };
  const written: string[] = [];
  if (keys.adminKey) {
    const name = localProfileName(config, keys.apiUrl, 'default', 'local');
    profiles[name] = { apiUrl: keys.apiUrl, apiKey: keys.adminKey };
    written.push(name);
  }
  if (keys.platformKey) {
    const name = localProfileName(config, keys.apiUrl, 'platform', 'local-platform');
    profiles[name] = { apiUrl: keys.apiUrl, apiKey: keys.platformKey };
    written.push(name);
  }
  if (written.length > 0) writeConfig(file, { ...config, profiles });
  return written;
}
