/**
 * An import file's text to its rows, each with its line number (the line it starts on), and its bad lines with their
 * reason: a header row naming the columns (decodeImportRow.ts; unknown or repeated columns, or none named `name`, are
 * a usage error), then one client a line; blank lines are skipped. A line with more or fewer fields than the header,
 * one that decodeImportRow refuses, or a name already on an earlier line is bad. A CSV syntax error (a quote not
 * closed...) leaves what follows ambiguous, so it fails the whole file: an error naming its line, nothing imported.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { CliError, usageError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';
import {
  type DecodeOptions,
  decodeImportRow,
  IGNORED_COLUMNS,
  IMPORT_COLUMNS,
  type ImportColumn,
  type ImportRow,
} from './decodeImportRow.js';

export interface ImportLine {
  /** 1-based, the header being line 1. */
  readonly line: number;
  /** The fields by column, as read (for the failure report). */
  readonly fields: Readonly<Record<string, string>>;
}

export interface ImportCsv {
  /** The columns as the header names them. */
  readonly columns: readonly string[];
  readonly rows: readonly (ImportLine & { readonly row: ImportRow })[];
  readonly bad: readonly (ImportLine & { readonly reason: string })[];
}

function checkedColumns(header: readonly string[]): string[] {
  const columns = header.map((column) => column.trim());
  const known = new Set<string>([...IMPORT_COLUMNS, ...IGNORED_COLUMNS]);
  const unknown = columns.filter((column) => !known.has(column));
  if (unknown.length > 0) {
    throw usageError(
      `unknown column ${JSON.stringify(unknown[0])} in the header (columns: ${IMPORT_COLUMNS.join(', ')})`,
    );
  }
  const repeated = columns.find((column, index) => columns.indexOf(column) !== index);
  if (repeated !== undefined) throw usageError(`column "${repeated}" is named twice in the header`);
  if (!columns.includes('name')) throw usageError('the header has no "name" column (line 1 names the columns)');
  return columns;
}

type Parsed = { record: string[]; info: { bytes: number } };

function parsed(text: string): Parsed[] {
  try {
    return parse(text, { info: true, relax_column_count: true, bom: true }) as unknown as Parsed[];
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      // csv-parse's message may quote the field (a key, a password): only what it says before the value is kept.
      const why = error.message
        .replace(/,? value is [\s\S]*$/, '')
        .replace(/ at line \d+/, '')
        .slice(0, 160);
      throw new CliError(`${line ? `line ${line}: ` : ''}not valid CSV (${why}): nothing imported`, ExitCode.Refused);
    }
    throw error;
  }
}

/**
 * The line each record starts on, from the byte offset where it starts (csv-parse's own line count counts a CRLF
 * inside a quoted field twice): 1 + the line breaks before it, CRLF, LF or a lone CR each one.
 */
function lineNumbers(text: string, records: readonly Parsed[]): number[] {
  const bytes = Buffer.from(text, 'utf8');
  const lines: number[] = [];
  let line = 1;
  let at = 0;
  let start = 0;
  for (const { info } of records) {
    for (; at < start && at < bytes.length; at++) {
      if (bytes[at] === 0x0a || (bytes[at] === 0x0d && bytes[at + 1] !== 0x0a)) line++;
    }
    lines.push(line);
    start = info.bytes;
  }
  return lines;
}

export function decodeImportCsv(text: string, options: DecodeOptions = {}): ImportCsv {
  const records = parsed(text);
  const lineOf = lineNumbers(text, records);
  const [header, ...lines] = records;
  if (header === undefined) throw usageError('the file is empty: a header row (name,key,topics...) is expected');
  const columns = checkedColumns(header.record);
  const rows: (ImportLine & { row: ImportRow })[] = [];
  const bad: (ImportLine & { reason: string })[] = [];
  const lineOfName = new Map<string, number>();
  for (const [index, { record }] of lines.entries()) {
    const line = lineOf[index + 1]!;
    if (record.length === 1 && record[0]!.trim() === '') continue;
    const fields: Record<string, string> = {};
    record.forEach((value, index) => {
      fields[columns[index] ?? `field ${index + 1}`] = value;
    });
    if (record.length !== columns.length) {
      bad.push({ line, fields, reason: `${record.length} fields, the header has ${columns.length}` });
      continue;
    }
    const decoded = decodeImportRow(fields as Partial<Record<ImportColumn, string>>, options);
    if (!decoded.ok) {
      bad.push({ line, fields, reason: decoded.reason });
      continue;
    }
    const earlier = lineOfName.get(decoded.row.name);
    if (earlier !== undefined) {
      bad.push({ line, fields, reason: `name already on line ${earlier}` });
      continue;
    }
    lineOfName.set(decoded.row.name, line);
    rows.push({ line, fields, row: decoded.row });
  }
  return { columns, rows, bad };
}
