/**
 * `e4c2 c2key ...`: the tenant's C2 key pair (public-key mode): show its public key (what public-key devices are
 * configured with), or rotate it (an operation: every public-key client is sent the new public key).
 */
import { Command } from 'commander';
import { action } from '../CliContext.js';
import { startedOperation, timeoutOption, waitOption } from '../operations/startedOperation.js';
import { withExamples } from './withExamples.js';

export function c2keyCommand(): Command {
  const c2key = withExamples(
    new Command('c2key').description("the C2's Curve25519 key pair of public-key mode: show, rotate"),
    ['e4c2 c2key show', 'e4c2 c2key rotate --wait'],
  );

  withExamples(c2key.command('show').alias('get').description("show the C2's public key and its fingerprint"), [
    'e4c2 c2key show',
    'e4c2 c2key show --json',
  ]).action(
    action(async (context) => {
      context.output.record(await context.api.call((api) => api.GET('/v1/keys/c2')));
    }),
  );

  withExamples(
    c2key
      .command('rotate')
      .description('a new C2 key pair: every public-key client is sent the new public key')
      .addOption(waitOption())
      .addOption(timeoutOption()),
    ['e4c2 c2key rotate --wait', 'e4c2 c2key rotate --json'],
  ).action(
    action(async (context, options: { wait?: boolean }) => {
      const answer = await context.api.call((api) => api.POST('/v1/keys/c2/rotate'));
      await startedOperation(context, answer, answer.operation, options);
    }),
  );

  return c2key;
}
