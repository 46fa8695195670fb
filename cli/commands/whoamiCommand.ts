/** `e4c2 whoami`: the key in use: its tenant, key id, scope, name and times (never its secret). */
import { Command } from 'commander';
import { action } from '../CliContext.js';
import { withExamples } from './withExamples.js';

export function whoamiCommand(): Command {
  return withExamples(
    new Command('whoami').description('the API key in use: its tenant, key id, scope, name and expiry'),
    ['e4c2 whoami', 'e4c2 --profile platform whoami --json'],
  ).action(
    action(async (context) => {
      context.output.record(await context.api.call((api) => api.GET('/v1/whoami')));
    }),
  );
}
