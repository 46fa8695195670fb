/**
 * Fuzzing of the import file's decoder (cli/bulk/decodeImportCsv.ts, decodeImportRow.ts). On any text it returns
 * or refuses the file with a CliError (usage, exit 2, or not CSV, exit 1), never anything else; lines come in
 * ascending order, names are unique among the rows, and no reason quotes a key, public key or password. On files
 * built from good and bad fields (names, keys, passwords, public keys, topics; commas, quotes, line breaks, blank
 * lines, CRLF), written by csv-stringify in a random column order: every line comes back, with the number of the
 * line it starts on and its fields as written, as a row exactly when decodeImportRow takes it and its name was not
 * on an earlier row.
 */
import { strict as assert } from 'node:assert';
import { ed25519 } from '@noble/curves/ed25519.js';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodeImportCsv, type ImportCsv } from '../../cli/bulk/decodeImportCsv.js';
import { decodeImportRow, IMPORT_COLUMNS, type ImportColumn } from '../../cli/bulk/decodeImportRow.js';
import { CliError } from '../../cli/CliError.js';
import { bytesToHex } from '../../shared/e4/index.js';
import { fuzzRuns, fuzzTimeout } from '../support/fuzzRuns.js';

const PUBKEY = bytesToHex(ed25519.getPublicKey(new Uint8Array(32).fill(3)));
const hexArb = (length: number) =>
  fc
    .array(fc.constantFrom(...'0123456789abcdefABCDEF'), { minLength: length, maxLength: length })
    .map((c) => c.join(''));
const noiseArb = fc.string({ maxLength: 6, unit: fc.constantFrom('a', ',', '"', '\n', '\r', ';', ' ', '+', '$', 'é') });

const fieldArb: Record<ImportColumn, fc.Arbitrary<string>> = {
  name: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('a', 'b', 'dev-1', 'dev-2', 'x y', 'é') },
    { weight: 2, arbitrary: noiseArb },
    { weight: 1, arbitrary: fc.constantFrom('', 'n'.repeat(256), 'a\u0000') },
  ),
  key: fc.oneof(
    { weight: 4, arbitrary: fc.constant('') },
    { weight: 4, arbitrary: hexArb(64) },
    { weight: 1, arbitrary: fc.oneof(hexArb(62), hexArb(66), fc.constant('0'.repeat(64)), noiseArb) },
  ),
  password: fc.oneof(
    { weight: 6, arbitrary: fc.constant('') },
    { weight: 2, arbitrary: fc.string({ minLength: 16, maxLength: 30 }) },
    { weight: 1, arbitrary: noiseArb },
  ),
  pubkey: fc.oneof(
    { weight: 6, arbitrary: fc.constant('') },
    { weight: 2, arbitrary: fc.constant(PUBKEY) },
    { weight: 1, arbitrary: fc.oneof(hexArb(64), noiseArb) },
  ),
  topics: fc.oneof(
    { weight: 4, arbitrary: fc.constant('') },
    {
      weight: 4,
      arbitrary: fc.array(fc.constantFrom('a/b', 'c', ' d ', ''), { maxLength: 3 }).map((t) => t.join(';')),
    },
    { weight: 1, arbitrary: fc.oneof(noiseArb, fc.constantFrom('a/+', '#', '$SYS')) },
  ),
};

/** A file: a header of some columns (name among them) in some order, lines of fields, blank lines, a delimiter. */
const fileArb = fc
  .tuple(
    fc.shuffledSubarray([...IMPORT_COLUMNS.filter((c) => c !== 'name')]),
    fc.nat(),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
  )
  .chain(([others, at, delimiter, generateKeys]) => {
    const columns: string[] = [...others];
    columns.splice(at % (columns.length + 1), 0, 'name');
    const lineArb = fc.oneof(
      { weight: 12, arbitrary: fc.tuple(...columns.map((c) => fieldArb[c as ImportColumn])) },
      { weight: 1, arbitrary: fc.constant(null) },
    );
    return fc.record({
      columns: fc.constant(columns),
      lines: fc.array(lineArb, { maxLength: 12 }),
      delimiter: fc.constant(delimiter),
      generateKeys: fc.constant(generateKeys),
    });
  });

/** The file's text and, per line of fields, the line it starts on (null for a blank line). */
function written(columns: string[], lines: (string[] | null)[], delimiter: string): { text: string; at: number[] } {
  let text = stringify([columns], { record_delimiter: delimiter });
  const at: number[] = [];
  for (const line of lines) {
    at.push(text.split(/\r\n|\r|\n/).length);
    text += line === null ? delimiter : stringify([line], { record_delimiter: delimiter, quoted_match: /[\r\n]/ });
  }
  return { text, at };
}

