/**
 * What a command that started an operation (a 202 answer) prints: its id and how to follow it, or with `--wait`,
 * the operation followed until it finished. An operation that ended `failed` or `partial` exits 1.
 */
import { Option } from 'commander';
import type { Schemas } from '../api/Api.js';
import type { CliContext } from '../CliContext.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { followOperation } from './followOperation.js';

type Operation = Schemas['Operation'];

export const waitOption = () => new Option('--wait', 'follow the operation until it has finished (progress on stderr)');

export async function startedOperation(
  context: CliContext,
  answer: unknown,
  operation: Operation,
  options: { wait?: boolean },
): Promise<void> {
  if (!options.wait) {
    if (!context.output.forPeople) {
      context.output.data(answer);
    } else {
      context.output.say(
        `Operation ${operation.id} ${operation.status}: ${operation.kind} of ${operation.target.name}.`,
      );
      context.output.note(`Follow it: e4c2 operations watch ${operation.id}`);
    }
    return;
  }
  const finished = await followOperation(context, operation.id);
  if (!context.output.forPeople) context.output.data(finished);
  else context.output.say(`Operation ${finished.id} ${finished.status}: ${summary(finished.counts)}.`);
  const failure = operationFailure(finished);
  if (failure) throw failure;
}

/** The failure of a finished operation that ended `failed` or `partial` (exit 1); undefined otherwise. */
export function operationFailure(finished: Operation): CliError | undefined {
  if (finished.status !== 'failed' && finished.status !== 'partial') return undefined;
  return new CliError(
    `operation ${finished.id} ended ${finished.status}${finished.error ? `: ${finished.error.message}` : ''}`,
    ExitCode.Refused,
    finished.error?.code,
  );
}

export function summary(counts: Schemas['DeliveryCounts']): string {
  return `${counts.total} devices, ${counts.sent} sent, ${counts.confirmed} confirmed, ${counts.failed} failed, ${counts.pending} pending`;
}
