/**
 * What a command prints: results on stdout as a table (people) or JSON / YAML (scripts: `--json`, `--output`), notes
 * on stderr (never mixed into what a script parses). JSON output is the API's own JSON; a list is an array of its
 * items.
 */
import { stringify as toYaml } from 'yaml';
import { usageError } from '../CliError.js';
import { type Column, formatRecord, formatTable } from './formatTable.js';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function outputFormatOf(options: { output?: string; json?: boolean }): OutputFormat {
  if (options.json) return 'json';
  const format = options.output ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    throw usageError(`--output is one of ${OUTPUT_FORMATS.join(', ')}`);
  }
  return format as OutputFormat;
}

export class Output {
  constructor(
    readonly format: OutputFormat,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
    private readonly stderr: NodeJS.WritableStream = process.stderr,
  ) {}

  /** Whether people read it (a table): progress and hints are shown then. */
  get forPeople(): boolean {
    return this.format === 'table';
  }

  /** A value as JSON or YAML (the table form of a value that has none). */
  data(value: unknown): void {
    if (this.format === 'yaml') this.line(toYaml(value).trimEnd());
    else this.line(JSON.stringify(value, null, 2));
  }

  list<T>(items: readonly T[], columns: readonly Column<T>[], empty = 'Nothing found.'): void {
    if (!this.forPeople) this.data(items);
    else if (items.length === 0) this.note(empty);
    else this.line(formatTable(items, columns));
  }

  record(value: object, columns?: readonly Column<never>[]): void {
    if (!this.forPeople) this.data(value);
    else if (columns) this.line(formatTable([value as never], columns));
    else this.line(formatRecord(value as Record<string, unknown>));
  }

  /** A line for people on stdout in table mode (`Created client "alice".`); nothing in JSON / YAML. */
  say(text: string): void {
    if (this.forPeople) this.line(text);
  }

  /** A line on stderr: warnings, hints, "Nothing found.". */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  line(text: string): void {
    this.stdout.write(`${text}\n`);
  }
}
