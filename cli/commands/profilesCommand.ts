/**
 * `e4c2 profiles list`: the profiles of the configuration file, the one in use marked: name, C2 URL, whose key and
 * its key id, never the key itself.
 */
import { Command } from 'commander';
import { action } from '../CliContext.js';
import { apiKeyTokenInfo } from '../config/apiKeyToken.js';
import { configFileOf, readConfig } from '../config/configFile.js';
import { profileNameOf } from '../config/resolveConnection.js';
import type { Column } from '../output/formatTable.js';
import { withExamples } from './withExamples.js';

export interface ProfileRow {
  name: string;
  default: boolean;
  apiUrl: string;
  /** The tenant of a tenant key, `(platform)` for a platform key. */
  tenant?: string;
  keyId?: string;
}

const PROFILE_COLUMNS: readonly Column<ProfileRow>[] = [
  { header: ' ', value: (p) => (p.default ? '*' : ' ') },
  { header: 'name', value: (p) => p.name },
  { header: 'api url', value: (p) => p.apiUrl },
  { header: 'tenant', value: (p) => p.tenant },
  { header: 'key id', value: (p) => p.keyId },
];

export function profilesCommand(): Command {
  const profiles = withExamples(
    new Command('profiles')
      .alias('profile')
      .description('the profiles of the configuration file (e4c2 login writes them)'),
    ['e4c2 profiles list'],
  );

  withExamples(
    profiles.command('list').alias('ls').description('list the profiles (* marks the one in use); never their keys'),
    ['e4c2 profiles list', 'e4c2 profiles list --json'],
  ).action(
    action(async (context) => {
      const current = profileNameOf(context.options, context.env);
      const config = readConfig(configFileOf(context.env));
      const rows = Object.entries(config.profiles)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, profile]): ProfileRow => {
          const info = apiKeyTokenInfo(profile.apiKey);
          return {
            name,
            default: name === current,
            apiUrl: profile.apiUrl,
            ...(info ? { tenant: info.kind === 'platform' ? '(platform)' : info.tenant, keyId: info.keyId } : {}),
          };
        });
      context.output.list(rows, PROFILE_COLUMNS, 'No profiles: run `e4c2 login`.');
    }),
  );

  return profiles;
}
