/** `e4c2 clients ...`: the tenant's devices. */
import { Command } from 'commander';
import type { Schemas } from '../api/Api.js';
import { type ListOptions, listAll, withListOptions } from '../api/listAll.js';
import { clientsExportCommand } from '../bulk/clientsExportCommand.js';
import { clientsImportCommand } from '../bulk/clientsImportCommand.js';
import { action } from '../CliContext.js';
import { clientRef } from '../ids/refs.js';
import type { Column } from '../output/formatTable.js';
import { withExamples } from './withExamples.js';

type Client = Schemas['Client'];

export const CLIENT_COLUMNS: readonly Column<Client>[] = [
  { header: 'name', value: (c) => c.name },
  { header: 'id', value: (c) => c.id },
  { header: 'mode', value: (c) => c.mode },
  { header: 'key', value: (c) => c.keyVersion },
  { header: 'last seen', value: (c) => c.lastSeenAt },
  { header: 'created', value: (c) => c.createdAt },
];

export function clientsCommand(): Command {
  const clients = new Command('clients')
    .alias('client')
    .description('devices (E4 clients): enrol, list, import, export, delete');

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

  clients.addCommand(clientsImportCommand());
  clients.addCommand(clientsExportCommand());

  return clients;
}
