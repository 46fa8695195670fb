/**
 * `e4c2 proxy local|gateway --config FILE`: runs a protection proxy (proxy/) for applications that cannot be changed:
 * they speak MQTT in clear to the proxy, which protects and unprotects their messages with E4 identities enrolled
 * like any device (`e4c2 device enrol`). Runs until Ctrl-C or SIGTERM, then stops cleanly (states saved). Its log is
 * JSON lines on stderr; docs/proxy.md describes the configuration file. `e4c2 proxy hash-password` turns a downstream
 * password read on stdin into the scrypt hash a configuration (or a gateway device's `<name>.passwd`) holds.
 */
import { Command, Option } from 'commander';
import type { ProxyMode } from '../../proxy/config/ProxyConfig.js';
import { ProxyConfigError } from '../../proxy/config/ProxyConfigError.js';
import { hashPassword, startProxy } from '../../proxy/startProxy.js';
import { action } from '../CliContext.js';
import { CliError, usageError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import { secretFromStdin } from '../keys/secretFromStdin.js';
import { withExamples } from './withExamples.js';

const configOption = () =>
  new Option('--config <file>', 'the proxy configuration (JSON or YAML; see docs/proxy.md)')
    .env('E4C2_PROXY_CONFIG')
    .makeOptionMandatory();

async function runProxy(mode: ProxyMode, configFile: string): Promise<void> {
  const proxy = await startProxy(mode, configFile).catch((error: unknown) => {
    if (error instanceof ProxyConfigError) throw usageError(error.message);
    throw new CliError(`the ${mode} proxy did not start: ${(error as Error).message}`, ExitCode.Refused);
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await proxy.stop();
}

export function proxyCommand(): Command {
  const proxy = withExamples(
    new Command('proxy').description(
      'run a protection proxy: MQTT in clear on one side, E4-protected messages on the real broker on the other',
    ),
    ['e4c2 proxy local --config proxy.yaml', 'e4c2 proxy gateway --config gateway.yaml'],
  );
  withExamples(
    proxy
      .command('local')
      .description(
        'protect the messages of one application on this machine with one E4 identity (listens on 127.0.0.1)',
      )
      .addOption(configOption()),
    ['e4c2 proxy local --config proxy.yaml', 'E4C2_PROXY_CONFIG=proxy.json e4c2 proxy local'],
  ).action(action(async (_context, options: { config: string }) => runProxy('local', options.config)));
  withExamples(
    proxy
      .command('gateway')
      .description(
        'protect the messages of many devices, each with its own E4 identity, mapped by MQTT client id or username',
      )
      .addOption(configOption()),
    ['e4c2 proxy gateway --config gateway.yaml'],
  ).action(action(async (_context, options: { config: string }) => runProxy('gateway', options.config)));
  withExamples(
    proxy
      .command('hash-password')
      .description(
        "hash a downstream password read on stdin (scrypt) for a proxy configuration's passwordHash or a <name>.passwd",
      ),
    ['head -c 24 /dev/urandom | base64 | tee boiler-3.password | e4c2 proxy hash-password > devices/boiler-3.passwd'],
  ).action(
    action(async (context) => {
      const passwordHash = await hashPassword(await secretFromStdin('password'));
      if (context.output.forPeople) context.output.line(passwordHash);
      else context.output.data({ passwordHash });
    }),
  );
  return proxy;
}
