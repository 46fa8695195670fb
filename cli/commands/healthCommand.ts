/** `e4c2 health`: whether the C2 answers (no API key needed). */
import { Command } from 'commander';
import { action } from '../CliContext.js';
import { withExamples } from './withExamples.js';

export function healthCommand(): Command {
  return withExamples(new Command('health').description('check that the C2 answers'), ['e4c2 health']).action(
    action(async (context) => {
      const health = await context.anonymousApi.call((client) => client.GET('/v1/health'));
      context.output.record(health);
    }),
  );
}
