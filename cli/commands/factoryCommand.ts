/**
 * `e4c2 factory batch ...`: factory batches (platform key, profile `platform`): register a batch of devices with
 * their keys (in calls of 100: cli/factory/createFactoryBatch.ts) or add devices to one, and print the claim codes as
 * labels, follow how many were claimed, give an unclaimed device a new code (its code lost), delete one.
 * Tenants claim devices with `e4c2 clients claim --code -`.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Schemas } from '../api/Api.js';
import { type ListOptions, listAll, withListOptions } from '../api/listAll.js';
import { action } from '../CliContext.js';
import { usageError } from '../CliError.js';
import { type CreateBatchOptions, createFactoryBatch, MAX_FILE_DEVICES } from '../factory/createFactoryBatch.js';
import { clientRef } from '../ids/refs.js';
import type { Column } from '../output/formatTable.js';
import { withExamples } from './withExamples.js';

type Batch = Schemas['FactoryBatch'];
type Device = Schemas['FactoryDevice'];

const BATCH_COLUMNS: readonly Column<Batch>[] = [
  { header: 'id', value: (b) => b.id },
  { header: 'name', value: (b) => b.name },
  { header: 'devices', value: (b) => b.devices },
  { header: 'claimed', value: (b) => b.claimed },
  { header: 'unclaimed', value: (b) => b.unclaimed },
  { header: 'created', value: (b) => b.createdAt },
];

const DEVICE_COLUMNS: readonly Column<Device>[] = [
  { header: 'id', value: (d) => d.id },
  { header: 'name', value: (d) => d.name },
  { header: 'mode', value: (d) => d.mode },
  { header: 'status', value: (d) => d.status },
  { header: 'tenant', value: (d) => d.tenantId },
  { header: 'claimed', value: (d) => d.claimedAt },
];

const BATCH_ID = 'the batch id (16 hex characters)';

function batchIdOf(value: string): string {
  const id = value.trim().toLowerCase();
  if (!/^[0-9a-f]{16}$/.test(id)) throw usageError(`"${value}" is not a batch id: ${BATCH_ID}`);
  return id;
}

function deviceCount(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > MAX_FILE_DEVICES) {
    throw new InvalidArgumentError(`a whole number from 1 to ${MAX_FILE_DEVICES}`);
  }
  return n;
}

export function factoryCommand(): Command {
  const factory = withExamples(
    new Command('factory').description('factory batches: devices keyed at the factory, claimed by tenants by code'),
    ['e4c2 --profile platform factory batch list'],
  );
  const batch = withExamples(factory.command('batch').description('batches of factory devices (platform key)'), [
    'e4c2 --profile platform factory batch create --name run-7 --file devices.csv --codes codes.csv --labels labels.svg',
  ]);

  withExamples(
    batch
      .command('create')
      .description(
        'register a batch (any size: sent 100 devices a call); its claim codes (shown once) go to --codes as they ' +
          'come and, with --labels, a label sheet',
      )
      .requiredOption('--name <name>', 'a name for people (a production run)')
      .option('--file <devices.csv>', 'the devices: a CSV with the columns name and key or publicKey (base64)')
      .addOption(
        new Option('--generate <n>', 'or generate n devices with random keys').argParser(deviceCount).conflicts('file'),
      )
      .option('--prefix <prefix>', 'with --generate: the device names (prefix0001, prefix0002, ...)')
      .option('--keys-out <file>', 'with --generate: where the keys go (name,key; 0600), for the flashing station')
      .requiredOption('--codes <file>', 'where the claim codes go (name,id,code; 0600)')
      .option('--labels <file>', 'a label sheet of QR codes: .svg (with names and codes) or .png (A4 pages); 0600')
      .option('--force', 'replace the codes, labels and keys files if they exist (refused otherwise)'),
    [
      'e4c2 --profile platform factory batch create --name run-7 --file devices.csv --codes codes.csv --labels labels.svg',
      'e4c2 --profile platform factory batch create --name run-8 --generate 100 --prefix sensor- --keys-out keys.csv --codes codes.csv --labels labels.png',
    ],
  ).action(action((context, options: CreateBatchOptions) => createFactoryBatch(context, options)));

  withExamples(
    batch
      .command('append')
      .description(
        'add devices to a batch (sent 100 a call); the codes of those added go to --codes as they come; devices ' +
          'the batch holds already are listed, with no new code (their earlier codes still work) unless ' +
          '--reissue-codes',
      )
      .argument('<id>', BATCH_ID)
      .requiredOption('--file <devices.csv>', 'the devices: a CSV with the columns name and key or publicKey (base64)')
      .requiredOption('--codes <file>', 'where the claim codes go (name,id,code; 0600)')
      .option('--labels <file>', 'a label sheet of QR codes: .svg (with names and codes) or .png (A4 pages); 0600')
      .option('--force', 'replace the codes and labels files if they exist (refused otherwise)')
      .option(
        '--reissue-codes',
        'give the devices the batch holds already new codes (for those whose codes were never written, an answer ' +
          'lost): their earlier codes, and printed labels, stop working',
      ),
    [
      'e4c2 --profile platform factory batch append 0123456789abcdef --file more-devices.csv --codes more-codes.csv',
      'e4c2 --profile platform factory batch append 0123456789abcdef --file lost-answer.csv --codes lost-codes.csv --reissue-codes',
    ],
  ).action(
    action((context, value: string, options: Omit<CreateBatchOptions, 'batchId'>) =>
      createFactoryBatch(context, { ...options, batchId: batchIdOf(value) }),
    ),
  );

  withExamples(withListOptions(batch.command('list').alias('ls').description('list the batches, with their counts')), [
    'e4c2 --profile platform factory batch list',
  ]).action(
    action(async (context, options: ListOptions) => {
      const items = await listAll(options, (query) =>
        context.api.call((client) => client.GET('/v1/factory-batches', { params: { query } })),
      );
      context.output.list(items, BATCH_COLUMNS, 'No factory batches.');
    }),
  );

  withExamples(
    batch
      .command('get')
      .alias('describe')
      .description('show one batch: devices claimed and unclaimed')
      .argument('<id>', BATCH_ID),
    ['e4c2 --profile platform factory batch get 0123456789abcdef'],
  ).action(
    action(async (context, value: string) => {
      const batchId = batchIdOf(value);
      const found = await context.api.call(
        (client) => client.GET('/v1/factory-batches/{batchId}', { params: { path: { batchId } } }),
        { notFound: `no factory batch ${batchId}` },
      );
      context.output.record(found);
    }),
  );

  withExamples(
    withListOptions(
      batch
        .command('devices')
        .description("list a batch's devices: claimed or not, and by which tenant")
        .argument('<id>', BATCH_ID),
    ),
    ['e4c2 --profile platform factory batch devices 0123456789abcdef --all'],
  ).action(
    action(async (context, value: string, options: ListOptions) => {
      const batchId = batchIdOf(value);
      const items = await listAll(options, (query) =>
        context.api.call(
          (client) => client.GET('/v1/factory-batches/{batchId}/devices', { params: { path: { batchId }, query } }),
          { notFound: `no factory batch ${batchId}` },
        ),
      );
      context.output.list(items, DEVICE_COLUMNS, 'No devices.');
    }),
  );

  withExamples(
    batch
      .command('new-code')
      .description(
        'a new claim code for an unclaimed device whose code was lost (shown once; the old one stops working); ' +
          '`append --reissue-codes` asks it for every device of its file the batch holds already',
      )
      .argument('<id>', BATCH_ID)
      .argument('<device>', 'the device: its name, or its id (32 hex characters)'),
    ['e4c2 --profile platform factory batch new-code 0123456789abcdef sensor-0007'],
  ).action(
    action(async (context, value: string, device: string) => {
      const batchId = batchIdOf(value);
      const ref = clientRef(device);
      const reissued = await context.api.call(
        (client) =>
          client.POST('/v1/factory-batches/{batchId}/devices/{clientId}/code', {
            params: { path: { batchId, clientId: ref.id } },
          }),
        { notFound: `no ${ref.label.replace('client', 'device')} in factory batch ${batchId}` },
      );
      context.output.record(reissued);
      context.output.note('The claim code above is shown this once: the previous one no longer works.');
    }),
  );

  withExamples(
    batch
      .command('delete-device')
      .description('delete an unclaimed device of a batch: its code stops working, its name is free again')
      .argument('<id>', BATCH_ID)
      .argument('<device>', 'the device: its name, or its id (32 hex characters)'),
    ['e4c2 --profile platform factory batch delete-device 0123456789abcdef sensor-0007'],
  ).action(
    action(async (context, value: string, device: string) => {
      const batchId = batchIdOf(value);
      const ref = clientRef(device);
      const deleted = await context.api.call(
        (client) =>
          client.DELETE('/v1/factory-batches/{batchId}/devices/{clientId}', {
            params: { path: { batchId, clientId: ref.id } },
          }),
        { notFound: `no ${ref.label.replace('client', 'device')} in factory batch ${batchId}` },
      );
      context.output.record(deleted);
    }),
  );

  return factory;
}
