/**
 * `e4c2 clients import <file>`: enrols devices from a CSV file (decodeImportCsv.ts for the format). Every line is
 * checked first and each bad one reported (`line 17: <reason>` on stderr); the good ones are then created in batches
 * of up to 100 (`POST /v1/clients/batch`), `--concurrency` batches at a time, and put on their topics
 * (importClients.ts). Re-run after an interruption, it skips the clients that exist with the line's key and links
 * again (links are idempotent). Ends with a summary (created, existing, links, failed)
 * and exit 1 when a line failed; `--report` writes the failed lines, with their reasons, to a CSV file that can be
 * fixed and imported again.
 */
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { action } from '../CliContext.js';
import { CliError, usageError } from '../CliError.js';
import { withExamples } from '../commands/withExamples.js';
import { ExitCode } from '../ExitCode.js';
import { decodeImportCsv } from './decodeImportCsv.js';
import { GeneratedKeys } from './GeneratedKeys.js';
import { importClients } from './importClients.js';
import { progressBar } from './progressBar.js';
import { type FailedLine, writeFailureReport } from './writeFailureReport.js';

interface ImportFlags {
  dryRun?: boolean;
  concurrency: number;
  report?: string;
  generateKeys?: string;
}

/** Batches in flight (each up to 100 clients). */
const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 16;

function parseConcurrency(value: string): number {
  const n = Number(value);
  if (!/^[0-9]+$/.test(value) || n < 1 || n > MAX_CONCURRENCY) {
    throw new InvalidArgumentError(`a whole number from 1 to ${MAX_CONCURRENCY}`);
  }
  return n;
}

function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

const FORMAT = `
The file: CSV with a header row naming its columns, one client a line:
  name      required: the client's name
  key       its symmetric key, 64 hex characters
  password  or a password the C2 derives its key from (Argon2i, as e4go)
  pubkey    or its Ed25519 public key, 64 hex characters (a public-key client)
  topics    optional: topics to put it on, separated by ";" (created when missing)
A line gives at most one of key, password and pubkey; one with none is bad, unless --generate-keys names a file:
keys are then generated and written there (name,key in hex; mode 0600; never shown), each before the batch that
creates its client, and found there again when the import is run again. Columns "line" and "reason" (those of a
--report file) are ignored.

Every line is checked before anything is created; bad lines are reported as "line N: reason" on stderr and
skipped, the others imported in batches of up to 100 clients (at most 10 with a password), --concurrency
batches at a time (default ${DEFAULT_CONCURRENCY}); a C2 too busy for some (HTTP 429/503, or BUSY deriving
passwords) is tried again after a pause. Interrupted, run the same command again: a client that exists with the
line's key (password, public key) is skipped (counted "existing"); one of that name with another key or mode is
a failed line (its key is not changed: delete it to enrol it again); links are made again (the device is sent
the topic key again). Exit 1 when any line failed. Local mode: the broker credentials the C2 issues with each
client are not kept; issue new ones per device when it is set up.
`;

export function clientsImportCommand(): Command {
  return withExamples(
    new Command('import')
      .description('enrol clients from a CSV file (name, key / password / pubkey, topics); resumable')
      .argument('<file>', 'the CSV file ("-": stdin)')
      .addOption(new Option('--dry-run', 'check every line, create nothing'))
      .addOption(
        new Option('--concurrency <n>', 'batches of up to 100 clients in flight at once')
          .argParser(parseConcurrency)
          .default(DEFAULT_CONCURRENCY),
      )
      .addOption(new Option('--report <file>', 'write the failed lines, with a reason column, to this CSV file'))
      .addOption(
        new Option('--generate-keys <file>', 'generate the keys of lines without one, into this file (mode 0600)'),
      )
      .addHelpText('after', FORMAT),
    [
      'e4c2 clients import devices.csv',
      'e4c2 clients import devices.csv --dry-run',
      'e4c2 clients import devices.csv --concurrency 8 --report failed.csv',
      'e4c2 clients import names.csv --generate-keys device-keys.csv',
    ],
  ).action(
    action(async (context, file: string, options: ImportFlags) => {
      const csv = decodeImportCsv(readInput(file), { generateKeys: options.generateKeys !== undefined });
      const failed: FailedLine[] = [...csv.bad];
      let result: Awaited<ReturnType<typeof importClients>> | undefined;
      if (!options.dryRun) {
        const keys = options.generateKeys ? GeneratedKeys.open(options.generateKeys) : undefined;
        const progress = progressBar(csv.rows.length, 'Importing');
        try {
          result = await importClients(context.api, csv.rows, {
            concurrency: options.concurrency,
            ...(keys ? { keys } : {}),
            onLineDone: progress.tick,
          });
        } finally {
          progress.stop();
          keys?.close();
        }
        const byLine = new Map(csv.rows.map((row) => [row.line, row]));
        for (const failure of result.failures) failed.push({ ...byLine.get(failure.line)!, reason: failure.reason });
      }
      failed.sort((a, b) => a.line - b.line);
      for (const failure of failed) context.output.note(`line ${failure.line}: ${failure.reason}`);
      if (options.report) writeFailureReport(options.report, csv.columns, failed);

      const lines = csv.rows.length + csv.bad.length;
      if (result === undefined) {
        context.output.say(`${lines} lines: ${csv.rows.length} to import, ${csv.bad.length} bad.`);
        if (!context.output.forPeople) context.output.data({ lines, valid: csv.rows.length, failed: failed.length });
      } else {
        const { created, existing, linked, topicsCreated } = result.counts;
        context.output.say(
          `${lines} lines: ${created} clients created, ${existing} existing, ${linked} links, ` +
            `${topicsCreated} topics created, ${failed.length} failed.`,
        );
        if (!context.output.forPeople) context.output.data({ lines, ...result.counts, failed: failed.length });
        if (result.stoppedBy) {
          const { message, exitCode, code } = result.stoppedBy;
          throw new CliError(`import stopped: ${message} (run it again to go on)`, exitCode, code);
        }
      }
      if (failed.length > 0) throw new CliError(`${failed.length} of ${lines} lines failed`, ExitCode.Refused);
    }),
  );
}
