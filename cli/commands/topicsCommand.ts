/**
 * `e4c2 topics ...`: the tenant's topics: create, list, show, delete, rotate their key, their clients, and the links
 * (linksCommands.ts). A topic is given as itself or by its hash (32 hex characters).
 */
import { Command } from 'commander';
import type { Schemas } from '../api/Api.js';
import { type ListOptions, listAll, withListOptions } from '../api/listAll.js';
import { action } from '../CliContext.js';
import { usageError } from '../CliError.js';
import { topicRef } from '../ids/refs.js';
import { startedOperation, timeoutOption, waitOption } from '../operations/startedOperation.js';
import type { Column } from '../output/formatTable.js';
import { linkCommand, unlinkCommand } from './linksCommands.js';
import { withExamples } from './withExamples.js';

type Topic = Schemas['Topic'];

export const TOPIC_COLUMNS: readonly Column<Topic>[] = [
  { header: 'topic', value: (t) => t.topic },
  { header: 'hash', value: (t) => t.hash },
  { header: 'key', value: (t) => t.keyVersion },
  { header: 'created', value: (t) => t.createdAt },
  { header: 'updated', value: (t) => t.updatedAt },
];

const CLIENT_REF_COLUMNS: readonly Column<{ name: string; id: string }>[] = [
  { header: 'name', value: (c) => c.name },
  { header: 'id', value: (c) => c.id },
];

const TOPIC_ARGUMENT = 'the topic, or its E4 hash (32 hex characters)';

export function topicsCommand(): Command {
  const topics = withExamples(
    new Command('topics')
      .alias('topic')
      .description('topics: create, list, rotate their key, put clients on them (link) or take them off (unlink)'),
    [
      'e4c2 topics create home/kitchen',
      'e4c2 topics link home/kitchen alice bob',
      'e4c2 topics rotate home/kitchen --wait',
    ],
  );

  withExamples(
    topics.command('create').description('create a topic (its first key)').argument('<topic>', 'the MQTT topic'),
    ['e4c2 topics create home/kitchen', 'e4c2 topics create home/garden --json'],
  ).action(
    action(async (context, value: string) => {
      const ref = topicRef(value);
      if (ref.name === undefined) throw usageError(`"${ref.id}" reads as a hash: write name:${ref.id} for that topic`);
      const topic = await context.api.call((api) => api.POST('/v1/topics', { body: { topic: ref.name! } }));
      if (!context.output.forPeople) context.output.data(topic);
      else context.output.say(`Created topic "${topic.topic}": hash ${topic.hash}, key version ${topic.keyVersion}.`);
    }),
  );

  withExamples(withListOptions(topics.command('list').alias('ls').description('list the topics, by hash')), [
    'e4c2 topics list',
    'e4c2 topics list --all --json',
  ]).action(
    action(async (context, options: ListOptions) => {
      const items = await listAll(options, (query) =>
        context.api.call((api) => api.GET('/v1/topics', { params: { query } })),
      );
      context.output.list(items, TOPIC_COLUMNS, 'No topics.');
    }),
  );

  withExamples(
    topics.command('get').alias('describe').description('show one topic').argument('<topic>', TOPIC_ARGUMENT),
    ['e4c2 topics get home/kitchen', 'e4c2 topics get a992900f32d6bd60fa252a7e18074438 --json'],
  ).action(
    action(async (context, value: string) => {
      const ref = topicRef(value);
      const topic = await context.api.call(
        (api) => api.GET('/v1/topics/{topicHash}', { params: { path: { topicHash: ref.id } } }),
        { notFound: `no ${ref.label}` },
      );
      context.output.record(topic);
    }),
  );

  withExamples(
    topics
      .command('delete')
      .alias('rm')
      .description('delete a topic: its devices are sent RemoveTopic, then its links, it and its policies go')
      .argument('<topic>', TOPIC_ARGUMENT)
      .addOption(waitOption())
      .addOption(timeoutOption()),
    ['e4c2 topics delete home/kitchen --wait'],
  ).action(
    action(async (context, value: string, options: { wait?: boolean }) => {
      const ref = topicRef(value);
      const answer = await context.api.call(
        (api) => api.DELETE('/v1/topics/{topicHash}', { params: { path: { topicHash: ref.id } } }),
        { notFound: `no ${ref.label}` },
      );
      await startedOperation(context, answer, answer.operation, options);
    }),
  );

  withExamples(
    topics
      .command('rotate')
      .description("rotate a topic's key: every client on it is sent the new key")
      .argument('<topic>', TOPIC_ARGUMENT)
      .addOption(waitOption())
      .addOption(timeoutOption()),
    ['e4c2 topics rotate home/kitchen --wait', 'e4c2 topics rotate home/kitchen --json'],
  ).action(
    action(async (context, value: string, options: { wait?: boolean }) => {
      const ref = topicRef(value);
      const answer = await context.api.call(
        (api) => api.POST('/v1/topics/{topicHash}/rotate', { params: { path: { topicHash: ref.id } } }),
        { notFound: `no ${ref.label}` },
      );
      await startedOperation(context, answer, answer.operation, options);
    }),
  );

  withExamples(
    withListOptions(
      topics.command('clients').description('the clients on a topic, by id').argument('<topic>', TOPIC_ARGUMENT),
    ),
    ['e4c2 topics clients home/kitchen', 'e4c2 topics clients home/kitchen --all --json'],
  ).action(
    action(async (context, value: string, options: ListOptions) => {
      const ref = topicRef(value);
      const items = await listAll(options, (query) =>
        context.api.call(
          (api) => api.GET('/v1/topics/{topicHash}/clients', { params: { path: { topicHash: ref.id }, query } }),
          { notFound: `no ${ref.label}` },
        ),
      );
      context.output.list(items, CLIENT_REF_COLUMNS, `No clients on ${ref.label}.`);
    }),
  );

  topics.addCommand(linkCommand());
  topics.addCommand(unlinkCommand());
  return topics;
}
