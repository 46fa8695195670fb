/**
 * The `e4c2` command's entry (cli/bin/e4c2.js runs it): runs the command line and exits with its code once output
 * is written. A closed stdout (`e4c2 clients list | head -1`) ends the command quietly.
 */
import { runCli } from './runCli.js';

process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
process.exitCode = await runCli(process.argv);
