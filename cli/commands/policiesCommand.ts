/** `e4c2 policies ...`: rotation policies: what to rotate, how and when; run one now and follow its operations. */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Schemas } from '../api/Api.js';
import { type ListOptions, listAll, withListOptions } from '../api/listAll.js';
import { action, type CliContext } from '../CliContext.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { policyIdOf } from '../ids/refs.js';
import { followOperation, timeoutOption } from '../operations/followOperation.js';
import { waitOption } from '../operations/startedOperation.js';
import { plural } from '../operations/statusLine.js';
import { failureOf, summaryLine } from '../operations/watchOperation.js';
import type { Column } from '../output/formatTable.js';
import {
  type PolicyFlags,
  patchNeedsCurrent,
  policyInputOf,
  policyPatchOf,
  readPolicyFile,
} from '../policies/policyFromFlags.js';
import { OPERATION_COLUMNS } from './operationsCommand.js';
import { withExamples } from './withExamples.js';

type Policy = Schemas['Policy'];
type PolicyRun = Schemas['PolicyRun'];
type Operation = Schemas['Operation'];

const ACTIONS: readonly Policy['action'][] = ['rotate-topic-key', 'new-client-key', 'rotate-c2-key'];
const ID = '01JD3Q8ZK6W7X0M4V2N5B8C9DE';

export const POLICY_COLUMNS: readonly Column<Policy>[] = [
  { header: 'id', value: (p) => p.id },
  { header: 'name', value: (p) => p.name },
  { header: 'action', value: (p) => p.action },
  {
    header: 'target',
    value: (p) => Object.entries(p.target).map(([key, value]) => (value === true ? key : `${key}=${value}`)),
  },
  { header: 'schedule', value: (p) => p.description },
  { header: 'enabled', value: (p) => p.enabled },
  { header: 'next run', value: (p) => p.nextRuns[0] },
];

export const RUN_COLUMNS: readonly Column<PolicyRun>[] = [
  { header: 'id', value: (r) => r.id },
  { header: 'at', value: (r) => r.at },
  { header: 'reason', value: (r) => (r.event ? `${r.reason} ${r.event.type}` : r.reason) },
  { header: 'outcome', value: (r) => (r.error ? `${r.outcome} ${r.error.code}` : r.outcome) },
  { header: 'operations', value: (r) => r.operationCount },
  { header: 'actor', value: (r) => r.actor },
];

