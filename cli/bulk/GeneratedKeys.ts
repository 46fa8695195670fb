/**
 * The file of the keys `clients import --generate-keys <file>` generates (CSV `name,key`, the key in hex; mode 0600;
 * keys never go to stdout or stderr). A key is generated here and appended (and synced) before the client is created
 * with it, so that an import killed at any point loses no key: re-run, it finds the key of a name in the file and
 * sends that one again (the client either exists with it, or is created with it). A name that turns out to exist
 * already, with a key this import did not make, gets a line with an empty key, which undoes its earlier line (the
 * last line of a name counts).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { bytesToHex, hexToBytes, KEY_LEN } from '../../shared/e4/index.js';
import { CliError } from '../CliError.js';
import { ExitCode } from '../ExitCode.js';

const HEX_KEY = /^[0-9a-f]{64}$/;

export class GeneratedKeys {
  private constructor(
    private readonly fd: number,
    private readonly known: Map<string, string>,
  ) {}

  /** Opens (or creates, mode 0600) the file, reading the keys it holds. */
  static open(path: string): GeneratedKeys {
    let text = '';
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw cannotUse(path, error);
    }
    const known = new Map<string, string>();
    try {
      for (const record of parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[]) {
        if (record.name === undefined) continue;
        if (HEX_KEY.test(record.key ?? '')) known.set(record.name, record.key!);
        else known.delete(record.name);
      }
    } catch (error) {
      throw cannotUse(path, error);
    }
    let fd: number;
    try {
      fd = openSync(path, 'a', 0o600);
      fchmodSync(fd, 0o600);
    } catch (error) {
      throw cannotUse(path, error);
    }
    const keys = new GeneratedKeys(fd, known);
    if (text === '') keys.append(['name', 'key']);
    return keys;
  }

  /** The key of `name`: the file's, or a new one written to the file first. */
  keyFor(name: string): { key: Uint8Array; reused: boolean } {
    const hex = this.known.get(name);
    if (hex !== undefined) return { key: hexToBytes(hex), reused: true };
    const key = new Uint8Array(randomBytes(KEY_LEN));
    this.known.set(name, bytesToHex(key));
    this.append([name, bytesToHex(key)]);
    return { key, reused: false };
  }

  /** `name` was not created with the key written for it (it existed already). */
  forget(name: string): void {
    this.known.delete(name);
    this.append([name, '']);
  }

  close(): void {
    closeSync(this.fd);
  }

  private append(fields: string[]): void {
    writeSync(this.fd, stringify([fields]));
    fsyncSync(this.fd);
  }
}

function cannotUse(path: string, error: unknown): CliError {
  const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new CliError(`--generate-keys ${path}: cannot use the file (${why})`, ExitCode.Usage);
}
