/**
 * The device library as a device project gets it: `npm pack -w shared/e4` (its prepack builds it), the tarball
 * installed into an empty project, and consumers (test/package/consumer/*.ts) type-checked there against the packed
 * types by the root's tsc and run by node as subprocesses, through a real broker (aedes) for the MQTT entry. Installed
 * as npm does by default (with the optional sodium-native: Ed25519 on libsodium) and with `--omit=optional` (the
 * lean footprint: Ed25519 on OpenSSL).
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningBroker, startAedes } from '../support/brokers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const consumers = fileURLToPath(new URL('./consumer/', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const run = promisify(execFile);
/** What a device project finds in its node_modules after installing the library alone with `--omit=optional`. */
const FOOTPRINT = ['@noble/ciphers', '@noble/curves', '@noble/hashes', 'e4c2'];
const MAX_INSTALLED_BYTES = 6 * 1024 * 1024;
/** With the optional sodium-native and what it brings (its prebuilt binaries for 13 platforms: about 18 MB). */
const MAX_INSTALLED_BYTES_WITH_SODIUM = 26 * 1024 * 1024;
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund'];

let work: string;
let project: string;
/** The same library installed with `--omit=optional`. */
let lean: string;
let tarball: string;
let tarballFiles: string[];

async function npm(args: string[], cwd: string): Promise<string> {
  return (await run('npm', args, { cwd, maxBuffer: 16 * 1024 * 1024 })).stdout;
}

/** The packages installed under `dir` (node_modules), nested ones included, as `name` or `@scope/name`. */
function installedPackages(dir: string): string[] {
  const names: string[] = [];
  const visit = (modules: string, prefix: string) => {
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || !entry.isDirectory()) continue;
      const path = join(modules, entry.name);
      if (entry.name.startsWith('@') && prefix === '') visit(path, `${entry.name}/`);
      else {
        names.push(`${prefix}${entry.name}`);
        const nested = join(path, 'node_modules');
        if (statSync(nested, { throwIfNoEntry: false })?.isDirectory()) visit(nested, '');
      }
    }
  };
  visit(join(dir, 'node_modules'), '');
  return names.sort();
}

