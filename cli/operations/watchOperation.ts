/**
 * Follows an operation to its end and reports it: for people, a summary line and the stragglers (devices not
 * confirmed: at most 20, the failed first, "and N more"); for scripts (`--json`, `--output`), the operation as the
 * API shows it. An operation that ended failed or partial exits 1.
 */
import type { Schemas } from '../api/Api.js';
import { listAll } from '../api/listAll.js';
import type { CliContext } from '../CliContext.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import type { Column } from '../output/formatTable.js';
import { type FollowOptions, followOperation } from './followOperation.js';
import {
  STRAGGLER_STATES,
  STRAGGLERS_LISTED,
  type Stragglers,
  selectStragglers,
  stragglerCount,
} from './selectStragglers.js';
import { confirmationText, countsText } from './statusLine.js';

type Operation = Schemas['Operation'];
type Device = Schemas['OperationDevice'];

export const DEVICE_COLUMNS: readonly Column<Device>[] = [
  { header: 'name', value: (d) => d.client.name },
  { header: 'id', value: (d) => d.client.id },
  { header: 'state', value: (d) => (d.confirmedVia ? `${d.state} (via ${d.confirmedVia})` : d.state) },
  { header: 'attempts', value: (d) => d.attempts },
  { header: 'last error', value: (d) => d.lastError },
];

/** The stragglers of a finished operation: the devices of each state not confirmed, until 20 are read. */
export async function fetchStragglers(context: CliContext, operation: Operation): Promise<Stragglers> {
  const devices: Device[] = [];
  for (const state of STRAGGLER_STATES) {
    const wanted = STRAGGLERS_LISTED - devices.length;
    if (wanted <= 0 || operation.counts[state] === 0) continue;
    const page = await listAll({ limit: wanted }, (query) =>
      context.api.call(
        (client) =>
          client.GET('/v1/operations/{operationId}/devices', {
            params: { path: { operationId: operation.id }, query: { ...query, state } },
          }),
        { notFound: `no operation ${operation.id}` },
      ),
    );
    devices.push(...page);
  }
  return selectStragglers(devices, stragglerCount(operation.counts));
}

/** The summary of a finished operation, for people. */
export function summaryLine(operation: Operation): string {
  const confirmed = confirmationText(operation);
  return `Operation ${operation.id} ${operation.status}: ${countsText(operation.counts)}${confirmed ? `; confirmed ${confirmed}` : ''}${operation.error ? ` (${operation.error.code}: ${operation.error.message})` : ''}.`;
}

/** Prints the summary and stragglers of `operation` (people), or the operation (scripts). */
export async function reportOperation(
  context: CliContext,
  operation: Operation,
  { stragglers = true } = {},
): Promise<void> {
  if (!context.output.forPeople) {
    context.output.data(operation);
    return;
  }
  context.output.say(summaryLine(operation));
  if (!stragglers || stragglerCount(operation.counts) === 0) return;
  const { listed, more } = await fetchStragglers(context, operation);
  if (listed.length === 0) return;
  context.output.say(`Not confirmed (${listed.length + more}):`);
  context.output.list(listed, DEVICE_COLUMNS);
  if (more > 0) context.output.say(`and ${more} more (e4c2 operations devices ${operation.id} --all)`);
}

/** The error of an operation that ended failed or partial (exit 1), if it did. */
export function failureOf(operation: Operation): CliError | undefined {
  if (operation.status !== 'failed' && operation.status !== 'partial') return undefined;
  return new CliError(
    `operation ${operation.id} ended ${operation.status}${operation.error ? `: ${operation.error.message}` : ''}`,
    ExitCode.Refused,
    operation.error?.code,
  );
}

/** Follows `operationId` to its end, reports it, and throws when it ended failed or partial. */
export async function watchOperation(
  context: CliContext,
  operationId: string,
  options: FollowOptions = {},
): Promise<Operation> {
  const operation = await followOperation(context, operationId, options);
  await reportOperation(context, operation);
  const failure = failureOf(operation);
  if (failure) throw failure;
  return operation;
}
