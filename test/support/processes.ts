/**
 * Programs run by the tests as real subprocesses (npm start, the demo device, the README's shell blocks): their
 * output collected, a wait for what they print, their exit. Each leads its own process group (npm, sh, npx and the
 * node they run), so that {@link stopProcesses} leaves nothing behind when a test fails.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RunningProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** stdout and stderr, interleaved as they came. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** Resolves once the output holds `text` `times` times (default once); rejects if the process exits first. */
  waitFor(text: string, times?: number): Promise<void>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

const running: RunningProcess[] = [];

/**
 * The `e4c2` CLI's configuration file of the programs a test runs unless it gives its own: in a folder of this test
 * process (made by the first write, removed at its exit: best effort, a killed worker leaves it), never the user's ~/.config (local mode writes its profiles
 * on its first start).
 */
const TEST_CONFIG_DIR = join(tmpdir(), `e4c2-test-config-${process.pid}-${randomBytes(4).toString('hex')}`);
process.once('exit', () => rmSync(TEST_CONFIG_DIR, { recursive: true, force: true }));

/**
 * This process's environment without the project's variables (a test sets those it means, as a user would), but for
 * E4C2_CONFIG: a file of this test process (see TEST_CONFIG_DIR).
 */
export function userEnv(): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('E4C2_'))),
    E4C2_CONFIG: join(TEST_CONFIG_DIR, 'config.json'),
  };
}

/** Starts `command` in the repository's folder with {@link userEnv} and `env`. */
export function runProcess(command: string, args: string[], env: Record<string, string> = {}): RunningProcess {
  const child = spawn(command, args, { cwd: ROOT, env: { ...userEnv(), ...env }, detached: true });
  let output = '';
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  const collect = (append: (text: string) => void) => (chunk: Buffer) => {
    const text = chunk.toString();
    output += text;
    append(text);
    for (const waiter of waiters) waiter();
  };
  child.stdout.on(
    'data',
    collect((text) => (stdout += text)),
  );
  child.stderr.on(
    'data',
    collect((text) => (stderr += text)),
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const count = (text: string) => output.split(text).length - 1;
  const started: RunningProcess = {
    child,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor: (text, times = 1) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (count(text) < times) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
        void exited.then((code) => {
          if (count(text) < times) reject(new Error(`exited (${code}) before "${text}" x${times}:\n${output}`));
        });
      }),
  };
  running.push(started);
  return started;
}

/** Kills (SIGKILL, the whole group) every process started here that is still running. */
export function stopProcesses(): void {
  for (const { child } of running.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group ended meanwhile.
      }
    }
  }
}
