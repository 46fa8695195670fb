/**
 * The `e4c2` CLI run as operators run it: a subprocess (`node cli/bin/e4c2.js`, what `npx e4c2` runs) with the
 * environment a test gives (none of this process's E4C2_ variables), its stdout, stderr and exit code. And local
 * mode for it to talk to: on free ports, state in a temp folder, the CLI's configuration file in another, the admin
 * key (recorded for the CI's secret scan) in `env`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { type LocalC2Server, type StartLocalOptions, startLocal } from '../../local/startLocal.js';
import { ROOT, userEnv } from './processes.js';
import { recordSecret, recordSecretsIn } from './recordedSecrets.js';

/** The CLI the tests run: the bundle of the test run's global setup (test/support/cliBundle.ts). */
export const cliBin = (): string => inject('cliBundle');

export interface CliRun {
  /** The exit code (null when killed). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (for `--json`); the secrets it shows are recorded for the CI's scan. */
  json<T = unknown>(): T;
}

export interface CliRunOptions {
  /** Written to stdin, then closed (stdin is closed at once without it). */
  input?: string;
  /** Killed (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
  cwd?: string;
  /** Sends SIGINT (Ctrl-C) once stderr matches this. */
  interruptWhen?: RegExp;
}

export function e4c2(
  args: readonly string[],
  env: Record<string, string> = {},
  options: CliRunOptions = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin(), ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...userEnv(), ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    let interrupted = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (options.interruptWhen && !interrupted && options.interruptWhen.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout,
        stderr,
        json: <T>() => {
          const value = JSON.parse(stdout) as T;
          recordSecretsIn(value);
          return value;
        },
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface CliC2 {
  readonly server: LocalC2Server;
  /** E4C2_API_URL, E4C2_API_KEY (the admin key) and E4C2_CONFIG (a file in a temp folder, absent at first). */
  readonly env: Record<string, string>;
  /** The temp folder of the configuration file, for a test's own files. */
  readonly dir: string;
  close(): Promise<void>;
}

/** Local mode on free ports with a new state folder, and the environment the CLI needs to reach it. */
export async function startCliC2(options: Pick<StartLocalOptions, 'passwordKeys'> = {}): Promise<CliC2> {
  const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-cli-state-'));
  const dir = await mkdtemp(join(tmpdir(), 'e4c2-cli-'));
  const server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, ...options });
  recordSecret(server.adminKey!);
  if (server.platformKey) recordSecret(server.platformKey);
  return {
    server,
    dir,
    env: { E4C2_API_URL: server.apiUrl, E4C2_API_KEY: server.adminKey!, E4C2_CONFIG: join(dir, 'config.json') },
    close: async () => {
      await server.close();
      await rm(stateDir, { recursive: true, force: true });
      await rm(dir, { recursive: true, force: true });
    },
  };
}
