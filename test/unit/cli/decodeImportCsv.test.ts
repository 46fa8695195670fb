/**
 * The import file's decoding (cli/bulk/decodeImportRow.ts, decodeImportCsv.ts): which lines are bad and why, the
 * line each starts on, and the file-level refusals (a bad header: usage, exit 2; a CSV syntax error: exit 1,
 * nothing imported). A reason never quotes key material.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { decodeImportCsv } from '../../../cli/bulk/decodeImportCsv.js';
import { decodeImportRow, topicsOf } from '../../../cli/bulk/decodeImportRow.js';
import { CliError } from '../../../cli/CliError.js';
import { bytesToHex } from '../../../shared/e4/index.js';

const KEY = 'a1'.repeat(32);
const PUBKEY = bytesToHex(ed25519.getPublicKey(new Uint8Array(32).fill(7)));

function refusal(act: () => unknown): { exitCode: number; message: string } {
  try {
    act();
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    return { exitCode: error.exitCode, message: error.message };
  }
  throw new Error('expected a CliError');
}

describe('decodeImportRow', () => {
  it('reads each kind of key material', () => {
    expect(decodeImportRow({ name: 'a', key: KEY.toUpperCase() })).toMatchObject({
      ok: true,
      row: { name: 'a', material: { kind: 'key', key: new Uint8Array(32).fill(0xa1) }, topics: [] },
    });
    expect(decodeImportRow({ name: 'b', password: ' a pass word, long ' })).toMatchObject({
      ok: true,
      row: { material: { kind: 'password', password: ' a pass word, long ' } },
    });
    expect(decodeImportRow({ name: 'c', pubkey: PUBKEY, key: '', password: '' })).toMatchObject({
      ok: true,
      row: { material: { kind: 'pubkey' } },
    });
    expect(decodeImportRow({ name: 'd' }, { generateKeys: true })).toMatchObject({
      ok: true,
      row: { material: { kind: 'generate' } },
    });
  });

  it('refuses lines without a name, with bad, missing or too much key material, without quoting it', () => {
    const cases: [Record<string, string>, string][] = [
      [{ name: '', key: KEY }, 'no name'],
      [{ name: 'x'.repeat(256), key: KEY }, 'the name is longer than 255 bytes'],
      [{ name: 'a\u0000b', key: KEY }, 'the name contains NUL'],
      [{ name: 'a', key: KEY.slice(2) }, 'key: 64 hex characters expected'],
      [{ name: 'a', key: `${KEY.slice(2)}zz` }, 'key: 64 hex characters expected'],
      [{ name: 'a', key: '00'.repeat(32) }, 'key: invalid symmetric key, all zeros'],
      [{ name: 'a', pubkey: 'ff'.repeat(32) }, 'pubkey: invalid ed25519 public key, not a curve point'],
      [{ name: 'a', key: KEY, password: 'p' }, 'give one of key, password or pubkey (got key and password)'],
      [{ name: 'a' }, 'no key, password or pubkey (or import with --generate-keys)'],
      [{ name: 'a', password: 'p'.repeat(1025) }, 'password: longer than 1024 characters'],
      [{ name: 'a', password: 'fifteen bytes..' }, 'password: shorter than 16 bytes'],
      [{ name: 'a', key: KEY, topics: 'ok;a/+/b' }, 'topic "a/+/b" contains +, # or NUL'],
      [{ name: 'a', key: KEY, topics: '$SYS/x' }, 'topic "$SYS/x" starts with $'],
      [{ name: 'a', key: KEY, topics: 't'.repeat(513) }, `topic "${'t'.repeat(64)}" is longer than 512 bytes`],
    ];
    for (const [fields, reason] of cases) {
      const decoded = decodeImportRow(fields);
      expect(decoded, JSON.stringify(fields).slice(0, 80)).toEqual({ ok: false, reason });
    }
  });

  it('splits topics on ";", trimmed, without blanks or repeats', () => {
    expect(topicsOf(' a/b ; c;;a/b; ')).toEqual(['a/b', 'c']);
    expect(topicsOf('')).toEqual([]);
  });
});

describe('decodeImportCsv', () => {
  it('refuses a file that is not CSV without quoting the field (a key found by the fuzz test)', () => {
    const key = 'ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1';
    for (const text of [`name,key\nx,${key}"`, `name,key\nx,"${key}`, `name,key,topics\n${'a'.repeat(64)}${key}"`]) {
      let refusal: unknown;
      try {
        decodeImportCsv(text, { generateKeys: false });
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(CliError);
      expect((refusal as CliError).message).toMatch(/^line 2: not valid CSV \(.+\): nothing imported$/);
      expect((refusal as CliError).message).not.toContain(key.slice(0, 16));
    }
  });

  it('numbers lines as an editor does (blank lines, CRLF, a BOM, a quoted field over two lines)', () => {
    const text = `\uFEFFname,key,topics\r\na,${KEY},t1;t2\r\n\r\n"b\r\nc",${KEY},\r\nd,${KEY},\r\n`;
    const csv = decodeImportCsv(text);
    expect(csv.columns).toEqual(['name', 'key', 'topics']);
    expect(csv.rows.map((r) => [r.line, r.row.name, r.row.topics])).toEqual([
      [2, 'a', ['t1', 't2']],
      [4, 'b\r\nc', []],
      [6, 'd', []],
    ]);
    expect(csv.bad).toEqual([]);
  });

  it('reports each bad line with its number and reason, keeping the good ones', () => {
    const text = [
      'topics,name,key',
      `t,a,${KEY}`,
      `t,,${KEY}`,
      't,b,nothex',
      `t,a,${KEY}`,
      `t,c,${KEY},extra`,
      't,d',
      `t,e,${KEY}`,
    ].join('\n');
    const csv = decodeImportCsv(text);
    expect(csv.rows.map((r) => [r.line, r.row.name])).toEqual([
      [2, 'a'],
      [8, 'e'],
    ]);
    expect(csv.bad.map((b) => [b.line, b.reason])).toEqual([
      [3, 'no name'],
      [4, 'key: 64 hex characters expected'],
      [5, 'name already on line 2'],
      [6, '4 fields, the header has 3'],
      [7, '2 fields, the header has 3'],
    ]);
    expect(csv.bad[1]!.fields).toEqual({ topics: 't', name: 'b', key: 'nothex' });
  });

  it('ignores the line and reason columns of a failure report', () => {
    const csv = decodeImportCsv(`line,name,key,reason\n17,a,${KEY},no name\n`);
    expect(csv.rows.map((r) => r.row.name)).toEqual(['a']);
  });

  it('refuses a bad header as a usage error and a CSV syntax error as a failure, naming the line', () => {
    expect(refusal(() => decodeImportCsv(''))).toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('empty'),
    });
    expect(refusal(() => decodeImportCsv('name,kye\n'))).toEqual({
      exitCode: 2,
      message: 'unknown column "kye" in the header (columns: name, key, password, pubkey, topics)',
    });
    expect(refusal(() => decodeImportCsv('key,topics\n'))).toMatchObject({ exitCode: 2 });
    expect(refusal(() => decodeImportCsv('name,key,name\n'))).toMatchObject({ exitCode: 2 });
    const syntax = refusal(() => decodeImportCsv(`name,key\na,${KEY}\nb,"x"y\nc,${KEY}\n`));
    expect(syntax.exitCode).toBe(1);
    expect(syntax.message).toMatch(/^line 3: not valid CSV \(.*\): nothing imported$/);
  });
});
