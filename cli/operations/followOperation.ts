/**
 * Follows an operation, polled once a second, until it has finished (`finishedAt`), or with `until: 'confirmed'`
 * until every device able to confirm has (`confirmation.percent` 100; at once when none can). Progress on stderr
 * (see operationProgress). Waiting stops at `--timeout` (exit 1) or on Ctrl-C (exit 130); the operation goes on in
 * the C2 either way, and the message says how to follow it again.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Schemas } from '../api/Api.js';
import type { CliContext } from '../CliContext.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { operationProgress } from './operationProgress.js';
import { pollUntil } from './pollUntil.js';

type Operation = Schemas['Operation'];

const POLL_MS = 1000;

export const UNTIL_VALUES = ['finished', 'confirmed'] as const;
export type Until = (typeof UNTIL_VALUES)[number];

export interface FollowOptions {
  /** Seconds to wait at most. */
  readonly timeout?: number;
  readonly until?: Until;
  /** Progress on stderr (default true). */
  readonly progress?: boolean;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value) || seconds <= 0) throw new InvalidArgumentError('a number of seconds above 0');
  return seconds;
}

export const timeoutOption = () =>
  new Option(
    '--timeout <s>',
    'with --wait: stop waiting after this many seconds (exit 1; the operation goes on)',
  ).argParser(parseSeconds);

/** Whether following `operation` is over. */
export function followed(operation: Operation, until: Until = 'finished'): boolean {
  if (!operation.finishedAt) return false;
  if (until === 'finished') return true;
  return operation.confirmation === undefined || operation.confirmation.percent >= 100;
}

const readOperation = (context: CliContext, operationId: string) =>
  context.api.call((client) => client.GET('/v1/operations/{operationId}', { params: { path: { operationId } } }), {
    notFound: `no operation ${operationId}`,
  });

export async function followOperation(
  context: CliContext,
  operationId: string,
  options: FollowOptions = {},
): Promise<Operation> {
  const until = options.until ?? 'finished';
  const stop = new AbortController();
  const onInterrupt = () => stop.abort('interrupted');
  process.once('SIGINT', onInterrupt);
  const timer =
    options.timeout === undefined ? undefined : setTimeout(() => stop.abort('timeout'), options.timeout * 1000);
  let progress =
    options.progress === false ? undefined : operationProgress(process.stderr, Date.now, context.output.forPeople);
  try {
    const end = await pollUntil(
      () => readOperation(context, operationId),
      (operation) => followed(operation, until),
      { intervalMs: POLL_MS, signal: stop.signal, onValue: (operation) => progress?.update(operation) },
    );
    progress?.stop(end.value);
    progress = undefined;
    if (!end.aborted) return end.value;
    const again = `follow it: e4c2 operations watch ${operationId}${until === 'confirmed' ? ' --until confirmed' : ''}`;
    if (end.reason === 'interrupted') {
      throw new CliError(
        `stopped waiting: operation ${operationId} goes on in the C2 (${again})`,
        ExitCode.Interrupted,
      );
    }
    const state = end.value ? `${end.value.status}${end.value.finishedAt ? ', not all confirmed' : ''}` : 'not read';
    throw new CliError(
      `operation ${operationId} still ${state} after ${options.timeout} s: it goes on in the C2 (${again})`,
      ExitCode.Refused,
    );
  } finally {
    progress?.stop();
    process.removeListener('SIGINT', onInterrupt);
    clearTimeout(timer);
  }
}
