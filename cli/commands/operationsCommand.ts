/** `e4c2 operations ...`: the changes that send commands to devices: list, show, follow, retry. */
import { Command, Option } from 'commander';
import type { Schemas } from '../api/Api.js';
import { type ListOptions, listAll, withListOptions } from '../api/listAll.js';
import { action } from '../CliContext.js';
import { usageError } from '../CliError.js';
import { operationIdOf } from '../ids/refs.js';
import { timeoutOption, UNTIL_VALUES, type Until } from '../operations/followOperation.js';
import { startedOperation, waitOption } from '../operations/startedOperation.js';
import { DEVICE_COLUMNS, watchOperation } from '../operations/watchOperation.js';
import type { Column } from '../output/formatTable.js';
import { withExamples } from './withExamples.js';

type Operation = Schemas['Operation'];

type Device = Schemas['OperationDevice'];

/** The keys of a record over a union: a value the API adds does not compile until it is listed here. */
const keysOf = <K extends string>(record: Readonly<Record<K, true>>) => Object.keys(record) as K[];

const OPERATION_STATUSES = keysOf<Operation['status']>({
  pending: true,
  running: true,
  succeeded: true,
  failed: true,
  partial: true,
});
const OPERATION_KINDS = keysOf<Operation['kind']>({
  'topic.rotate': true,
  'topic.delete': true,
  'link.delete': true,
  'client.delete': true,
  'client.reset': true,
  'client.identityKey': true,
  'client.resync': true,
  'c2key.rotate': true,
  'tenant.delete': true,
});
const TARGET_TYPES = keysOf<Operation['target']['type']>({
  topic: true,
  client: true,
  link: true,
  c2key: true,
  tenant: true,
});
const DEVICE_STATES = keysOf<Device['state']>({ pending: true, sent: true, confirmed: true, failed: true });

export const OPERATION_COLUMNS: readonly Column<Operation>[] = [
  { header: 'id', value: (o) => o.id },
  { header: 'kind', value: (o) => o.kind },
  { header: 'target', value: (o) => o.target.name },
  { header: 'status', value: (o) => o.status },
  { header: 'devices', value: (o) => o.counts.total },
  { header: 'failed', value: (o) => o.counts.failed },
  { header: 'confirmed', value: (o) => (o.confirmation ? `${o.confirmation.percent}%` : undefined) },
  { header: 'created', value: (o) => o.createdAt },
];

interface OperationFilters extends ListOptions {
  status?: Operation['status'];
  kind?: Operation['kind'];
  targetType?: Operation['target']['type'];
  target?: string;
  parent?: string;
}

/** `--target-type` and `--target` go together (the API's target filter is both). */
export function targetFilter(options: { targetType?: string; target?: string }): void {
  if ((options.targetType === undefined) !== (options.target === undefined)) {
    throw usageError('--target-type and --target go together (e.g. --target-type topic --target home/kitchen)');
  }
}