function decoded(text: string, generateKeys: boolean): ImportCsv | undefined {
  try {
    return decodeImportCsv(text, { generateKeys });
  } catch (error) {
    if (!(error instanceof CliError) || (error.exitCode !== 1 && error.exitCode !== 2)) throw error;
    assert.ok(error.message.length > 0 && error.message.length < 400);
    // never a field's value: it may be a key or a password
    assert.ok(!/[0-9a-fA-F]{64}/.test(error.message), error.message);
    return undefined;
  }
}

function assertSound(csv: ImportCsv): void {
  const lines = [...csv.rows, ...csv.bad].map((line) => line.line);
  assert.ok(lines.every((line) => line >= 2));
  assert.equal(new Set(lines).size, lines.length, 'one outcome per line');
  assert.deepEqual(
    csv.rows.map((row) => row.line),
    [...csv.rows.map((row) => row.line)].sort((a, b) => a - b),
  );
  assert.equal(new Set(csv.rows.map((row) => row.row.name)).size, csv.rows.length, 'names unique');
  const secretColumns = ['key', 'pubkey', 'password'];
  for (const bad of csv.bad) {
    // A reason may quote a non-secret field (a bad topic name), which may hold the secret's text by chance
    const others = Object.entries(bad.fields)
      .filter(([column]) => !secretColumns.includes(column))
      .map(([, value]) => value);
    for (const column of secretColumns) {
      const value = (bad.fields[column] ?? '').trim();
      if (value.length >= 16 && !others.some((other) => other.includes(value))) {
        assert.ok(!bad.reason.includes(value), `reason quotes ${column}`);
      }
    }
  }
}

describe('fuzz: import CSV decoder', () => {
  const runs = fuzzRuns();
  it(
    `decodes any text to sound rows and bad lines, or refuses it with a CliError (${runs} runs)`,
    () => {
      const textArb = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc
          .array(fc.oneof(noiseArb, fc.constantFrom('name', 'key', 'topics', PUBKEY, 'a'.repeat(64))), {
            maxLength: 30,
          })
          .map((parts) => `name,key,topics\n${parts.join('')}`),
      );
      fc.assert(
        fc.property(textArb, fc.boolean(), (text, generateKeys) => {
          const csv = decoded(text, generateKeys);
          if (csv) assertSound(csv);
        }),
        {
          numRuns: runs,
          // Found in CI: a bad topic name that holds the key's text is quoted for the topic, not for the key
          examples: [[`name,key,topics\na,${'a'.repeat(64)},${'a'.repeat(64)}+`, false]],
        },
      );
    },
    fuzzTimeout(runs, 1),
  );

  it(
    `gives back each line of a written file with its number, fields and outcome (${runs} runs)`,
    () => {
      fc.assert(
        fc.property(fileArb, ({ columns, lines, delimiter, generateKeys }) => {
          // Prepare
          const { text, at } = written(columns, lines, delimiter);

          // Act
          const csv = decodeImportCsv(text, { generateKeys });

          // Assess
          assertSound(csv);
          const outcomes = new Map<number, { fields: Record<string, string>; ok: boolean }>();
          for (const row of csv.rows) outcomes.set(row.line, { fields: { ...row.fields }, ok: true });
          for (const bad of csv.bad) outcomes.set(bad.line, { fields: { ...bad.fields }, ok: false });
          const names = new Set<string>();
          lines.forEach((line, index) => {
            const blank = line === null || (line.length === 1 && line[0]!.trim() === '');
            const outcome = outcomes.get(at[index]!);
            if (blank) {
              assert.equal(outcome, undefined, `blank line ${at[index]}`);
              return;
            }
            assert.ok(outcome, `line ${at[index]} is missing`);
            const fields = Object.fromEntries(columns.map((column, i) => [column, line[i]!]));
            assert.deepEqual(outcome.fields, fields);
            const row = decodeImportRow(fields, { generateKeys });
            const expectOk = row.ok && !names.has(row.row.name);
            if (expectOk && row.ok) names.add(row.row.name);
            assert.equal(outcome.ok, expectOk, `line ${at[index]}: ${JSON.stringify(fields)}`);
          });
          assert.equal(
            outcomes.size,
            lines.filter((l) => !(l === null || (l.length === 1 && l[0]!.trim() === ''))).length,
          );
        }),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, 1),
  );
});
