/**
 * `e4c2 clients import` and `export` as operators run them, against local mode: 1,000 devices with 3 bad lines, the
 * import killed (SIGKILL) once the C2 holds 300 of them, then run again: it completes, skips what exists, duplicates
 * nothing, reports the bad lines by number and exits 1; the export gives back the names and topics. Then the other
 * kinds of key material, generated keys (their file, reused on a second run, never shown), names held with another
 * key or mode, more passwords than local mode derives at once (its BUSY items tried again), the dry run and the
 * failure report.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../shared/e4/index.js';
import { type CliC2, cliBin, e4c2, startCliC2 } from '../support/cliRun.js';
import { freePort } from '../support/freePort.js';
import { ROOT, userEnv } from '../support/processes.js';
import { recordSecret } from '../support/recordedSecrets.js';

let c2: CliC2;
beforeAll(async () => {
  // One password derivation waiting at most (local mode's default is 8): a few passwords at once make it BUSY.
  c2 = await startCliC2({ passwordKeys: { maxQueued: 1 } });
});
afterAll(() => c2?.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function clientCount(): Promise<number> {
  const response = await fetch(`${c2.server.apiUrl}/v1/stats`, {
    headers: { authorization: `Bearer ${c2.env.E4C2_API_KEY}` },
  });
  return ((await response.json()) as { clients: number }).clients;
}

/** A distinct, valid key per device (never all zeros). */
const keyOf = (i: number) => (i + 1).toString(16).padStart(64, 'c');
/** Every tenth device is on topics (links cost a command each: kept few for the test's time). */
const topicsOf = (i: number) => (i % 10 === 0 ? [`fleet/${i % 3}`, 'fleet/all'] : []);

interface Summary {
  lines: number;
  created: number;
  existing: number;
  linked: number;
  topicsCreated: number;
  failed: number;
}

