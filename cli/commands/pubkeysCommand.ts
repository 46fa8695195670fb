/**
 * `e4c2 pubkeys ...`: public-key mode's key distribution by hand (linking does it for a topic's clients): send a
 * device another client's Ed25519 public key, take one back, or take them all back. Each is done at once; a command
 * the broker did not take exits 1.
 */
import { Command } from 'commander';
import type { Schemas } from '../api/Api.js';
import { action, type CliContext } from '../CliContext.js';
import { namingRefs } from '../ids/namingRefs.js';
import { clientRef } from '../ids/refs.js';
import { deliveryFailure, deliverySummary } from '../output/deliveryOutcome.js';
import { withExamples } from './withExamples.js';

const CLIENT_ARGUMENT = 'the device: its name, or its E4 id (32 hex characters)';
const SOURCE_ARGUMENT = 'the client whose public key it is: its name, or its E4 id';

function delivered(context: CliContext, answer: { delivery: Schemas['DeliveryReport'] }, done: string): void {
  if (!context.output.forPeople) context.output.data(answer);
  else context.output.say(`${done}: ${deliverySummary(answer.delivery)}.`);
  const failure = deliveryFailure(answer.delivery);
  if (failure) throw failure;
}

export function pubkeysCommand(): Command {
  const pubkeys = withExamples(
    new Command('pubkeys')
      .alias('pubkey')
      .description("public-key mode: send devices each other's public keys, or take them back"),
    ['e4c2 pubkeys send alice bob'],
  );

  withExamples(
    pubkeys
      .command('send')
      .description("send a device the public key of another client (it can then verify that client's messages)")
      .argument('<client>', CLIENT_ARGUMENT)
      .argument('<source-client>', SOURCE_ARGUMENT),
    ['e4c2 pubkeys send alice bob', 'e4c2 pubkeys send alice bob --json'],
  ).action(
    action(async (context, clientValue: string, sourceValue: string) => {
      const [client, source] = [clientRef(clientValue), clientRef(sourceValue)];
      const path = { clientId: client.id, sourceClientId: source.id };
      const answer = await namingRefs([client, source], () =>
        context.api.call((api) => api.PUT('/v1/clients/{clientId}/pubkeys/{sourceClientId}', { params: { path } })),
      );
      delivered(context, answer, `Sent the public key of ${source.label} to ${client.label}`);
    }),
  );

  withExamples(
    pubkeys
      .command('remove')
      .alias('rm')
      .description('take back from a device the public key of another client')
      .argument('<client>', CLIENT_ARGUMENT)
      .argument('<source-client>', SOURCE_ARGUMENT),
    ['e4c2 pubkeys remove alice bob'],
  ).action(
    action(async (context, clientValue: string, sourceValue: string) => {
      const [client, source] = [clientRef(clientValue), clientRef(sourceValue)];
      const path = { clientId: client.id, sourceClientId: source.id };
      const answer = await namingRefs([client, source], () =>
        context.api.call((api) => api.DELETE('/v1/clients/{clientId}/pubkeys/{sourceClientId}', { params: { path } })),
      );
      delivered(context, answer, `Took the public key of ${source.label} back from ${client.label}`);
    }),
  );

  withExamples(
    pubkeys
      .command('reset')
      .description('take back from a device every public key it holds')
      .argument('<client>', CLIENT_ARGUMENT),
    ['e4c2 pubkeys reset alice'],
  ).action(
    action(async (context, clientValue: string) => {
      const client = clientRef(clientValue);
      const answer = await context.api.call(
        (api) => api.DELETE('/v1/clients/{clientId}/pubkeys', { params: { path: { clientId: client.id } } }),
        { notFound: `no ${client.label}` },
      );
      delivered(context, answer, `Took every public key back from ${client.label}`);
    }),
  );

  return pubkeys;
}