function bytesUnder(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

/**
 * Type-checks and compiles consumer/<name>.ts in the project (strict, the libraries' .d.ts checked too: no
 * skipLibCheck), then runs it and returns the JSON line it printed. `lib` is ES2022 alone unless told: the library's
 * types need nothing of the DOM (MQTT.js's own types do).
 */
async function compileAndRun(
  name: string,
  args: string[] = [],
  lib = ['ES2022'],
  project = defaultProject(),
): Promise<Record<string, unknown>> {
  copyFileSync(join(consumers, `${name}.ts`), join(project, 'src', `${name}.ts`));
  const config = {
    compilerOptions: {
      target: 'ES2022',
      lib,
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: false,
      types: ['node'],
      typeRoots: [join(root, 'node_modules/@types')],
      rootDir: 'src',
      outDir: 'out',
    },
    files: [`src/${name}.ts`],
  };
  writeFileSync(join(project, `tsconfig.${name}.json`), JSON.stringify(config));
  await run(process.execPath, [tsc, '-p', `tsconfig.${name}.json`], { cwd: project }).catch((error) => {
    throw new Error(`tsc failed on ${name}.ts:\n${error.stdout}${error.stderr}`);
  });
  const { stdout } = await run(process.execPath, [join('out', `${name}.js`), ...args], { cwd: project });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

function defaultProject(): string {
  return project;
}

async function emptyProject(dir: string): Promise<void> {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'device-project', private: true, type: 'module' }));
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'e4c2-package-'));
  project = join(work, 'device-project');
  lean = join(work, 'lean-project');
  const file = (await npm(['pack', '--workspace', 'shared/e4', '--pack-destination', work], root)).trim();
  tarball = join(work, file.split('\n').at(-1)!);
  tarballFiles = (await run('tar', ['-tzf', tarball])).stdout.trim().split('\n');
  await emptyProject(project);
  await emptyProject(lean);
  await npm(['install', relative(project, tarball), ...NPM_FLAGS], project);
  await npm(['install', relative(lean, tarball), '--omit=optional', ...NPM_FLAGS], lean);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed device library', () => {
  it('holds the compiled entries with their types, and nothing else of the repository', () => {
    const files = tarballFiles.map((path) => path.replace(/^package\//, ''));
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/node/index.js',
        'dist/node/index.d.ts',
        'dist/mqtt/index.js',
        'dist/mqtt/index.d.ts',
      ]),
    );
    expect(files.filter((path) => !/^(package\.json|README\.md|dist\/.*)$/.test(path))).toEqual([]);
    expect(files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs alone into an empty project: the library, @noble/* and the optional sodium-native, no C2 dependency, no mqtt', () => {
    const packages = installedPackages(project);
    // Everything beyond the lean footprint is sodium-native's tree, which npm marks optional
    const lock = JSON.parse(readFileSync(join(project, 'node_modules/.package-lock.json'), 'utf8'));
    const optional = Object.entries<{ optional?: boolean }>(lock.packages)
      .filter(([, entry]) => entry.optional)
      .map(([path]) => path.replace(/^.*node_modules\//, ''));
    expect(packages.filter((name) => !optional.includes(name))).toEqual(FOOTPRINT);
    expect(optional).toContain('sodium-native');
    expect(packages.filter((name) => /aws|aedes|dynalite|middy|powertools|mqtt|zod/.test(name))).toEqual([]);
    expect(bytesUnder(join(project, 'node_modules'))).toBeLessThan(MAX_INSTALLED_BYTES_WITH_SODIUM);
  });

  it('with --omit=optional: the library and @noble/* alone, under 6 MiB, and Ed25519 on OpenSSL', async () => {
    expect(installedPackages(lean)).toEqual(FOOTPRINT);
    expect(bytesUnder(join(lean, 'node_modules'))).toBeLessThan(MAX_INSTALLED_BYTES);
    const seen = await compileAndRun('client', [], ['ES2022'], lean);
    expect(seen).toMatchObject({ engine: 'node', ed25519: 'openssl', command: 'SetTopicKey', payload: '21.5' });
  }, 120_000);

  it('e4c2/client: a consumer type-checks against the packed types and runs (node engine, command, file store)', async () => {
    const seen = await compileAndRun('client');

    expect(seen).toMatchObject({
      engine: 'node',
      ed25519: 'libsodium',
      command: 'SetTopicKey',
      payload: '21.5',
      refused: 'AUTHENTICATION_FAILED',
    });
    expect(statSync(join(project, 'device-0001.json')).isFile()).toBe(true);
  }, 120_000);

  it('e4c2/client outside Node (a browser bundle) resolves to the pure entry, without Node built-ins', async () => {
    // Act: what a web or edge project's bundler does with the installed package
    const result = await build({
      stdin: { contents: "export { getDefaultEngine } from 'e4c2/client';", resolveDir: project },
      absWorkingDir: project,
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });

    // Assess
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain('node_modules/e4c2/dist/index.js');
    expect(inputs.filter((path) => path.includes('e4c2/dist/node/') || path.startsWith('node:'))).toEqual([]);
  });

  it('e4c2/client/mqtt needs mqtt, which the project installs: then two devices talk through a broker', async () => {
    // Without mqtt the MQTT entry does not load, and says what is missing
    const load = run(process.execPath, ['--input-type=module', '-e', "await import('e4c2/client/mqtt')"], {
      cwd: project,
    });
    await expect(load).rejects.toMatchObject({ stderr: expect.stringMatching(/Cannot find package 'mqtt'/) });

    // Prepare: mqtt (the version the repository pins) installed next to the library, a broker, a raw subscriber
    const { version } = JSON.parse(readFileSync(join(root, 'node_modules/mqtt/package.json'), 'utf8'));
    await npm(['install', `mqtt@${version}`, ...NPM_FLAGS], project);
    const broker: RunningBroker = await startAedes();
    const observer = await connectAsync(broker.url);
    const wire: Buffer[] = [];
    observer.on('message', (_topic, payload) => wire.push(payload));
    await observer.subscribeAsync('sensors/temp', { qos: 1 });
    try {
      // Act
      const seen = await compileAndRun(
        'mqtt',
        [broker.url, 'sensors/temp', 'hello from a device project'],
        ['ES2022', 'DOM'],
      );

      // Assess: the reader got the plaintext, the broker carried only ciphertext
      expect(seen).toEqual({ received: 'hello from a device project' });
      await vi.waitFor(() => expect(wire).toHaveLength(1));
      expect(wire[0]!.toString('latin1')).not.toContain('hello from a device project');
      expect(installedPackages(project)).toContain('mqtt');
    } finally {
      await observer.endAsync();
      await broker.close();
    }
  }, 180_000);
});
