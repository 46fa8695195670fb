/** `e4c2 events ...`: the tenant's event log (who changed what, when, with what result): list and export. */
import { Command, Option } from 'commander';
import type { Schemas } from '../api/Api.js';
import { type ListOptions, listAll, withListOptions } from '../api/listAll.js';
import { action } from '../CliContext.js';
import { type EventFilters, exportEvents } from '../events/exportEvents.js';
import { timeOf } from '../events/timeOf.js';
import type { Column } from '../output/formatTable.js';
import { targetFilter } from './operationsCommand.js';
import { withExamples } from './withExamples.js';

type Event = Schemas['Event'];

const keysOf = <K extends string>(record: Readonly<Record<K, true>>) => Object.keys(record) as K[];
const TARGET_TYPES = keysOf<Event['target']['type']>({
  client: true,
  topic: true,
  link: true,
  c2key: true,
  apikey: true,
  policy: true,
  tenant: true,
  'enrolment-window': true,
  'factory-batch': true,
});

export const EVENT_COLUMNS: readonly Column<Event>[] = [
  { header: 'at', value: (e) => e.at },
  { header: 'actor', value: (e) => e.actor },
  { header: 'action', value: (e) => e.action },
  { header: 'target', value: (e) => `${e.target.type} ${e.target.name}` },
  { header: 'result', value: (e) => (e.errorCode ? `${e.result} ${e.errorCode}` : e.result) },
];

const TIME_HELP = 'an ISO time, a day (2026-11-23) or an age (90m, 24h, 7d)';

/** The filter flags of the log, shared by list and export. */
function withEventFilters(command: Command): Command {
  return command
    .addOption(new Option('--actor <actor>', 'only the events of this actor (an API key id, scheduler, ...)'))
    .addOption(new Option('--action <action>', 'only this action (topic.rotate), or a prefix ending in "." (policy.)'))
    .addOption(new Option('--target-type <type>', 'only the events on this target: its type').choices(TARGET_TYPES))
    .addOption(new Option('--target <name>', 'only the events on this target: its name (with --target-type)'))
    .addOption(new Option('--result <result>', 'only the changes that succeeded, or failed').choices(['ok', 'error']))
    .addOption(new Option('--from <time>', `only the events at or after this time: ${TIME_HELP}`))
    .addOption(new Option('--to <time>', `only the events before this time: ${TIME_HELP}`));
}

/** The API's query of the filter flags. */
function filtersOf(options: EventFilters): EventFilters {
  targetFilter(options);
  const { actor, action, targetType, target, result, from, to } = options;
  return {
    ...(actor === undefined ? {} : { actor }),
    ...(action === undefined ? {} : { action }),
    ...(targetType === undefined || target === undefined ? {} : { targetType, target }),
    ...(result === undefined ? {} : { result }),
    ...(from === undefined ? {} : { from: timeOf('--from', from) }),
    ...(to === undefined ? {} : { to: timeOf('--to', to) }),
  };
}

export function eventsCommand(): Command {
  const events = withExamples(
    new Command('events')
      .alias('event')
      .description('the event log: who changed what, when, with what result (never keys)'),
    ['e4c2 events list --from 24h', 'e4c2 events export --file events.jsonl'],
  );

  withExamples(
    withEventFilters(withListOptions(events.command('list').alias('ls').description('list events, newest first'))),
    [
      'e4c2 events list',
      'e4c2 events list --action policy. --from 7d',
      'e4c2 events list --target-type topic --target home/kitchen --result error --json',
    ],
  ).action(
    action(async (context, options: ListOptions & EventFilters) => {
      const filters = filtersOf(options);
      const items = await listAll(options, (query) =>
        context.api.call((client) => client.GET('/v1/events', { params: { query: { ...query, ...filters } } })),
      );
      context.output.list(items, EVENT_COLUMNS, 'No events.');
    }),
  );

  withExamples(
    withEventFilters(
      events
        .command('export')
        .description(
          'export the event log as JSON lines, oldest first, all of it (every response of the export), to stdout ' +
            'or a file; verify a file offline with `npm run verify-events`',
        )
        .addOption(new Option('--file <file>', 'write to this file (created whole, or not at all) instead of stdout')),
    ),
    ['e4c2 events export > events.jsonl', 'e4c2 events export --from 2026-11-01 --to 2026-12-01 --file november.jsonl'],
  ).action(
    action(async (context, options: EventFilters & { file?: string }) => {
      await exportEvents(context, filtersOf(options), options.file);
    }),
  );

  return events;
}
