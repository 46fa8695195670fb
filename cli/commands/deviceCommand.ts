/**
 * `e4c2 device ...`: a device from a terminal, for demos and troubleshooting (the device library in cli/device/):
 * enrol one (its state file and enrolment beside it), listen to its C2 commands, publish and read protected messages.
 * A real device keeps its key in protected storage and is enrolled by an operator; this one keeps both in files.
 * `enrol --token -` (or `--token-file`) enrols it by trust on first use instead, with an enrolment window's token.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { bytesToHex, fromBase64 } from '../../shared/e4/node/index.js';
import { action } from '../CliContext.js';
import { CliError, usageError } from '../CliError.js';
import { enrolDevice } from '../device/enrolDevice.js';
import { enrolmentToken, type TokenFlags } from '../device/enrolmentToken.js';
import { DEVICE_MODES, type DeviceMode } from '../device/newDeviceIdentity.js';
import { type DeviceOptions, openDevice } from '../device/openDevice.js';
import { printEvent } from '../device/printEvent.js';
import { RunUntil } from '../device/runUntil.js';
import { ExitCode } from '../ExitCode.js';
import { keyArgumentOf } from '../keys/keyArgumentOf.js';
import { withExamples } from './withExamples.js';

const DEFAULT_STATE = 'e4c2-device.json';
/** How long a device waits for a topic's key by default (the C2 sends it when the device subscribes). */
const KEY_WAIT_S = 10;

function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('a whole number above 0');
  return Number(value);
}

function seconds(value: string): number {
  const number = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || number <= 0) throw new InvalidArgumentError('a number of seconds above 0');
  return number;
}

const stateOption = () =>
  new Option('--state <file>', "the device's E4 state file (e4go's format; its enrolment beside it)")
    .env('E4C2_DEVICE_STATE')
    .default(DEFAULT_STATE);

function withBroker(command: Command): Command {
  return command
    .addOption(stateOption())
    .addOption(new Option('--mqtt-url <url>', 'the MQTT broker (mqtt:// or mqtts://)').env('E4C2_MQTT_URL'))
    .addOption(new Option('--mqtt-ca <file>', "the broker's CA certificate, for mqtts://").env('E4C2_MQTT_CA'));
}

const text = (payload: Uint8Array) => new TextDecoder().decode(payload);

/** Waits for the topic's key (the C2 sends it when the device subscribes to its control topic). */
async function keyFor(device: Awaited<ReturnType<typeof openDevice>>, topic: string, waitS: number): Promise<void> {
  await device.ready(topic, { timeoutMs: waitS * 1000 }).catch(async () => {
    await device.end();
    throw new CliError(
      `the device has no key for ${topic} after ${waitS} s: link it to the topic first`,
      ExitCode.Refused,
    );
  });
}

