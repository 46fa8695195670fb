/**
 * The CLI as operators install it: `npm pack -w cli` (its prepack bundles dist/e4c2.js with esbuild), the tarball
 * installed globally into a temp prefix offline (it has no dependency to fetch), and the installed `e4c2` run from
 * outside the checkout against local mode.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliC2, startCliC2 } from '../support/cliRun.js';
import { userEnv } from '../support/processes.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const { version } = JSON.parse(readFileSync(join(root, 'cli/package.json'), 'utf8')) as { version: string };

let work: string;
let prefix: string;
let tarballFiles: string[];
let c2: CliC2;

/** The installed `e4c2`, run from the temp folder with the user's environment and `env`. */
async function installedE4c2(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(join(prefix, 'bin', 'e4c2'), args, {
      cwd: work,
      env: { ...userEnv(), ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'e4c2-cli-package-'));
  prefix = join(work, 'prefix');
  const packed = await run('npm', ['pack', '--workspace', 'cli', '--pack-destination', work], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  const tarball = join(work, packed.stdout.trim().split('\n').at(-1)!);
  tarballFiles = (await run('tar', ['-tzf', tarball])).stdout.trim().split('\n');
  await run('npm', ['install', '--global', '--prefix', prefix, tarball, '--offline', '--no-audit', '--no-fund'], {
    cwd: work,
  });
  c2 = await startCliC2();
}, 180_000);

afterAll(async () => {
  await c2?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed CLI', () => {
  it('holds the launcher and the bundle alone, and installs without any dependency', () => {
    expect(tarballFiles.map((path) => path.replace(/^package\//, '')).sort()).toEqual([
      'bin/e4c2.js',
      'dist/e4c2.js',
      'package.json',
    ]);
    const installed = join(prefix, 'lib', 'node_modules');
    expect(readdirSync(installed)).toEqual(['e4c2-cli']);
    expect(readdirSync(join(installed, 'e4c2-cli')).sort()).toEqual(['bin', 'dist', 'package.json']);
  });

  it('runs: e4c2 --version, e4c2 proxy --help, e4c2 health and a keyed request against local mode', async () => {
    expect(await installedE4c2(['--version'])).toMatchObject({ code: 0, stdout: `${version}\n` });
    const proxyHelp = await installedE4c2(['proxy', '--help']); // the bundle holds the proxy (aedes, zod) too
    expect(proxyHelp).toMatchObject({ code: 0, stderr: '' });
    expect(proxyHelp.stdout).toContain('e4c2 proxy local --config proxy.yaml');
    expect(await installedE4c2(['health'], { E4C2_API_URL: c2.server.apiUrl })).toMatchObject({
      code: 0,
      stdout: 'status: ok\n',
    });
    expect(await installedE4c2(['clients', 'list', '--json'], c2.env)).toMatchObject({ code: 0, stdout: '[]\n' });
    const refused = await installedE4c2(['clients', 'list'], { ...c2.env, E4C2_API_KEY: 'e4c2.local.x' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^e4c2: UNAUTHORIZED: /);
  });
});