describe('e4c2 clients import and export', () => {
  it('imports 1,000 devices with 3 bad lines, resumes after being killed halfway, and exports them back', async () => {
    // Prepare: line n + 2 is device n; three bad lines.
    const header = 'name,key,topics';
    const lines = Array.from({ length: 1000 }, (_, i) => `dev-${i},${keyOf(i)},${topicsOf(i).join(';')}`);
    lines[99] = `,${keyOf(99)},`; // line 101: no name
    lines[499] = 'dev-499,not-a-key,'; // line 501: bad hex key
    lines[899] = `dev-0,${keyOf(899)},`; // line 901: the name of line 2 again
    const file = join(c2.dir, 'devices.csv');
    writeFileSync(file, `${[header, ...lines].join('\n')}\n`);
    const expected = new Map<string, string[]>();
    lines.forEach((_, i) => {
      if (![99, 499, 899].includes(i)) expected.set(`dev-${i}`, topicsOf(i).sort());
    });

    // Act: an import killed once the C2 holds 300 of the clients (one batch of 100 at a time: the default four
    // would be done before the count is seen).
    const child = spawn(process.execPath, [cliBin(), 'clients', 'import', file, '--concurrency', '1'], {
      cwd: ROOT,
      env: { ...userEnv(), ...c2.env },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_, signal) => resolve(signal)));
    let count = 0;
    const giveUp = Date.now() + 120_000;
    while (count < 300 && child.exitCode === null && Date.now() < giveUp) {
      await sleep(100);
      count = await clientCount();
    }
    child.kill('SIGKILL');
    const signal = await exited;
    // Requests already sent may still land: wait until the count holds still.
    let settled = await clientCount();
    for (let previous = -1; settled !== previous; ) {
      previous = settled;
      await sleep(500);
      settled = await clientCount();
    }

    // Act: the same import again, with a report of the failed lines.
    const report = join(c2.dir, 'failed.csv');
    const resumed = await e4c2(['clients', 'import', file, '--report', report, '--json'], c2.env, {
      timeoutMs: 240_000,
    });

    // Assess: killed halfway, then completed without duplicates; counts add up.
    expect(signal).toBe('SIGKILL');
    expect(settled).toBeGreaterThanOrEqual(300);
    expect(settled).toBeLessThan(997);
    expect(resumed.stderr).toBe(
      [
        'line 101: no name',
        'line 501: key: 64 hex characters expected',
        'line 901: name already on line 2',
        'e4c2: 3 of 1000 lines failed',
        '',
      ].join('\n'),
    );
    expect(resumed.code).toBe(1);
    const summary = resumed.json<Summary>();
    expect(summary).toMatchObject({ lines: 1000, failed: 3, existing: settled, created: 997 - settled });
    expect(summary.linked).toBe([...expected.values()].reduce((n, topics) => n + topics.length, 0));
    expect(await clientCount()).toBe(997);
    const failed = parse(readFileSync(report, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(failed.map((row) => [row.line, row.name, row.reason])).toEqual([
      ['101', '', 'no name'],
      ['501', 'dev-499', 'key: 64 hex characters expected'],
      ['901', 'dev-0', 'name already on line 2'],
    ]);
    expect(statSync(report).mode & 0o777).toBe(0o600);

    // Act and assess: the export gives back every name with its topics, as JSON and as CSV.
    const exported = await e4c2(['clients', 'export', '--json'], c2.env, { timeoutMs: 120_000 });
    expect(exported.code).toBe(0);
    const clients = exported.json<{ name: string; id: string; mode: string; keyVersion: number; topics: string[] }[]>();
    expect(new Map(clients.map((client) => [client.name, client.topics]))).toEqual(expected);
    expect(clients.every((client) => client.mode === 'symmetric' && client.keyVersion === 1)).toBe(true);
    const csvFile = join(c2.dir, 'export.csv');
    const asCsv = await e4c2(['clients', 'export', '--file', csvFile], c2.env, { timeoutMs: 120_000 });
    expect(asCsv).toMatchObject({ code: 0, stdout: '', stderr: `Exported 997 clients to ${csvFile}.\n` });
    const rows = parse(readFileSync(csvFile, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual(['name', 'id', 'mode', 'keyVersion', 'topics']);
    expect(new Map(rows.map((row) => [row.name, row.topics === '' ? [] : row.topics!.split(';')]))).toEqual(expected);
    expect(readFileSync(csvFile, 'utf8')).not.toContain(keyOf(1));
  }, 400_000);

  it('imports passwords, public keys and generated keys (kept in their file, reused on a rerun, never shown)', async () => {
    // Prepare
    const pubkey = bytesToHex(ed25519.getPublicKey(new Uint8Array(32).fill(9)));
    const file = join(c2.dir, 'kinds.csv');
    writeFileSync(
      file,
      `name,key,password,pubkey,topics\r\npw-1,,a secret of sixteen+ bytes,,lab/pw\r\npk-1,,,${pubkey},lab/pk\r\ngen-1,,,,lab/gen\r\ngen-2,,,,\r\n`,
    );
    const keysFile = join(c2.dir, 'keys.csv');
    const before = await clientCount();

    // Act
    const dryRun = await e4c2(['clients', 'import', file, '--dry-run'], c2.env);
    const imported = await e4c2(['clients', 'import', file, '--generate-keys', keysFile, '--json'], c2.env);
    const keysText = readFileSync(keysFile, 'utf8');
    const again = await e4c2(['clients', 'import', file, '--generate-keys', keysFile], c2.env);
    const pk = await e4c2(['clients', 'get', 'pk-1', '--json'], c2.env);
    writeFileSync(join(c2.dir, 'other-mode.csv'), `name,key\npk-1,${keyOf(5)}\npw-1,${keyOf(5)}\n`);
    const otherMode = await e4c2(['clients', 'import', join(c2.dir, 'other-mode.csv')], c2.env);
    // A batch of 4 passwords: more than this C2 derives and queues at once (one, and one waiting).
    const passwords = Array.from({ length: 4 }, (_, i) => `many-pw-${i},password number ${i} of four`);
    writeFileSync(join(c2.dir, 'passwords.csv'), `name,password\n${passwords.join('\n')}\n`);
    const manyPasswords = await e4c2(['clients', 'import', join(c2.dir, 'passwords.csv'), '--json'], c2.env, {
      timeoutMs: 60_000,
    });
    const down = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await e4c2(['clients', 'import', file, '--generate-keys', keysFile], {
      ...c2.env,
      E4C2_API_URL: down,
    });

    // Assess: the dry run created nothing and named the lines without keys.
    expect(dryRun).toMatchObject({
      code: 1,
      stdout: '4 lines: 2 to import, 2 bad.\n',
      stderr:
        'line 4: no key, password or pubkey (or import with --generate-keys)\n' +
        'line 5: no key, password or pubkey (or import with --generate-keys)\n' +
        'e4c2: 2 of 4 lines failed\n',
    });
    // Then every kind was enrolled; generated keys went to the file only.
    expect(imported).toMatchObject({ code: 0, stderr: '' });
    expect(imported.json()).toEqual({ lines: 4, created: 4, existing: 0, linked: 3, topicsCreated: 3, failed: 0 });
    expect(pk.json()).toMatchObject({ name: 'pk-1', mode: 'pubkey', topicCount: 1 });
    expect(await clientCount()).toBe(before + 4 + 4);
    expect(statSync(keysFile).mode & 0o777).toBe(0o600);
    const keys = parse(keysText, { columns: true }) as { name: string; key: string }[];
    expect(keys.map((k) => k.name)).toEqual(['gen-1', 'gen-2']);
    for (const { key } of keys) {
      recordSecret(key);
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      for (const output of [imported.stdout, imported.stderr, again.stdout, again.stderr]) {
        expect(output).not.toContain(key);
      }
    }
    // Run again: all exist, the file's keys are those sent again, nothing added to it.
    expect(again).toMatchObject({
      code: 0,
      stdout: '4 lines: 0 clients created, 4 existing, 3 links, 0 topics created, 0 failed.\n',
    });
    expect(readFileSync(keysFile, 'utf8')).toBe(keysText);
    // A name held in the other mode, or with another key, is a failed line naming it.
    expect(otherMode).toMatchObject({
      code: 1,
      stderr:
        'line 2: ALREADY_EXISTS: client "pk-1" exists with another mode\n' +
        'line 3: ALREADY_EXISTS: client "pw-1" exists with another key\n' +
        'e4c2: 2 of 2 lines failed\n',
    });
    // Passwords the C2 was too busy for were tried again, not failed.
    expect(manyPasswords).toMatchObject({ code: 0, stderr: '' });
    expect(manyPasswords.json()).toEqual({
      lines: 4,
      created: 4,
      existing: 0,
      linked: 0,
      topicsCreated: 0,
      failed: 0,
    });
    // A C2 that cannot be reached stops the import (exit 5) instead of failing every line.
    expect(unreachable).toMatchObject({
      code: 5,
      stdout: '4 lines: 0 clients created, 0 existing, 0 links, 0 topics created, 0 failed.\n',
      stderr: `e4c2: import stopped: cannot reach the C2 at ${down}: ECONNREFUSED (run it again to go on)\n`,
    });
  }, 120_000);
});
