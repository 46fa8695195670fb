/**
 * The event log's chain end to end: 20 changes at once on one tenant over local mode's HTTP API, exported with
 * GET /v1/events/export and checked by `npm run verify-events` (scripts/verifyEvents.ts) run as a process: seq
 * 1..N contiguous, exit 0 with the head; the same export with a field changed, a record deleted, a record moved to
 * another place of the chain or a record stripped of its chain fields fails at that line (exit 1, the line on
 * stderr); lines swapped in the file change nothing (the chain is in seq order, the export in time order); records
 * seq 11..15 alone verify on their own and say what that proves.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../../local/startLocal.js';
import type { EventView } from '../../../shared/c2/events/listEvents.js';
import { callLocalApi } from '../../support/localApi.js';

const run = promisify(execFile);
const verify = (file: string) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/verifyEvents.ts', file]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

let dir: string;
let server: LocalC2Server;
/** The export's lines as the API wrote them (after the admin key's own events, if any). */
let lines: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e4c2-chain-'));
  server = await startLocal({ stateDir: join(dir, 'state'), httpPort: 0, mqttPort: 0 });
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => callLocalApi(server, 'POST', '/v1/topics', { topic: `chain/t-${i}` })),
  );
  expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(201));
  const exported = await callLocalApi(server, 'GET', '/v1/events/export');
  expect(exported.status).toBe(200);
  lines = (await exported.text()).split('\n').filter((line) => line !== '');
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function verifyLines(name: string, content: readonly string[]) {
  const file = join(dir, `${name}.ndjson`);
  await writeFile(file, `${content.join('\n')}\n`);
  return verify(file);
}

describe('npm run verify-events', () => {
  it('verifies the export of 20 changes made at once: seq 1..20 contiguous, the head printed, exit 0', async () => {
    // Act
    const result = await verifyLines('whole', lines);

    // Assess
    const events = lines.map((line) => JSON.parse(line) as EventView).sort((a, b) => a.seq! - b.seq!);
    const created = events.filter((event) => event.action === 'topic.create');
    expect(created).toHaveLength(20);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, i) => i + 1));
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout.trim()).toBe(
      `ok: ${events.length} events, seq 1..${events.length}, head ${events.at(-1)!.hash}`,
    );
  });

  it('verifies the export with its lines swapped: the order in the file carries nothing', async () => {
    // Prepare
    const copy = [...lines];
    [copy[3], copy[4]] = [copy[4]!, copy[3]!];

    // Act
    const result = await verifyLines('swapped', copy);

    // Assess
    expect(result.code).toBe(0);
  });

  /** The line (from 0) holding record `seq`. */
  const lineOf = (copy: readonly string[], seq: number) => copy.findIndex((line) => JSON.parse(line).seq === seq);

  it.each<[string, (copy: string[]) => number]>([
    [
      'a field changed',
      (copy) => {
        copy[5] = copy[5]!.replace('"result":"ok"', '"result":"error"');
        return 5;
      },
    ],
    [
      'record 5 deleted',
      (copy) => {
        copy.splice(lineOf(copy, 5), 1);
        return lineOf(copy, 6);
      },
    ],
    [
      'records 3 and 4 exchanged in the chain',
      (copy) => {
        const [three, four] = [lineOf(copy, 3), lineOf(copy, 4)];
        const a = JSON.parse(copy[three]!);
        const b = JSON.parse(copy[four]!);
        copy[three] = JSON.stringify({ ...a, seq: b.seq, prevHash: b.prevHash });
        copy[four] = JSON.stringify({ ...b, seq: a.seq, prevHash: a.prevHash });
        return Math.min(three, four);
      },
    ],
    [
      'a record stripped of its chain fields',
      (copy) => {
        const { seq: _s, prevHash: _p, hash: _h, ...fields } = JSON.parse(copy[9]!) as Record<string, unknown>;
        copy[9] = JSON.stringify({ ...fields, actor: 'someone-else' });
        return 9;
      },
    ],
    [
      'a line that is not JSON',
      (copy) => {
        copy.splice(2, 0, '{"seq":');
        return 2;
      },
    ],
  ])('fails on the export with %s, at that line (exit 1, stderr)', async (name, tamper) => {
    // Prepare
    const copy = [...lines];
    const line = tamper(copy) + 1;

    // Act
    const result = await verifyLines(name.replaceAll(' ', '-'), copy);

    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`: line ${line}: `);
  });

  it('verifies a window from the middle on its own, saying what it proves', async () => {
    // Act
    const result = await verifyLines(
      'window',
      lines.filter((line) => {
        const { seq } = JSON.parse(line) as EventView;
        return seq! >= 11 && seq! <= 15;
      }),
    );

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok: 5 events, seq 11..15');
    expect(result.stdout).toContain('compare its head');
  });

  it('exits 2 on a file it cannot read', async () => {
    // Act
    const result = await verify(join(dir, 'no-such-file.ndjson'));

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read');
  });
});
