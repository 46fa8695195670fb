/**
 * Runs one `e4c2` command line and answers its exit code (see ExitCode): results on stdout, one line per failure on
 * stderr (`e4c2: <CODE>: <message>`). Commander's own errors (unknown command or option, missing argument) are
 * usage errors, exit 2. An unexpected failure prints its stack with `E4C2_DEBUG=1`.
 */
import { type Command, CommanderError } from 'commander';
import { CliError } from './CliError.js';
import { ExitCode } from './ExitCode.js';
import { createProgram } from './program.js';

/**
 * Every command of the tree throws instead of exiting, so that exit codes are decided here, and shows the global
 * options in its help (commands added with addCommand do not inherit either setting).
 */
function throwInsteadOfExit(command: Command): void {
  command.exitOverride().configureHelp({ showGlobalOptions: true, sortSubcommands: true });
  for (const sub of command.commands) throwInsteadOfExit(sub);
}

export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = createProgram();
  throwInsteadOfExit(program);
  try {
    await program.parseAsync([...argv]);
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    if (error instanceof CliError) {
      process.stderr.write(`e4c2: ${error.code ? `${error.code}: ` : ''}${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`e4c2: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (env.E4C2_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return ExitCode.Refused;
  }
}
