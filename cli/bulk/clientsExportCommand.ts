/**
 * `e4c2 clients export`: every client of the tenant with its topics, as CSV (`name,id,mode,keyVersion,topics`,
 * topics `;`-separated: the columns `clients import` reads names and topics from) or, with `--json` / `--output`,
 * an array of `{ name, id, mode, keyVersion, topics }`. To stdout or `--file`. Never a key.
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { stringify as toYaml } from 'yaml';
import { action } from '../CliContext.js';
import { usageError } from '../CliError.js';
import { withExamples } from '../commands/withExamples.js';
import { exportClients } from './exportClients.js';

const CONCURRENCY = 8;

export function clientsExportCommand(): Command {
  return withExamples(
    new Command('export')
      .description('write every client (name, id, mode, key version, topics; never keys) as CSV or JSON')
      .addOption(new Option('--file <file>', 'write to this file instead of stdout')),
    ['e4c2 clients export > clients.csv', 'e4c2 clients export --file clients.csv', 'e4c2 clients export --json'],
  ).action(
    action(async (context, options: { file?: string }) => {
      const clients = await exportClients(context.api, CONCURRENCY);
      const { format } = context.output;
      let text: string;
      if (format === 'json') text = `${JSON.stringify(clients, null, 2)}\n`;
      else if (format === 'yaml') text = toYaml(clients);
      else {
        const rows = clients.map((c) => [c.name, c.id, c.mode, String(c.keyVersion), c.topics.join(';')]);
        text = stringify([['name', 'id', 'mode', 'keyVersion', 'topics'], ...rows]);
      }
      if (options.file === undefined) {
        process.stdout.write(text);
        return;
      }
      try {
        writeFileSync(options.file, text);
      } catch (error) {
        throw usageError(`cannot write ${options.file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      }
      context.output.note(`Exported ${clients.length} clients to ${options.file}.`);
    }),
  );
}
