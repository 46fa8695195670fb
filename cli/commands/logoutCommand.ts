/** `e4c2 logout`: removes a profile (its key) from the configuration file. The key itself stays valid on the C2. */
import { Command } from 'commander';
import { action } from '../CliContext.js';
import { CliError } from '../CliError.js';
import { configFileOf, removeProfile } from '../config/configFile.js';
import { profileNameOf } from '../config/resolveConnection.js';
import { ExitCode } from '../ExitCode.js';
import { withExamples } from './withExamples.js';

export function logoutCommand(): Command {
  return withExamples(
    new Command('logout').description(
      'remove a profile and its key from the configuration file (revoke the key with `e4c2 keys revoke`)',
    ),
    ['e4c2 logout', 'e4c2 logout --profile prod'],
  ).action(
    action(async (context) => {
      const name = profileNameOf(context.options, context.env);
      const file = configFileOf(context.env);
      if (!removeProfile(file, name)) throw new CliError(`no profile "${name}" in ${file}`, ExitCode.NotFound);
      context.output.say(`Profile "${name}" removed from ${file}.`);
    }),
  );
}