function wholeNumber(value: string): number {
  if (!/^[0-9]{1,9}$/.test(value)) throw new InvalidArgumentError('a whole number');
  return Number(value);
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The flags that make or change a policy. */
function withPolicyFlags(command: Command): Command {
  return command
    .addOption(new Option('--name <name>', 'a label for people'))
    .addOption(new Option('--topic <topic>', 'target: one topic'))
    .addOption(new Option('--topic-prefix <prefix>', 'target: every topic whose name starts with this'))
    .addOption(new Option('--all-topics', 'target: every topic'))
    .addOption(new Option('--client <name>', 'target: one client'))
    .addOption(new Option('--client-prefix <prefix>', 'target: every client whose name starts with this'))
    .addOption(new Option('--tenant', "target: the tenant's C2 key (public-key mode)"))
    .addOption(new Option('--action <action>', 'what to do (default: the one that fits the target)').choices(ACTIONS))
    .addOption(new Option('--schedule <expression>', 'rate(1 day), cron(0 3 * * ? *) or at(2026-12-24T18:00:00)'))
    .addOption(new Option('--timezone <zone>', 'IANA time zone of cron and at times (default UTC)'))
    .addOption(
      new Option('--flexible-window <minutes>', 'a run may start up to this many minutes late').argParser(wholeNumber),
    )
    .addOption(
      new Option(
        '--event <event>',
        'an event that runs it (repeat for more): client.subscribed=<n>, client.unsubscribed=<n>, ' +
          'client.removed[:delayMinutes=<n>,batchMinutes=<n>], key.age=<days>',
      ).argParser(collect),
    )
    .addOption(new Option('--enable', 'runs on its schedule and events'))
    .addOption(new Option('--disable', 'kept, but runs neither on schedule nor on events'));
}

const revisionOption = () =>
  new Option(
    '--revision <n>',
    'change it only if it is still at this revision (else exit 1, CONCURRENT_UPDATE)',
  ).argParser(wholeNumber);

const getPolicy = (context: CliContext, policyId: string) =>
  context.api.call((client) => client.GET('/v1/policies/{policyId}', { params: { path: { policyId } } }), {
    notFound: `no policy ${policyId}`,
  });

/** Follows each operation of a run in turn (they run together in the C2); one summary line each. */
async function followRun(
  context: CliContext,
  operations: readonly Operation[],
  timeout?: number,
): Promise<Operation[]> {
  const deadline = timeout === undefined ? undefined : Date.now() + timeout * 1000;
  const finished: Operation[] = [];
  for (const operation of operations) {
    const left = deadline === undefined ? undefined : Math.max(0.001, (deadline - Date.now()) / 1000);
    const done = await followOperation(context, operation.id, left === undefined ? {} : { timeout: left });
    context.output.say(summaryLine(done));
    finished.push(done);
  }
  return finished;
}

/** The `?revision=` of a change: the revision it was read at, when known. */
const revisionQuery = (revision: number | undefined) => (revision === undefined ? {} : { revision });

function printUpdated(context: CliContext, policy: Policy): void {
  if (context.output.forPeople) context.output.say(`Updated policy ${policy.id} (revision ${policy.revision}).`);
  else context.output.data(policy);
}

export function policiesCommand(): Command {
  const policies = withExamples(
    new Command('policies')
      .alias('policy')
      .description('rotation policies: rotate topic keys, client keys or the C2 key on a schedule or on events'),
    ['e4c2 policies list', 'e4c2 policies run <id> --wait'],
  );

  withExamples(
    withPolicyFlags(
      policies
        .command('create')
        .description('create a policy from flags and/or a JSON file (flags win); see the README, Rotation policies')
        .addOption(new Option('--file <file>', 'the policy as JSON (- for stdin), e.g. from `policies get --json`')),
    ),
    [
      'e4c2 policies create --name "home daily" --topic-prefix home/ --schedule "cron(0 3 * * ? *)" --timezone Europe/Paris',
      'e4c2 policies create --name churn --all-topics --event client.removed:delayMinutes=10 --event key.age=90',
      'e4c2 policies create --file policy.json',
    ],
  ).action(
    action(async (context, options: PolicyFlags & { file?: string }) => {
      const file = options.file === undefined ? {} : readPolicyFile(options.file).fields;
      const body = policyInputOf(options, file);
      const policy = await context.api.call((client) => client.POST('/v1/policies', { body }));
      if (context.output.forPeople)
        context.output.say(`Created policy ${policy.id} (${policy.name}): ${policy.description}.`);
      else context.output.data(policy);
    }),
  );

  withExamples(withListOptions(policies.command('list').alias('ls').description('list policies, in creation order')), [
    'e4c2 policies list',
    'e4c2 policies list --all --json',
  ]).action(
    action(async (context, options: ListOptions) => {
      const items = await listAll(options, (query) =>
        context.api.call((client) => client.GET('/v1/policies', { params: { query } })),
      );
      context.output.list(items, POLICY_COLUMNS, 'No policies.');
    }),
  );

  withExamples(
    policies
      .command('get')
      .alias('describe')
      .description('show one policy, with its schedule in English and its next runs')
      .argument('<id>', 'the policy id'),
    [`e4c2 policies get ${ID}`, `e4c2 policies get ${ID} --json > policy.json`],
  ).action(
    action(async (context, value: string) => {
      context.output.record(await getPolicy(context, policyIdOf(value)));
    }),
  );

  withExamples(
    withPolicyFlags(
      policies
        .command('update')
        .description(
          'replace a policy whole from a JSON file (and flags); a file from `policies get --json` carries its ' +
            'revision: the update is refused (exit 1) if the policy changed since',
        )
        .argument('<id>', 'the policy id')
        .requiredOption('--file <file>', 'the policy as JSON (- for stdin)')
        .addOption(revisionOption()),
    ),
    [`e4c2 policies get ${ID} --json > p.json && $EDITOR p.json && e4c2 policies update ${ID} --file p.json`],
  ).action(
    action(async (context, value: string, options: PolicyFlags & { file: string; revision?: number }) => {
      const policyId = policyIdOf(value);
      const { fields, revision: fileRevision } = readPolicyFile(options.file);
      const body = policyInputOf(options, fields);
      const revision = options.revision ?? fileRevision;
      const policy = await context.api.call(
        (client) =>
          client.PUT('/v1/policies/{policyId}', {
            params: { path: { policyId }, query: revisionQuery(revision) },
            body,
          }),
        { notFound: `no policy ${policyId}` },
      );
      printUpdated(context, policy);
    }),
  );

  withExamples(
    withPolicyFlags(
      policies
        .command('patch')
        .description('change some fields of a policy (--event replaces the events; a new target brings its action)')
        .argument('<id>', 'the policy id')
        .addOption(new Option('--remove-schedule', 'remove the schedule (a policy needs a schedule or an event)'))
        .addOption(new Option('--remove-events', 'remove the events'))
        .addOption(revisionOption()),
    ),
    [`e4c2 policies patch ${ID} --disable`, `e4c2 policies patch ${ID} --schedule "rate(12 hours)" --revision 3`],
  ).action(
    action(async (context, value: string, options: PolicyFlags & { revision?: number }) => {
      const policyId = policyIdOf(value);
      const current = patchNeedsCurrent(options) ? await getPolicy(context, policyId) : undefined;
      const body = policyPatchOf(options, current);
      const revision = options.revision ?? current?.revision;
      const policy = await context.api.call(
        (client) =>
          client.PATCH('/v1/policies/{policyId}', {
            params: { path: { policyId }, query: revisionQuery(revision) },
            body,
          }),
        { notFound: `no policy ${policyId}` },
      );
      printUpdated(context, policy);
    }),
  );

  withExamples(
    policies
      .command('delete')
      .alias('rm')
      .description('delete a policy (operations it started go on)')
      .argument('<id>', 'the policy id'),
    [`e4c2 policies delete ${ID}`],
  ).action(
    action(async (context, value: string) => {
      const policyId = policyIdOf(value);
      const deleted = await context.api.call(
        (client) => client.DELETE('/v1/policies/{policyId}', { params: { path: { policyId } } }),
        { notFound: `no policy ${policyId}` },
      );
      if (context.output.forPeople) context.output.say(`Deleted policy ${deleted.id}.`);
      else context.output.data(deleted);
    }),
  );

  withExamples(
    policies
      .command('run')
      .description(
        'run a policy now, enabled or not: one operation per topic or client its target names; with --wait, ' +
          'follow them all (exit 1 if one ended failed or partial)',
      )
      .argument('<id>', 'the policy id')
      .addOption(waitOption())
      .addOption(timeoutOption()),
    [`e4c2 policies run ${ID}`, `e4c2 policies run ${ID} --wait --timeout 600`],
  ).action(
    action(async (context, value: string, options: { wait?: boolean; timeout?: number }) => {
      const policyId = policyIdOf(value);
      const answer = await context.api.call(
        (client) => client.POST('/v1/policies/{policyId}/run', { params: { path: { policyId } } }),
        { notFound: `no policy ${policyId}` },
      );
      const { run } = answer;
      if (!options.wait) {
        if (!context.output.forPeople) return context.output.data(answer);
        context.output.say(`Run ${run.id} ${run.outcome}: ${plural(run.operationCount, 'operation')}.`);
        if (answer.operations.length > 0) context.output.list(answer.operations, OPERATION_COLUMNS);
        if (run.error) context.output.note(`${run.error.code}: ${run.error.message}`);
        if (answer.operations.length > 0)
          context.output.note('Follow them: e4c2 operations watch <id>, or run with --wait');
        return;
      }
      context.output.say(`Run ${run.id} ${run.outcome}: ${plural(run.operationCount, 'operation')}.`);
      const operations = await followRun(context, answer.operations, options.timeout);
      if (!context.output.forPeople) context.output.data({ run, operations });
      const failed = operations.filter((operation) => failureOf(operation) !== undefined);
      if (failed.length === 1) throw failureOf(failed[0] as Operation);
      if (failed.length > 1) {
        const ids = failed.map((operation) => `${operation.id} ${operation.status}`).join(', ');
        throw new CliError(
          `${failed.length} of ${operations.length} operations ended failed or partial: ${ids}`,
          ExitCode.Refused,
        );
      }
    }),
  );

  withExamples(
    withListOptions(
      policies.command('runs').description('list the runs of a policy, newest first').argument('<id>', 'the policy id'),
    ),
    [`e4c2 policies runs ${ID}`, `e4c2 policies runs ${ID} --limit 5 --json`],
  ).action(
    action(async (context, value: string, options: ListOptions) => {
      const policyId = policyIdOf(value);
      const items = await listAll(options, (query) =>
        context.api.call(
          (client) => client.GET('/v1/policies/{policyId}/runs', { params: { path: { policyId }, query } }),
          { notFound: `no policy ${policyId}` },
        ),
      );
      context.output.list(items, RUN_COLUMNS, 'No runs.');
    }),
  );

  return policies;
}
