/**
 * `e4c2 enrolment ...`: enrolment windows (trust on first use, the least safe way to enrol): open one for a time and
 * a number of devices, hand its token (shown once) to the devices' installer, follow what it enrolled, close it.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Schemas } from '../api/Api.js';
import { type ListOptions, listAll, withListOptions } from '../api/listAll.js';
import { action } from '../CliContext.js';
import { usageError } from '../CliError.js';
import { isoTimeOf } from '../ids/isoTimeOf.js';
import { apiKeyIdOf } from '../ids/refs.js';
import type { Column } from '../output/formatTable.js';
import { shownOnce } from '../output/shownOnce.js';
import { withExamples } from './withExamples.js';

type EnrolmentWindow = Schemas['EnrolmentWindow'];

const WINDOW_COLUMNS: readonly Column<EnrolmentWindow>[] = [
  { header: 'id', value: (w) => w.id },
  { header: 'name', value: (w) => w.name },
  { header: 'status', value: (w) => w.status },
  { header: 'enrolled', value: (w) => `${w.enrolled}/${w.maxCount}` },
  { header: 'mode', value: (w) => w.mode },
  { header: 'topics', value: (w) => w.topics },
  { header: 'closes', value: (w) => w.closesAt },
];

const WINDOW_ID = 'the window id (16 hex characters: the key id of its token)';

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1) throw new InvalidArgumentError('a whole number from 1');
  return n;
}

interface OpenOptions {
  maxCount: number;
  minutes?: number;
  closesAt?: string;
  name?: string;
  mode?: 'symmetric' | 'pubkey' | 'any';
  topic?: string[];
}

export function enrolmentCommand(): Command {
  const enrolment = withExamples(
    new Command('enrolment')
      .alias('enrollment')
      .description('enrolment windows: devices enrol themselves with a token for a while (trust on first use)'),
    ['e4c2 enrolment open --max-count 20 --minutes 60 --mode symmetric --topic home/kitchen', 'e4c2 enrolment list'],
  );

  withExamples(
    enrolment
      .command('open')
      .description('open a window; its token (scope enrol) is shown once: devices enrol with POST /v1/enrol')
      .addOption(
        new Option('--max-count <n>', 'devices it enrols at most').argParser(wholeNumber).makeOptionMandatory(),
      )
      .addOption(new Option('--minutes <n>', 'how long it stays open (at most 7 days)').argParser(wholeNumber))
      .addOption(new Option('--closes-at <time>', 'or when it closes (ISO 8601)').conflicts('minutes'))
      .option('--name <name>', 'a name for people')
      .addOption(new Option('--mode <mode>', 'the clients it enrols').choices(['symmetric', 'pubkey', 'any']))
      .option('--topic <topics...>', 'existing topics each device is put on (needs --mode symmetric or pubkey)'),
    [
      'e4c2 enrolment open --max-count 20 --minutes 60',
      'e4c2 enrolment open --max-count 5 --closes-at 2027-01-31T18:00:00Z --mode pubkey --topic plant/line-1 --json',
    ],
  ).action(
    action(async (context, options: OpenOptions) => {
      if (options.minutes === undefined && options.closesAt === undefined) {
        throw usageError('give --minutes or --closes-at: how long the window stays open');
      }
      const body = {
        maxCount: options.maxCount,
        ...(options.minutes === undefined ? {} : { durationMinutes: options.minutes }),
        ...(options.closesAt === undefined ? {} : { closesAt: isoTimeOf('--closes-at', options.closesAt) }),
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.mode === undefined ? {} : { mode: options.mode }),
        ...(options.topic === undefined ? {} : { topics: options.topic }),
      };
      const opened = await context.api.call((client) => client.POST('/v1/enrolment-windows', { body }));
      shownOnce(context.output, opened, "window's token");
    }),
  );

  withExamples(withListOptions(enrolment.command('list').alias('ls').description('list the windows, by id')), [
    'e4c2 enrolment list',
  ]).action(
    action(async (context, options: ListOptions) => {
      const items = await listAll(options, (query) =>
        context.api.call((client) => client.GET('/v1/enrolment-windows', { params: { query } })),
      );
      context.output.list(items, WINDOW_COLUMNS, 'No enrolment windows.');
    }),
  );

  withExamples(enrolment.command('get').alias('describe').description('show one window').argument('<id>', WINDOW_ID), [
    'e4c2 enrolment get 0123456789abcdef',
  ]).action(
    action(async (context, value: string) => {
      const windowId = apiKeyIdOf(value);
      const window = await context.api.call(
        (client) => client.GET('/v1/enrolment-windows/{windowId}', { params: { path: { windowId } } }),
        { notFound: `no enrolment window ${windowId}` },
      );
      context.output.record(window);
    }),
  );

  withExamples(
    enrolment
      .command('close')
      .description('close a window now: its token is revoked, what it enrolled stays')
      .argument('<id>', WINDOW_ID),
    ['e4c2 enrolment close 0123456789abcdef'],
  ).action(
    action(async (context, value: string) => {
      const windowId = apiKeyIdOf(value);
      const window = await context.api.call(
        (client) => client.POST('/v1/enrolment-windows/{windowId}/close', { params: { path: { windowId } } }),
        { notFound: `no enrolment window ${windowId}` },
      );
      context.output.record(window);
    }),
  );

  return enrolment;
}
