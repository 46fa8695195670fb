/**
 * `e4c2 topics link <topic> <client...>` and `e4c2 topics unlink <topic> <client...>`: puts clients on a topic
 * (each is sent the topic key at once; linking again sends it again) or takes them off (by default an operation per
 * client that re-keys the topic for the others; `--no-rekey`: at once, RemoveTopic only). One request per client,
 * in the order given; JSON output is an array of the API's answers (with `--wait`, of the finished operations), and
 * what was done before a failure is printed before it.
 */
import { Command } from 'commander';
import type { Schemas } from '../api/Api.js';
import { action, type CliContext } from '../CliContext.js';
import { namingRefs } from '../ids/namingRefs.js';
import { clientRef, type Ref, topicRef } from '../ids/refs.js';
import { followOperation } from '../operations/followOperation.js';
import { summary, timeoutOption, waitOption } from '../operations/startedOperation.js';
import { failureOf } from '../operations/watchOperation.js';
import { deliveryFailure, deliverySummary } from '../output/deliveryOutcome.js';
import { type RekeyOptions, rekeyQuery, withRekey } from './rekeyOption.js';
import { withExamples } from './withExamples.js';

const TOPIC_ARGUMENT = 'the topic, or its E4 hash (32 hex characters)';
const CLIENTS_ARGUMENT = 'their names, or E4 ids (32 hex characters)';

type LinkPath = { topicHash: string; clientId: string };

/**
 * Runs `each` for every client in turn, then prints the outcomes (JSON: an array) and throws the first failure: a
 * refused request stops there, a delivery or operation that failed does not stop the others.
 */
async function forEachClient(
  context: CliContext,
  topic: Ref,
  clients: readonly Ref[],
  each: (path: LinkPath, client: Ref) => Promise<{ outcome: unknown; failure?: Error }>,
): Promise<void> {
  const outcomes: unknown[] = [];
  let failure: unknown;
  try {
    for (const client of clients) {
      const path = { topicHash: topic.id, clientId: client.id };
      const done = await namingRefs([topic, client], () => each(path, client));
      outcomes.push(done.outcome);
      failure ??= done.failure;
    }
  } catch (error) {
    failure = error;
  }
  if (!context.output.forPeople) context.output.data(outcomes);
  if (failure) throw failure;
}

export function linkCommand(): Command {
  return withExamples(
    new Command('link')
      .description('put clients on a topic: each is sent the topic key (again, if it was on it)')
      .argument('<topic>', TOPIC_ARGUMENT)
      .argument('<clients...>', CLIENTS_ARGUMENT),
    ['e4c2 topics link home/kitchen alice bob', 'e4c2 topics link home/kitchen alice --json'],
  ).action(
    action(async (context, topicValue: string, clientValues: string[]) => {
      const topic = topicRef(topicValue);
      const clients = clientValues.map(clientRef);
      await forEachClient(context, topic, clients, async (path) => {
        const link = await context.api.call((api) =>
          api.PUT('/v1/topics/{topicHash}/clients/{clientId}', { params: { path } }),
        );
        context.output.say(
          `Linked "${link.client}" to "${link.topic}": key version ${link.keyVersion}, ${deliverySummary(link.delivery)}.`,
        );
        return { outcome: link, failure: deliveryFailure(link.delivery) };
      });
    }),
  );
}

type Unlinked = {
  topic: string;
  client: string;
  rekeyed: boolean;
  keyVersion?: number;
  delivery?: Schemas['DeliveryReport'];
  operation?: Schemas['Operation'];
};

export function unlinkCommand(): Command {
  return withExamples(
    withRekey(
      new Command('unlink')
        .description('take clients off a topic: the topic is re-keyed for the others (an operation per client)')
        .argument('<topic>', TOPIC_ARGUMENT)
        .argument('<clients...>', CLIENTS_ARGUMENT),
    )
      .addOption(waitOption())
      .addOption(timeoutOption()),
    ['e4c2 topics unlink home/kitchen bob --wait', 'e4c2 topics unlink home/kitchen bob carol --no-rekey --json'],
  ).action(
    action(
      async (
        context,
        topicValue: string,
        clientValues: string[],
        options: RekeyOptions & { wait?: boolean; timeout?: number },
      ) => {
        const topic = topicRef(topicValue);
        const clients = clientValues.map(clientRef);
        const { output } = context;
        await forEachClient(context, topic, clients, async (path) => {
          const answer: Unlinked = await context.api.call((api) =>
            api.DELETE('/v1/topics/{topicHash}/clients/{clientId}', { params: { path, query: rekeyQuery(options) } }),
          );
          const what = `"${answer.client}" off "${answer.topic}"`;
          if (!answer.operation) {
            output.say(`Took ${what} without re-key: ${answer.delivery ? deliverySummary(answer.delivery) : 'done'}.`);
            return { outcome: answer, failure: answer.delivery && deliveryFailure(answer.delivery) };
          }
          if (!options.wait) {
            output.say(`Taking ${what}: operation ${answer.operation.id} ${answer.operation.status}.`);
            if (output.forPeople) output.note(`Follow it: e4c2 operations watch ${answer.operation.id}`);
            return { outcome: answer };
          }
          const finished = await followOperation(
            context,
            answer.operation.id,
            options.timeout === undefined ? {} : { timeout: options.timeout },
          );
          output.say(`Took ${what}: operation ${finished.id} ${finished.status}: ${summary(finished.counts)}.`);
          return { outcome: finished, failure: failureOf(finished) };
        });
      },
    ),
  );
}
