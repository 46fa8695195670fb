/**
 * `e4c2 clients ...`: the tenant's devices: enrol (clientsCreateCommand.ts), list, show, delete, reset, a new
 * identity key, a resync, new broker credentials, the topics a device is on. The changes that send commands to
 * devices are operations (`--wait` follows them).
 */
import { Command, Option } from 'commander';
import type { Schemas } from '../api/Api.js';
import { type ListOptions, listAll, withListOptions } from '../api/listAll.js';
import { clientsExportCommand } from '../bulk/clientsExportCommand.js';
import { clientsImportCommand } from '../bulk/clientsImportCommand.js';
import { action } from '../CliContext.js';
import { type ClaimCodeFlags, claimCodeInput } from '../factory/claimCodeInput.js';
import { clientRef } from '../ids/refs.js';
import { startedOperation, timeoutOption, waitOption } from '../operations/startedOperation.js';
import type { Column } from '../output/formatTable.js';
import { clientsCreateCommand } from './clientsCreateCommand.js';
import { type RekeyOptions, rekeyQuery, withRekey } from './rekeyOption.js';
import { withExamples } from './withExamples.js';

type Client = Schemas['Client'];

export const BEHIND_COLUMNS: readonly Column<Schemas['DeviceBehind']>[] = [
  { header: 'id', value: (d) => d.id },
  { header: 'name', value: (d) => d.name },
  { header: 'last seen', value: (d) => d.lastSeenAt },
  {
    header: 'pending',
    value: (d) =>
      [
        ...(d.identityKey ? [`identity key v${d.identityKey.pendingVersion}`] : []),
        ...d.topics.map((t) => `${t.topic} v${t.keyVersion}`),
      ].join(', '),
  },
];

const CLIENT_COLUMNS: readonly Column<Client>[] = [
  { header: 'name', value: (c) => c.name },
  { header: 'id', value: (c) => c.id },
  { header: 'mode', value: (c) => c.mode },
  { header: 'key', value: (c) => c.keyVersion },
  { header: 'last seen', value: (c) => c.lastSeenAt },
  { header: 'created', value: (c) => c.createdAt },
];

