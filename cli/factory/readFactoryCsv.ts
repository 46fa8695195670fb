/**
 * The devices file of `e4c2 factory batch create --file`: a header naming the columns `name` and `key` and/or
 * `publicKey` (32 bytes in base64 each), then one device a line; each line gives one of the two keys. Any bad line
 * refuses the whole file (a batch is registered whole), naming the line, never a key. Pure.
 */
import { CsvError, parse } from 'csv-parse/sync';
import { usageError } from '../CliError.js';

export type FactoryDeviceRow =
  | { readonly name: string; readonly key: string }
  | { readonly name: string; readonly publicKey: string };

const COLUMNS = ['name', 'key', 'publicKey'];
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

export function readFactoryCsv(text: string): FactoryDeviceRow[] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (error) {
    if (error instanceof CsvError) throw usageError(`the devices file is not CSV (${error.code})`);
    throw error;
  }
  const [header, ...rows] = records;
  if (!header) throw usageError('the devices file is empty: line 1 names the columns (name,key or name,publicKey)');
  const columns = header.map((column) => column.trim());
  const unknown = columns.find((column) => !COLUMNS.includes(column));
  if (unknown !== undefined)
    throw usageError(`unknown column ${JSON.stringify(unknown)} (columns: ${COLUMNS.join(', ')})`);
  if (!columns.includes('name')) throw usageError('the header has no "name" column');
  if (!columns.includes('key') && !columns.includes('publicKey')) {
    throw usageError('the header names no "key" or "publicKey" column');
  }
  const names = new Set<string>();
  return rows.map((fields, index) => {
    const line = index + 2;
    if (fields.length !== columns.length)
      throw usageError(`line ${line}: ${fields.length} fields, the header names ${columns.length}`);
    const value = (column: string) => fields[columns.indexOf(column)]?.trim() ?? '';
    const name = value('name');
    if (name === '') throw usageError(`line ${line}: no name`);
    if (names.has(name)) throw usageError(`line ${line}: "${name}" is on an earlier line`);
    names.add(name);
    const key = value('key');
    const publicKey = value('publicKey');
    if ((key === '') === (publicKey === '')) throw usageError(`line ${line}: give one of key or publicKey`);
    const given = key || publicKey;
    if (!BASE64_32.test(given))
      throw usageError(`line ${line}: the ${key ? 'key' : 'publicKey'} is not 32 bytes in base64`);
    return key ? { name, key } : { name, publicKey };
  });
}
