/**
 * Where `e4c2 device enrol` reads a window's token (cli/device/enrolmentToken.ts): stdin with `--token -`, a file with
 * `--token-file`, never the value of `--token` itself (refused without repeating it).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliError } from '../../../cli/CliError.js';
import { enrolmentToken } from '../../../cli/device/enrolmentToken.js';

const TOKEN = 'e4c2.local.0123456789abcdef.not-a-real-secret';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e4c2-token-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: CliError) => ({ exitCode: error.exitCode, message: error.message }),
  );

describe('enrolmentToken', () => {
  it('reads the token from stdin or a file, without its line break; none without either flag', async () => {
    const file = join(dir, 'token.txt');
    await writeFile(file, `${TOKEN}\r\n`);

    expect(await enrolmentToken({ token: '-' }, Readable.from([`${TOKEN}\n`]))).toBe(TOKEN);
    expect(await enrolmentToken({ tokenFile: file })).toBe(TOKEN);
    expect(await enrolmentToken({})).toBeUndefined();
  });

  it('refuses a token given as a value, both flags, an empty input or a missing file (usage, exit 2)', async () => {
    const empty = join(dir, 'empty.txt');
    await writeFile(empty, '\n');

    const refusals = await Promise.all([
      refusal(enrolmentToken({ token: TOKEN })),
      refusal(enrolmentToken({ token: '-', tokenFile: empty })),
      refusal(enrolmentToken({ token: '-' }, Readable.from(['\n']))),
      refusal(enrolmentToken({ tokenFile: empty })),
      refusal(enrolmentToken({ tokenFile: join(dir, 'nope.txt') })),
    ]);

    expect(refusals.map((r) => r?.exitCode)).toEqual([2, 2, 2, 2, 2]);
    expect(refusals[0]?.message).toContain('--token takes "-"');
    expect(refusals[0]?.message).not.toContain(TOKEN);
    expect(refusals[4]?.message).toContain('ENOENT');
  });
});