export function clientsCommand(): Command {
  const clients = withExamples(
    new Command('clients').alias('client').description('devices (E4 clients): enrol, list, import, export, delete'),
    ['e4c2 clients list', 'e4c2 clients get alice', 'e4c2 clients import devices.csv'],
  );

  withExamples(withListOptions(clients.command('list').alias('ls').description('list the clients, by id')), [
    'e4c2 clients list',
    'e4c2 clients list --all --json',
  ]).action(
    action(async (context, options: ListOptions) => {
      const items = await listAll(options, (query) =>
        context.api.call((client) => client.GET('/v1/clients', { params: { query } })),
      );
      context.output.list(items, CLIENT_COLUMNS, 'No clients.');
    }),
  );

  withExamples(
    withListOptions(
      clients
        .command('behind')
        .description('list the clients that have not confirmed their current keys, with when each was last seen'),
    ),
    ['e4c2 clients behind', 'e4c2 clients behind --all --json'],
  ).action(
    action(async (context, options: ListOptions) => {
      const items = await listAll(options, (query) =>
        context.api.call((client) => client.GET('/v1/devices-behind', { params: { query } })),
      );
      context.output.list(items, BEHIND_COLUMNS, 'No client is behind.');
    }),
  );

  withExamples(
    clients
      .command('get')
      .alias('describe')
      .description('show one client')
      .argument('<client>', 'its name, or its E4 id (32 hex characters)'),
    ['e4c2 clients get alice', 'e4c2 clients get b5d577dc9ce59725e29886632e69ecdf --json'],
  ).action(
    action(async (context, value: string) => {
      const ref = clientRef(value);
      const client = await context.api.call(
        (api) => api.GET('/v1/clients/{clientId}', { params: { path: { clientId: ref.id } } }),
        { notFound: `no ${ref.label}` },
      );
      context.output.record(client);
    }),
  );

  clients.addCommand(clientsCreateCommand());

  withExamples(
    withRekey(clients.command('delete').alias('rm').description('delete a client: off its topics, then deprovisioned'))
      .argument('<client>', CLIENT_ARGUMENT)
      .addOption(waitOption())
      .addOption(timeoutOption()),
    ['e4c2 clients delete alice --wait', 'e4c2 clients delete bob --no-rekey'],
  ).action(
    action(async (context, value: string, options: RekeyOptions & { wait?: boolean }) => {
      const ref = clientRef(value);
      const answer = await context.api.call(
        (api) =>
          api.DELETE('/v1/clients/{clientId}', { params: { path: { clientId: ref.id }, query: rekeyQuery(options) } }),
        { notFound: `no ${ref.label}` },
      );
      await startedOperation(context, answer, answer.operation, options);
    }),
  );

  withExamples(
    withRekey(clients.command('reset').description('take a client off every topic, keeping it enrolled'))
      .argument('<client>', CLIENT_ARGUMENT)
      .addOption(waitOption())
      .addOption(timeoutOption()),
    ['e4c2 clients reset alice --wait', 'e4c2 clients reset alice --no-rekey --json'],
  ).action(
    action(async (context, value: string, options: RekeyOptions & { wait?: boolean }) => {
      const ref = clientRef(value);
      const answer = await context.api.call(
        (api) =>
          api.POST('/v1/clients/{clientId}/reset', {
            params: { path: { clientId: ref.id }, query: rekeyQuery(options) },
          }),
        { notFound: `no ${ref.label}` },
      );
      await startedOperation(context, answer, answer.operation, options);
    }),
  );

  withExamples(
    clients
      .command('resync')
      .description('send a device the topic keys it has not confirmed (never its own key)')
      .argument('<client>', CLIENT_ARGUMENT)
      .addOption(waitOption())
      .addOption(timeoutOption()),
    ['e4c2 clients resync alice --wait'],
  ).action(
    action(async (context, value: string, options: { wait?: boolean }) => {
      const ref = clientRef(value);
      const answer = await context.api.call(
        (api) => api.POST('/v1/clients/{clientId}/resync', { params: { path: { clientId: ref.id } } }),
        { notFound: `no ${ref.label}` },
      );
      await startedOperation(context, answer, answer.operation, options);
    }),
  );

  withExamples(
    clients
      .command('identity-key')
      .description('give a device a new identity key (sent to it under the old one; never shown)')
      .argument('<client>', CLIENT_ARGUMENT)
      .addOption(waitOption())
      .addOption(timeoutOption()),
    ['e4c2 clients identity-key alice --wait'],
  ).action(
    action(async (context, value: string, options: { wait?: boolean }) => {
      const ref = clientRef(value);
      const answer = await context.api.call(
        (api) => api.POST('/v1/clients/{clientId}/identity-key', { params: { path: { clientId: ref.id } } }),
        { notFound: `no ${ref.label}` },
      );
      await startedOperation(context, answer, answer.operation, options);
    }),
  );

  withExamples(
    clients
      .command('mqtt-credentials')
      .description("new broker credentials for a device (local mode's broker); the password is shown once")
      .argument('<client>', CLIENT_ARGUMENT),
    ['e4c2 clients mqtt-credentials alice', 'e4c2 clients mqtt-credentials alice --json'],
  ).action(
    action(async (context, value: string) => {
      const ref = clientRef(value);
      const credentials = await context.api.call(
        (api) => api.POST('/v1/clients/{clientId}/mqtt-credentials', { params: { path: { clientId: ref.id } } }),
        { notFound: `no ${ref.label}` },
      );
      context.output.record(credentials);
      context.output.note('The MQTT password above is shown this once: the previous one no longer works.');
    }),
  );

  withExamples(
    withListOptions(
      clients
        .command('topics')
        .description('the topics a client is on, with the key version it confirmed holding')
        .argument('<client>', CLIENT_ARGUMENT),
    ),
    ['e4c2 clients topics alice', 'e4c2 clients topics alice --all --json'],
  ).action(
    action(async (context, value: string, options: ListOptions) => {
      const ref = clientRef(value);
      const items = await listAll(options, (query) =>
        context.api.call(
          (api) => api.GET('/v1/clients/{clientId}/topics', { params: { path: { clientId: ref.id }, query } }),
          { notFound: `no ${ref.label}` },
        ),
      );
      context.output.list(items, TOPIC_OF_CLIENT_COLUMNS, `No topics for ${ref.label}.`);
    }),
  );

  withExamples(
    clients
      .command('claim')
      .description('claim a factory device by the code on its label: it becomes your client, re-keyed when it connects')
      .addOption(
        new Option('--code <source>', 'the claim code, read from stdin ("-"); never the code itself (ps, history)'),
      )
      .addOption(new Option('--code-file <file>', 'the claim code, read from this file'))
      .option('--topic <topics...>', 'existing topics to put it on'),
    ['e4c2 clients claim --code - < code.txt', 'e4c2 clients claim --code-file code.txt --topic home/kitchen --json'],
  ).action(
    action(async (context, options: ClaimCodeFlags & { topic?: string[] }) => {
      const code = await claimCodeInput(options);
      const body = { code, ...(options.topic === undefined ? {} : { topics: options.topic }) };
      const claimed = await context.api.call((api) => api.POST('/v1/claims', { body }), {
        notFound: 'no device has this claim code',
      });
      context.output.record(claimed);
      if (claimed.mqtt) context.output.note('The MQTT password above is shown this once.');
    }),
  );

  clients.addCommand(clientsImportCommand());
  clients.addCommand(clientsExportCommand());

  return clients;
}

const CLIENT_ARGUMENT = 'its name, or its E4 id (32 hex characters)';

const TOPIC_OF_CLIENT_COLUMNS: readonly Column<Schemas['TopicOfClient']>[] = [
  { header: 'topic', value: (t) => t.topic },
  { header: 'hash', value: (t) => t.hash },
  { header: 'key', value: (t) => t.keyVersion },
  { header: 'confirmed', value: (t) => t.confirmed?.keyVersion },
  { header: 'confirmed at', value: (t) => t.confirmed?.at },
];
