/**
 * `e4c2 login`: checks an API key against the C2 and stores it with the C2's URL as a profile of the configuration
 * file (0600), then says whose key it is. The key comes from stdin (`--with-token`) or a prompt that does not echo,
 * never from a flag. A key the C2 refuses writes nothing.
 */
import { Command, Option } from 'commander';
import { action } from '../CliContext.js';
import { CliError, usageError } from '../CliError.js';
import { configFileOf, profileNamed, readConfig, saveProfile } from '../config/configFile.js';
import { normalizeApiUrl, profileNameOf } from '../config/resolveConnection.js';
import { checkApiKey } from '../login/checkApiKey.js';
import { readToken } from '../login/readToken.js';
import { withExamples } from './withExamples.js';

export function loginCommand(): Command {
  return withExamples(
    new Command('login')
      .description('store an API key as a profile (checked against the C2 first)')
      .addOption(new Option('--with-token', 'read the API key from stdin (else a prompt on the terminal)')),
    [
      'e4c2 login --api-url http://127.0.0.1:8080',
      'e4c2 login --profile prod --api-url https://c2.example.com --with-token < key.txt',
    ],
  ).action(
    action(async (context, options: { withToken?: boolean }) => {
      const name = profileNameOf(context.options, context.env);
      const file = configFileOf(context.env);
      const url = context.options.apiUrl ?? context.env.E4C2_API_URL ?? profileNamed(readConfig(file), name)?.apiUrl;
      if (!url) throw usageError("--api-url is required: the C2's base URL (e.g. http://127.0.0.1:8080)");
      const apiUrl = normalizeApiUrl(url);
      const token = await readToken(options);
      let key: Awaited<ReturnType<typeof checkApiKey>>;
      try {
        key = await checkApiKey(apiUrl, token);
      } catch (error) {
        if (error instanceof CliError) {
          throw new CliError(`${error.message} (profile "${name}" not written)`, error.exitCode, error.code);
        }
        throw error;
      }
      saveProfile(file, name, { apiUrl, apiKey: token });
      const owner = key.kind === 'platform' ? 'the platform operator' : `tenant "${key.tenant}"`;
      const named = key.name ? ` "${key.name}"` : '';
      if (!context.output.forPeople) {
        context.output.data({ profile: name, file, apiUrl, ...key });
        return;
      }
      context.output.say(`Logged in to ${apiUrl} as ${owner}: ${key.scope} key ${key.keyId}${named}.`);
      context.output.say(`Profile "${name}" written to ${file}.`);
    }),
  );
}
