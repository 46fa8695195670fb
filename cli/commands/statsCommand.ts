/** `e4c2 stats`: how many clients and topics the tenant has. */
import { Command } from 'commander';
import { action } from '../CliContext.js';
import { withExamples } from './withExamples.js';

export function statsCommand(): Command {
  return withExamples(new Command('stats').description("the tenant's number of clients and topics"), [
    'e4c2 stats',
    'e4c2 stats --json',
  ]).action(
    action(async (context) => {
      context.output.record(await context.api.call((api) => api.GET('/v1/stats')));
    }),
  );
}