export function operationsCommand(): Command {
  const operations = withExamples(
    new Command('operations')
      .alias('operation')
      .alias('ops')
      .description('operations: changes that send commands to devices (rotations, removals...); follow and retry them'),
    ['e4c2 operations list --status running', 'e4c2 operations watch <id>'],
  );

  withExamples(
    withListOptions(
      operations
        .command('list')
        .alias('ls')
        .description('list operations, newest first')
        .addOption(new Option('--status <status>', 'only those in this status').choices(OPERATION_STATUSES))
        .addOption(new Option('--kind <kind>', 'only those of this kind').choices(OPERATION_KINDS))
        .addOption(new Option('--target-type <type>', 'only those on this target: its type').choices(TARGET_TYPES))
        .addOption(
          new Option('--target <name>', 'only those on this target: the topic, client name or "<topic> <client>"'),
        )
        .addOption(new Option('--parent <id>', 'only the steps of this operation (a client deletion or reset)')),
    ),
    [
      'e4c2 operations list',
      'e4c2 operations list --status partial --all',
      'e4c2 operations list --target-type topic --target home/kitchen --json',
    ],
  ).action(
    action(async (context, options: OperationFilters) => {
      targetFilter(options);
      const { status, kind, targetType, target } = options;
      const parent = options.parent === undefined ? undefined : operationIdOf(options.parent);
      const filters = {
        ...(status ? { status } : {}),
        ...(kind ? { kind } : {}),
        ...(targetType && target !== undefined ? { targetType, target } : {}),
        ...(parent ? { parent } : {}),
      };
      const items = await listAll(options, (query) =>
        context.api.call((client) => client.GET('/v1/operations', { params: { query: { ...query, ...filters } } })),
      );
      context.output.list(items, OPERATION_COLUMNS, 'No operations.');
    }),
  );

  withExamples(
    operations
      .command('get')
      .alias('describe')
      .description('show one operation: status, devices by state, confirmations')
      .argument('<id>', 'the operation id'),
    ['e4c2 operations get 01JD3Q8ZK6W7X0M4V2N5B8C9DE', 'e4c2 operations get 01JD3Q8ZK6W7X0M4V2N5B8C9DE --json'],
  ).action(
    action(async (context, value: string) => {
      const operationId = operationIdOf(value);
      const operation = await context.api.call(
        (client) => client.GET('/v1/operations/{operationId}', { params: { path: { operationId } } }),
        { notFound: `no operation ${operationId}` },
      );
      context.output.record(operation);
    }),
  );

  withExamples(
    withListOptions(
      operations
        .command('devices')
        .description(
          "list an operation's devices with their state (a key confirmed through a resync: via its id), attempts and " +
            'last error, by client id',
        )
        .argument('<id>', 'the operation id')
        .addOption(new Option('--state <state>', 'only the devices in this state').choices(DEVICE_STATES)),
    ),
    [
      'e4c2 operations devices 01JD3Q8ZK6W7X0M4V2N5B8C9DE',
      'e4c2 operations devices 01JD3Q8ZK6W7X0M4V2N5B8C9DE --state failed --all',
    ],
  ).action(
    action(async (context, value: string, options: ListOptions & { state?: Device['state'] }) => {
      const operationId = operationIdOf(value);
      const items = await listAll(options, (query) =>
        context.api.call(
          (client) =>
            client.GET('/v1/operations/{operationId}/devices', {
              params: {
                path: { operationId },
                query: { ...query, ...(options.state ? { state: options.state } : {}) },
              },
            }),
          { notFound: `no operation ${operationId}` },
        ),
      );
      context.output.list(items, DEVICE_COLUMNS, 'No devices.');
    }),
  );

  withExamples(
    operations
      .command('watch')
      .description(
        'follow an operation until it has finished (--until confirmed: until every device able to confirm has), ' +
          'then print its summary and the devices not confirmed; exit 1 if it ended failed or partial',
      )
      .argument('<id>', 'the operation id')
      .addOption(
        new Option('--until <what>', 'finished, or confirmed: also wait for the confirmations (receipts)')
          .choices(UNTIL_VALUES)
          .default('finished'),
      )
      .addOption(timeoutOption()),
    [
      'e4c2 operations watch 01JD3Q8ZK6W7X0M4V2N5B8C9DE',
      'e4c2 operations watch 01JD3Q8ZK6W7X0M4V2N5B8C9DE --until confirmed --timeout 300',
    ],
  ).action(
    action(async (context, value: string, options: { until: Until; timeout?: number }) => {
      const operationId = operationIdOf(value);
      await watchOperation(context, operationId, {
        until: options.until,
        ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      });
    }),
  );

  withExamples(
    operations
      .command('retry')
      .description(
        "send a finished operation's key again to its devices that have not confirmed it (the operation that " +
          'installed the current key of its topic)',
      )
      .argument('<id>', 'the operation id')
      .addOption(waitOption())
      .addOption(timeoutOption()),
    ['e4c2 operations retry 01JD3Q8ZK6W7X0M4V2N5B8C9DE --wait'],
  ).action(
    action(async (context, value: string, options: { wait?: boolean; timeout?: number }) => {
      const operationId = operationIdOf(value);
      const answer = await context.api.call(
        (client) => client.POST('/v1/operations/{operationId}/retry', { params: { path: { operationId } } }),
        { notFound: `no operation ${operationId}` },
      );
      await startedOperation(context, answer, answer.operation, options);
    }),
  );

  return operations;
}
