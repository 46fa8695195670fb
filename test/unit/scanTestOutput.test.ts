/**
 * The CI's scan of the test suite's output (scripts/scanTestOutput.ts over findLeaks.ts) is not a scan that passes
 * by default: secrets recorded by the tests' helper (test/support/recordedSecrets.ts, in every spelling) and planted
 * in a sample output are found, in each spelling, by line; a whole API token is found without being recorded; a
 * clean sample passes; the script run as a process exits 1 on a leak without printing it, 0 on a clean output, and 2
 * when no secret was recorded.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { findLeaks } from '../../scripts/findLeaks.js';
import { formatApiKeyToken } from '../../shared/c2/apiKeys/apiKeyToken.js';
import { formatPlatformKeyToken } from '../../shared/c2/platform/platformKeyToken.js';
import { bytesToHex, randomKey } from '../../shared/e4/index.js';
import { recordSecret, recordSecretsIn } from '../support/recordedSecrets.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'e4c2-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What recordedSecrets.ts writes for `act`, in a file of its own. */
function recorded(act: () => void): string[] {
  const file = join(dir, `secrets-${Math.random().toString(16).slice(2)}.txt`);
  writeFileSync(file, '');
  const previous = process.env.E4C2_TEST_SECRETS;
  process.env.E4C2_TEST_SECRETS = file;
  try {
    act();
  } finally {
    if (previous === undefined) delete process.env.E4C2_TEST_SECRETS;
    else process.env.E4C2_TEST_SECRETS = previous;
  }
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

const key = randomKey();
const token = formatApiKeyToken({
  tenantId: 'tenant-scan',
  keyId: bytesToHex(randomKey().slice(0, 8)),
  secret: randomKey(),
});

describe('findLeaks', () => {
  it('finds a device key shown by the API, in each spelling a test could print it in', () => {
    // Prepare
    const secrets = recorded(() =>
      recordSecretsIn({ client: { name: 'c-1', key: Buffer.from(key).toString('base64') } }),
    );
    const spellings = [
      Buffer.from(key).toString('hex'),
      Buffer.from(key).toString('base64'),
      Buffer.from(key).toString('base64url'),
    ];

    // Act
    const found = spellings.map((spelling) => findLeaks(`line one\nexpected ${spelling} to be ...\n`, secrets));

    // Assess
    expect(secrets).toEqual(expect.arrayContaining(spellings));
    expect(found).toEqual(spellings.map(() => [{ line: 2, kind: 'secret' }]));
  });

  it("finds a whole API token (a tenant's or the platform's) without its being recorded; a clean output and a token cut short pass", () => {
    expect(findLeaks(`a\nb\nBearer ${token}\n`, [])).toEqual([{ line: 3, kind: 'token' }]);
    const platform = formatPlatformKeyToken({ keyId: '0123456789abcdef', secret: randomKey() });
    expect(findLeaks(`platform key: ${platform}\n`, [])).toEqual([{ line: 1, kind: 'token' }]);
    expect(
      findLeaks(
        '✓ test/unit/x.test.ts (3 tests)\n',
        recorded(() => recordSecret(key)),
      ),
    ).toEqual([]);
    expect(findLeaks(`prefix ${token.slice(0, 30)}...\n`, [])).toEqual([]);
  });

  it('records nothing without E4C2_TEST_SECRETS, and no value too short to be told from chance', () => {
    const previous = process.env.E4C2_TEST_SECRETS;
    delete process.env.E4C2_TEST_SECRETS;
    expect(() => recordSecret(key)).not.toThrow();
    if (previous !== undefined) process.env.E4C2_TEST_SECRETS = previous;
    expect(recorded(() => recordSecretsIn({ password: 'short' }))).toEqual([]);
  });
});

describe('scripts/scanTestOutput.ts', () => {
  const scan = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'scripts/scanTestOutput.ts', ...args]).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('exits 1 on a planted secret without printing it, 0 on a clean output, 2 with nothing recorded', async () => {
    // Prepare
    const secretsFile = join(dir, 'recorded.txt');
    writeFileSync(secretsFile, `${recorded(() => recordSecret(key)).join('\n')}\n`);
    const leaking = join(dir, 'leaking.log');
    writeFileSync(leaking, `ok\nkey: ${bytesToHex(key)}\n`);
    const clean = join(dir, 'clean.log');
    writeFileSync(clean, 'ok\n');
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '');

    // Act
    const [leak, pass, nothing] = await Promise.all([
      scan(leaking, secretsFile),
      scan(clean, secretsFile),
      scan(clean, empty),
    ]);

    // Assess
    expect(leak.code).toBe(1);
    expect(leak.stderr).toContain('leaking.log:2: a recorded secret');
    expect(leak.stderr).not.toContain(bytesToHex(key));
    expect(pass).toMatchObject({ code: 0, stderr: '' });
    expect(nothing.code).toBe(2);
  });
});