export function deviceCommand(): Command {
  const device = withExamples(
    new Command('device').description(
      'act as a device from a terminal, for demos and troubleshooting: enrol, listen, publish, read',
    ),
    [
      'e4c2 device enrol alice --state alice.json',
      'e4c2 device read home/kitchen --state alice.json --mqtt-url mqtt://127.0.0.1:1883',
    ],
  );

  withExamples(
    device
      .command('enrol')
      .description(
        'make a device (a key, or a key pair with --mode pubkey) in a state file and create its client in the C2; ' +
          'with --token - or --token-file, the device enrols itself in an enrolment window (trust on first use)',
      )
      .argument('<name>', 'the device name')
      .addOption(stateOption())
      .addOption(new Option('--mode <mode>', 'its E4 mode (default: symmetric)').choices(DEVICE_MODES))
      .addOption(new Option('--pubkey', 'public-key mode (as --mode pubkey): only its Ed25519 public key is sent'))
      .addOption(
        new Option('--token <source>', 'an enrolment window\'s token, read from stdin ("-"); never the token itself'),
      )
      .addOption(new Option('--token-file <file>', "an enrolment window's token, read from this file"))
      .addOption(
        new Option('--c2-pubkey <key>', "with a token and public-key mode: the C2's public key (hex or base64)"),
      ),
    [
      'e4c2 device enrol alice --state alice.json',
      'e4c2 device enrol bob --mode pubkey --state bob.json --json',
      'e4c2 device enrol sensor-0042 --token - --state sensor.json < enrol-token.txt',
      'e4c2 device enrol cam-7 --pubkey --token-file enrol-token.txt --c2-pubkey "$C2_PUBKEY" --state cam-7.json',
    ],
  ).action(
    action(
      async (
        context,
        name: string,
        options: TokenFlags & { state: string; mode?: DeviceMode; pubkey?: boolean; c2Pubkey?: string },
      ) => {
        if (options.pubkey && options.mode === 'symmetric') throw usageError('--pubkey and --mode symmetric disagree');
        const token = await enrolmentToken(options);
        if (options.c2Pubkey !== undefined && token === undefined) {
          throw usageError('--c2-pubkey goes with --token or --token-file (the operator path reads it from the C2)');
        }
        const c2PublicKey =
          options.c2Pubkey === undefined ? undefined : fromBase64(keyArgumentOf(options.c2Pubkey, '--c2-pubkey'));
        const enrolled = await enrolDevice(context, name, {
          state: options.state,
          ...(options.pubkey ? { mode: 'pubkey' as const } : options.mode ? { mode: options.mode } : {}),
          ...(token !== undefined ? { token } : {}),
          ...(c2PublicKey ? { c2PublicKey } : {}),
        });
        if (!context.output.forPeople) return context.output.data(enrolled);
        context.output.line(`Enrolled "${name}" (${enrolled.client.mode}, id ${enrolled.client.id}).`);
        context.output.line(`State: ${enrolled.state}; enrolment and broker credentials: ${enrolled.enrolment}`);
        if (token !== undefined) {
          context.output.line('It gets a new identity key as soon as it comes back (e4c2 device listen).');
        }
      },
    ),
  );

  withExamples(
    withBroker(
      device
        .command('listen')
        .description("print and apply the C2's commands as the device receives them (receipts sent), until Ctrl-C")
        .addOption(new Option('--count <n>', 'stop after n commands').argParser(positiveInteger))
        .addOption(new Option('--timeout <s>', 'stop after s seconds').argParser(seconds)),
    ),
    [
      'e4c2 device listen --state alice.json --mqtt-url mqtt://127.0.0.1:1883',
      'e4c2 device listen --state alice.json --count 1 --timeout 30 --json',
    ],
  ).action(
    action(async (context, options: DeviceOptions & { count?: number; timeout?: number }) => {
      const until = new RunUntil(options.count, options.timeout);
      const opened = await openDevice(context, options, {
        command: (type) => {
          if (!until.wanted) return;
          printEvent(context.output, { command: type }, `command ${type}`);
          until.seen();
        },
        message: (topic, payload) =>
          printEvent(context.output, { topic, message: text(payload) }, `message on ${topic}: ${text(payload)}`),
        error: (error, topic) => context.output.note(`discarded${topic ? ` on ${topic}` : ''}: ${error.message}`),
      });
      context.output.note(`Listening as ${bytesToHex(opened.client.id)} (Ctrl-C to stop).`);
      const why = await until.done;
      await opened.end();
      if (why === 'timeout') until.check('commands');
    }),
  );

  withExamples(
    withBroker(
      device
        .command('publish')
        .description("protect a message with the topic's key and publish it (QoS 1)")
        .argument('<topic>', 'the topic')
        .argument('<message>', 'the message (sent as UTF-8)')
        .addOption(
          new Option('--timeout <s>', "wait at most s seconds for the topic's key")
            .argParser(seconds)
            .default(KEY_WAIT_S),
        ),
    ),
    ['e4c2 device publish home/kitchen "21.5 C" --state alice.json --mqtt-url mqtt://127.0.0.1:1883'],
  ).action(
    action(async (context, topic: string, message: string, options: DeviceOptions & { timeout: number }) => {
      const opened = await openDevice(context, options, {
        error: (error, on) => context.output.note(`discarded${on ? ` on ${on}` : ''}: ${error.message}`),
      });
      // Ended whatever happens: an open connection would keep the process alive after the error.
      try {
        await keyFor(opened, topic, options.timeout);
        await opened.publish(topic, message, { qos: 1 });
      } finally {
        await opened.end();
      }
      const bytes = new TextEncoder().encode(message).length;
      if (context.output.forPeople) context.output.line(`Published ${bytes} bytes on ${topic}, protected.`);
      else context.output.data({ topic, bytes });
    }),
  );

  withExamples(
    withBroker(
      device
        .command('read')
        .description('subscribe to a topic and print its messages, unprotected, until Ctrl-C')
        .argument('<topic>', 'the topic')
        .addOption(new Option('--count <n>', 'stop after n messages').argParser(positiveInteger))
        .addOption(new Option('--timeout <s>', 'stop after s seconds').argParser(seconds)),
    ),
    [
      'e4c2 device read home/kitchen --state bob.json --mqtt-url mqtt://127.0.0.1:1883',
      'e4c2 device read home/kitchen --state bob.json --count 1 --timeout 30 --json',
    ],
  ).action(
    action(async (context, topic: string, options: DeviceOptions & { count?: number; timeout?: number }) => {
      const until = new RunUntil(options.count, options.timeout);
      const opened = await openDevice(context, options, {
        message: (on, payload) => {
          if (on !== topic || !until.wanted) return;
          printEvent(context.output, { topic, message: text(payload) }, text(payload));
          until.seen();
        },
        error: (error, on) => context.output.note(`discarded${on ? ` on ${on}` : ''}: ${error.message}`),
      });
      let why: Awaited<typeof until.done>;
      try {
        await keyFor(opened, topic, Math.min(options.timeout ?? KEY_WAIT_S, KEY_WAIT_S));
        await opened.subscribe(topic);
        context.output.note(`Reading ${topic} (Ctrl-C to stop).`);
        why = await until.done;
      } finally {
        await opened.end();
      }
      if (why === 'timeout') until.check('messages');
    }),
  );

  return device;
}
