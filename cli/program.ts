/**
 * The `e4c2` command tree: `e4c2 <resource> <verb> [arguments] [--flags]`, with the global options of every command
 * (profile, endpoint, output). One file per resource in commands/.
 */
import { Command, Option } from 'commander';
import { c2keyCommand } from './commands/c2keyCommand.js';
import { clientsCommand } from './commands/clientsCommand.js';
import { completionCommand } from './commands/completionCommand.js';
import { deviceCommand } from './commands/deviceCommand.js';
import { enrolmentCommand } from './commands/enrolmentCommand.js';
import { eventsCommand } from './commands/eventsCommand.js';
import { factoryCommand } from './commands/factoryCommand.js';
import { healthCommand } from './commands/healthCommand.js';
import { keygenCommand } from './commands/keygenCommand.js';
import { keysCommand } from './commands/keysCommand.js';
import { limitsCommand } from './commands/limitsCommand.js';
import { loginCommand } from './commands/loginCommand.js';
import { logoutCommand } from './commands/logoutCommand.js';
import { operationsCommand } from './commands/operationsCommand.js';
import { policiesCommand } from './commands/policiesCommand.js';
import { profilesCommand } from './commands/profilesCommand.js';
import { proxyCommand } from './commands/proxyCommand.js';
import { pubkeysCommand } from './commands/pubkeysCommand.js';
import { statsCommand } from './commands/statsCommand.js';
import { tenantsCommand } from './commands/tenantsCommand.js';
import { topicsCommand } from './commands/topicsCommand.js';
import { whoamiCommand } from './commands/whoamiCommand.js';
import { OUTPUT_FORMATS } from './output/Output.js';
import { CLI_VERSION } from './version.js';

export function createProgram(): Command {
  const program = new Command('e4c2')
    .description('Operator CLI of the e4c2 key server (C2): end-to-end encryption for IoT messaging.')
    .version(CLI_VERSION)
    .addOption(new Option('--profile <name>', 'the profile of the configuration file to use (default: default)'))
    .addOption(new Option('--api-url <url>', "the C2's base URL, without /v1 (overrides E4C2_API_URL and the profile)"))
    .addOption(new Option('-o, --output <format>', 'how results are printed').choices(OUTPUT_FORMATS).default('table'))
    .addOption(new Option('--json', 'print results as JSON (same as --output json)'))
    .showSuggestionAfterError()
    .configureHelp({ showGlobalOptions: true, sortSubcommands: true });
  const commands: Command[] = [
    // one line per resource (kept sorted: help sorts them anyway)
    c2keyCommand(),
    clientsCommand(),
    completionCommand(),
    deviceCommand(),
    enrolmentCommand(),
    eventsCommand(),
    factoryCommand(),
    healthCommand(),
    keygenCommand(),
    keysCommand(),
    limitsCommand(),
    loginCommand(),
    logoutCommand(),
    operationsCommand(),
    policiesCommand(),
    profilesCommand(),
    proxyCommand(),
    pubkeysCommand(),
    statsCommand(),
    tenantsCommand(),
    topicsCommand(),
    whoamiCommand(),
  ];
  for (const command of commands) program.addCommand(command);
  return program;
}
