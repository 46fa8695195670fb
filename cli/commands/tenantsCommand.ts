/**
 * `e4c2 tenants ...`: the platform operator's work (a platform key): create a tenant (its first admin key shown
 * once), list, get, suspend, resume, set its limits, delete (an operation: `--wait` follows it).
 */
import { Command, Option } from 'commander';
import type { Schemas } from '../api/Api.js';
import { type ListOptions, listAll, withListOptions } from '../api/listAll.js';
import { action, type CliContext } from '../CliContext.js';
import { usageError } from '../CliError.js';
import { tenantIdOf } from '../ids/refs.js';
import { waitOption } from '../operations/startedOperation.js';
import type { Column } from '../output/formatTable.js';
import { shownOnce } from '../output/shownOnce.js';
import { followTenantDeletion } from '../tenants/followTenantDeletion.js';
import { parseLimitAssignments, SETTABLE_LIMITS } from '../tenants/parseLimitAssignments.js';
import { withExamples } from './withExamples.js';

type Tenant = Schemas['Tenant'];

const TENANT_COLUMNS: readonly Column<Tenant>[] = [
  { header: 'id', value: (t) => t.id },
  { header: 'name', value: (t) => t.displayName },
  { header: 'status', value: (t) => t.status },
  { header: 'created', value: (t) => t.createdAt },
  { header: 'updated', value: (t) => t.updatedAt },
];

const LIMITS_HELP = `name=value, name one of ${SETTABLE_LIMITS.join(', ')}, value a whole number or "default"`;
const collect = (value: string, previous: string[] = []) => [...previous, value];

/** suspend / resume: the same shape. */
function statusVerb(tenants: Command, verb: 'suspend' | 'resume', description: string): void {
  withExamples(tenants.command(verb).description(description).argument('<tenantId>', 'the tenant id'), [
    `e4c2 tenants ${verb} acme`,
  ]).action(
    action(async (context, value: string) => {
      const tenantId = tenantIdOf(value);
      const request = (client: CliContext['api']['client']) =>
        verb === 'suspend'
          ? client.POST('/v1/tenants/{tenantId}/suspend', { params: { path: { tenantId } } })
          : client.POST('/v1/tenants/{tenantId}/resume', { params: { path: { tenantId } } });
      const tenant = await context.api.call(request, { notFound: `no tenant "${tenantId}"` });
      if (context.output.forPeople) context.output.say(`Tenant "${tenant.id}" ${tenant.status}.`);
      else context.output.data(tenant);
    }),
  );
}

export function tenantsCommand(): Command {
  const tenants = withExamples(
    new Command('tenants')
      .alias('tenant')
      .description("the platform's tenants: create, suspend, limit, delete (a platform key's work)"),
    ['e4c2 --profile platform tenants list', 'e4c2 --profile platform tenants create acme'],
  );

  withExamples(
    tenants
      .command('create')
      .description("create a tenant; its first admin key is shown once (give it to the tenant's operator)")
      .argument('<tenantId>', 'lowercase letters, digits and -, up to 63')
      .option('--name <displayName>', 'a name for people')
      .addOption(new Option('--limit <name=value>', `a limit (repeatable): ${LIMITS_HELP}`).argParser(collect)),
    ['e4c2 tenants create acme --name "Acme Corp" --limit maxClients=1000', 'e4c2 tenants create acme --json'],
  ).action(
    action(async (context, value: string, options: { name?: string; limit?: string[] }) => {
      const id = tenantIdOf(value);
      const limits = parseLimitAssignments(options.limit ?? []);
      const body = {
        id,
        ...(options.name !== undefined ? { displayName: options.name } : {}),
        ...(Object.keys(limits).length > 0 ? { limits } : {}),
      };
      const created = await context.api.call((client) => client.POST('/v1/tenants', { body }));
      shownOnce(context.output, created, "tenant's admin key (adminKey.token)");
    }),
  );

  withExamples(withListOptions(tenants.command('list').alias('ls').description('list the tenants, by id')), [
    'e4c2 tenants list',
    'e4c2 tenants list --all --json',
  ]).action(
    action(async (context, options: ListOptions) => {
      const items = await listAll(options, (query) =>
        context.api.call((client) => client.GET('/v1/tenants', { params: { query } })),
      );
      context.output.list(items, TENANT_COLUMNS, 'No tenants.');
    }),
  );

  withExamples(
    tenants.command('get').alias('describe').description('show one tenant').argument('<tenantId>', 'the tenant id'),
    ['e4c2 tenants get acme', 'e4c2 tenants get acme --json'],
  ).action(
    action(async (context, value: string) => {
      const tenantId = tenantIdOf(value);
      const tenant = await context.api.call(
        (client) => client.GET('/v1/tenants/{tenantId}', { params: { path: { tenantId } } }),
        { notFound: `no tenant "${tenantId}"` },
      );
      context.output.record(tenant);
    }),
  );

  statusVerb(tenants, 'suspend', 'suspend a tenant: its keys are refused (403 TENANT_SUSPENDED) until it is resumed');
  statusVerb(tenants, 'resume', 'resume a suspended tenant: its keys work again');

  withExamples(
    tenants
      .command('limits')
      .description("set a tenant's limits; prints the limits in force and what it holds")
      .argument('<tenantId>', 'the tenant id')
      .argument('<limits...>', LIMITS_HELP),
    ['e4c2 tenants limits acme maxClients=5000 maxTopics=200', 'e4c2 tenants limits acme maxClients=default'],
  ).action(
    action(async (context, value: string, words: string[]) => {
      const tenantId = tenantIdOf(value);
      const body = parseLimitAssignments(words);
      if (Object.keys(body).length === 0) throw usageError('give at least one limit');
      const limits = await context.api.call(
        (client) => client.PUT('/v1/tenants/{tenantId}/limits', { params: { path: { tenantId } }, body }),
        { notFound: `no tenant "${tenantId}"` },
      );
      context.output.record(limits);
    }),
  );

  withExamples(
    tenants
      .command('delete')
      .description('delete a tenant and everything it holds, as an operation (its keys are refused at once)')
      .argument('<tenantId>', 'the tenant id')
      .addOption(waitOption()),
    ['e4c2 tenants delete acme', 'e4c2 tenants delete acme --wait'],
  ).action(
    action(async (context, value: string, options: { wait?: boolean }) => {
      const tenantId = tenantIdOf(value);
      const answer = await context.api.call(
        (client) => client.DELETE('/v1/tenants/{tenantId}', { params: { path: { tenantId } } }),
        { notFound: `no tenant "${tenantId}"` },
      );
      const { operation } = answer;
      if (!options.wait) {
        if (!context.output.forPeople) context.output.data(answer);
        else context.output.say(`Deleting tenant "${tenantId}": operation ${operation.id} ${operation.status}.`);
        context.output.note(`Follow it: e4c2 tenants get ${tenantId}`);
        return;
      }
      const finished = await followTenantDeletion(context, tenantId);
      if (!context.output.forPeople) context.output.data(finished ?? { id: tenantId, status: 'deleted' });
      else context.output.say(`Tenant "${tenantId}" deleted.`);
    }),
  );

  return tenants;
}
