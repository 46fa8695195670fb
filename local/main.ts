/**
 * `npm start`: the C2 in local mode (see startLocal). The only file of local/ that reads the environment.
 *
 *   e4c2 local mode [--state-dir DIR] [--host HOST] [--port N] [--mqtt-port N [--mqtt-tls] | --mqtt-url URL]
 *                   [--new-admin-key] [--new-platform-key] [--allow-anonymous-devices] [--no-cli-profile]
 *                   [--log-level debug|info|warn|error|silent] [--log-format json|pretty] [--no-web-ui]
 *
 * Serves the operator web UI at `/` on the API's port (not with --no-web-ui), building web/dist first when it is
 * missing or older than its sources (buildWebUi.ts: a line says so; a build that fails leaves the API alone served).
 * Prints the API URL, the web UI's, the MQTT URL (with --mqtt-tls, `mqtts://` and the CA file devices trust) and, on the first start
 * of a state folder (or with --new-admin-key), an admin API key on stdout, and a platform operator key on the first
 * start (or with --new-platform-key), and writes the keys it printed as profiles of the `e4c2` CLI (see
 * cli/config/localProfiles.ts; into `$E4C2_CONFIG`, else ~/.config/e4c2/config.json; not with --no-cli-profile);
 * logs requests, command fan-outs and device connections on stderr (pretty on a terminal, JSON otherwise). Stops cleanly on SIGINT, SIGTERM and SIGHUP (exit 0: the ports and the state folder are
 * free); a start that cannot happen (port taken, state folder not writable or in use) prints one line and exits 1.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { configFileOf } from '../cli/config/configFile.js';
import { writeLocalProfiles } from '../cli/config/localProfiles.js';
import { buildWebUi } from './buildWebUi.js';
import { LocalModeError } from './LocalModeError.js';
import { createLocalLogger, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './localLogger.js';
import { type LocalC2Server, startLocal } from './startLocal.js';

interface CliOptions {
  stateDir: string;
  host: string;
  port: number;
  mqttPort: number;
  mqttUrl?: string;
  mqttTls?: boolean;
  newAdminKey?: boolean;
  newPlatformKey?: boolean;
  allowAnonymousDevices?: boolean;
  cliProfile: boolean;
  logLevel: LogLevel;
  logFormat?: LogFormat;
  webUi: boolean;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port > 65_535) {
    throw new InvalidArgumentError('a port is an integer from 0 (any free port) to 65535');
  }
  return port;
}

const program = new Command()
  .name('e4c2-local')
  .description('The e4c2 key server (C2) in local mode: HTTP API, embedded MQTT broker and database on this machine.')
  .addOption(
    new Option('--state-dir <dir>', 'folder of the database and the keyring (keep it private)')
      .env('E4C2_STATE_DIR')
      .default('./.e4c2'),
  )
  .addOption(new Option('--host <host>', 'interface the API and the broker listen on').default('127.0.0.1'))
  .addOption(
    new Option('--port <port>', 'HTTP port of the API (0: any free port)')
      .env('E4C2_PORT')
      .default(8080)
      .argParser(parsePort),
  )
  .addOption(
    new Option('--mqtt-port <port>', 'port of the embedded MQTT broker (0: any free port)')
      .env('E4C2_MQTT_PORT')
      .default(1883)
      .argParser(parsePort),
  )
  .addOption(
    new Option('--mqtt-url <url>', 'publish commands to this broker instead of starting the embedded one').env(
      'E4C2_MQTT_URL',
    ),
  )
  .addOption(
    new Option(
      '--mqtt-tls',
      'the embedded broker speaks MQTT over TLS only (mqtts), its certificate issued by a CA made in <state-dir>/tls',
    ).conflicts('mqttUrl'),
  )
  .addOption(new Option('--new-admin-key', 'create another admin API key (for a lost one) and print it'))
  .addOption(new Option('--new-platform-key', 'create another platform operator key (for a lost one) and print it'))
  .addOption(
    new Option(
      '--allow-anonymous-devices',
      'let devices connect to the embedded broker without credentials (demos, e4go devices)',
    ),
  )
  .addOption(
    new Option('--no-cli-profile', 'do not write the keys created as profiles of the e4c2 CLI (default, platform)'),
  )
  .addOption(
    new Option('--log-level <level>', 'least severe log lines shown')
      .choices(LOG_LEVELS)
      .env('E4C2_LOG_LEVEL')
      .default('info'),
  )
  .addOption(
    new Option('--log-format <format>', 'log lines as JSON or pretty (default: pretty on a terminal, else JSON)')
      .choices(LOG_FORMATS)
      .env('E4C2_LOG_FORMAT'),
  )
  .addOption(new Option('--no-web-ui', 'serve the API only, not the operator web UI at /'))
  .showHelpAfterError();

program.parse();
const options = program.opts<CliOptions>();

const out = (line = '') => process.stdout.write(`${line}\n`);
const log = createLocalLogger({
  level: options.logLevel,
  format: options.logFormat ?? (process.stderr.isTTY ? 'pretty' : 'json'),
});
function fail(message: string): never {
  process.stderr.write(`e4c2: ${message}\n`);
  process.exit(1);
}

// Local mode talks to the SDK's embedded dynalite only: the SDK's warning about future Node support (multi-line, on
// every start under Node 20) says nothing useful here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Signals are handled from the start (a signal without a handler kills the process at once): one that arrives while
// local mode starts stops it as soon as it is up; a second one exits at once.
let server: LocalC2Server | undefined;
let stopRequested = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (stopRequested) {
    process.stderr.write(`e4c2: ${signal} again, exiting at once\n`);
    process.exit(1);
  }
  stopRequested = true;
  log.info('stopping', { signal });
  if (server) stop(server);
};
// SIGHUP too: the terminal local mode runs in was closed.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

function stop(running: LocalC2Server): void {
  setTimeout(() => fail('did not stop within 10 s'), 10_000).unref();
  running.close().then(
    () => {
      out('e4c2 local mode stopped.');
      process.exit(0);
    },
    (error: unknown) => fail(`did not stop cleanly: ${(error as Error).message}`),
  );
}

let webUi: string | undefined;
if (options.webUi) {
  try {
    webUi = (
      await buildWebUi((reason) =>
        out(`Building the web UI (web/dist ${reason === 'missing' ? 'is missing' : 'is older than web/src'})...`),
      )
    ).dir;
  } catch (error) {
    process.stderr.write(`e4c2: the web UI could not be built, serving the API only: ${(error as Error).message}\n`);
  }
}

try {
  server = await startLocal({
    stateDir: options.stateDir,
    host: options.host,
    httpPort: options.port,
    mqttPort: options.mqttPort,
    ...(options.mqttUrl ? { mqttUrl: options.mqttUrl } : {}),
    mqttTls: options.mqttTls ?? false,
    newAdminKey: options.newAdminKey ?? false,
    newPlatformKey: options.newPlatformKey ?? false,
    allowAnonymousDevices: options.allowAnonymousDevices ?? false,
    log,
    ...(webUi === undefined ? {} : { webUi }),
  });
} catch (error) {
  fail(error instanceof LocalModeError ? error.message : `local mode did not start: ${(error as Error).message}`);
}

out(`e4c2 local mode (tenant ${server.tenantId}, state in ${resolve(options.stateDir)})`);
out(`API:  ${server.apiUrl}`);
if (server.webUiUrl) out(`Web UI: ${server.webUiUrl}`);
out(
  `MQTT: ${server.mqttUrl}${server.embeddedBroker ? ` (embedded broker${server.mqttCaFile ? ', TLS only' : ''})` : ''}`,
);
if (server.mqttCaFile) out(`Devices trust this CA: ${server.mqttCaFile}`);
if (server.embeddedBroker) {
  out(
    options.allowAnonymousDevices
      ? 'Devices may connect without credentials (--allow-anonymous-devices).'
      : 'Devices connect with the "mqtt" credentials of their creation answer.',
  );
}
if (server.adminKey) {
  out();
  out(`Admin API key: ${server.adminKey}`);
  out('It is shown once: only its hash is stored. Keep it; use it as "Authorization: Bearer <key>".');
  out('(A lost key is replaced with --new-admin-key.)');
}
if (server.platformKey) {
  out();
  out(`Platform operator key: ${server.platformKey}`);
  out('It creates, suspends and deletes tenants (/v1/tenants) and works on no route of a tenant. It is shown once.');
  out('(A lost key is replaced with --new-platform-key.)');
}
if (options.cliProfile && (server.adminKey || server.platformKey)) {
  const file = configFileOf(process.env);
  try {
    const names = writeLocalProfiles(file, {
      apiUrl: server.apiUrl,
      ...(server.adminKey ? { adminKey: server.adminKey } : {}),
      ...(server.platformKey ? { platformKey: server.platformKey } : {}),
    });
    out();
    out(
      `CLI ${names.length > 1 ? 'profiles' : 'profile'} ${names.map((name) => `"${name}"`).join(' and ')} written to ${file}.`,
    );
    // `default` is another C2's: the CLI's commands go there unless told otherwise.
    if (server.adminKey && !names.includes('default')) {
      out(
        'Your "default" profile is another C2\'s: use this one with `export E4C2_PROFILE=local` (or --profile local).',
      );
    }
  } catch (error) {
    process.stderr.write(`e4c2: no CLI profile written to ${file}: ${(error as Error).message}\n`);
  }
}
out();
out(stopRequested ? 'Stopping.' : 'Ctrl-C stops.');
if (stopRequested) stop(server);
