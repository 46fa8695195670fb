/**
 * What a command that started an operation (a 202 answer) prints: its id and how to follow it, or with `--wait`,
 * the operation followed until it finished (`--timeout <s>` to stop waiting), its summary and stragglers. An
 * operation that ended `failed` or `partial` exits 1.
 */
import { Option } from 'commander';
import type { Schemas } from '../api/Api.js';
import type { CliContext } from '../CliContext.js';
import { countsText } from './statusLine.js';
import { watchOperation } from './watchOperation.js';

type Operation = Schemas['Operation'];

export { timeoutOption } from './followOperation.js';

export const waitOption = () => new Option('--wait', 'follow the operation until it has finished (progress on stderr)');

export async function startedOperation(
  context: CliContext,
  answer: unknown,
  operation: Operation,
  options: { wait?: boolean; timeout?: number },
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
  await watchOperation(context, operation.id, options.timeout === undefined ? {} : { timeout: options.timeout });
}

/** `10 devices, 7 sent, ...` (kept for the commands that print it). */
export const summary = countsText;
