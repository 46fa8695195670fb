/**
 * `clients import --report <file>`: the failed lines as CSV, with the import's columns and two more, `line` and
 * `reason`, which import ignores: fixed, the report is imported as it is. The lines may hold keys or passwords, so
 * the file is written with mode 0600.
 */
import { stringify } from 'csv-stringify/sync';
import { writePrivateFile } from '../config/writePrivateFile.js';

export interface FailedLine {
  readonly line: number;
  readonly fields: Readonly<Record<string, string>>;
  readonly reason: string;
}

export function writeFailureReport(path: string, columns: readonly string[], failed: readonly FailedLine[]): void {
  const own = columns.filter((column) => column !== 'line' && column !== 'reason');
  const rows = [...failed]
    .sort((a, b) => a.line - b.line)
    .map((failure) => [String(failure.line), ...own.map((column) => failure.fields[column] ?? ''), failure.reason]);
  writePrivateFile(path, stringify([['line', ...own, 'reason'], ...rows]));
}
