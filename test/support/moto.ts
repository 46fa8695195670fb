/**
 * moto (the AWS API emulator, Python, preinstalled on the image) for the AWS adapters' integration tests: one
 * `moto_server` child process per test file, on a free port of 127.0.0.1, serving every emulated service on one
 * endpoint (DynamoDB, KMS, IoT control and data plane, EventBridge Scheduler). `reset()` empties it between tests.
 * When moto_server is missing (see {@link motoMissing}), the suite is skipped; in CI it fails (`serverMissing.ts`).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { freePort } from './freePort.js';
import { serverMissing } from './serverMissing.js';

export interface RunningMoto {
  /** `http://127.0.0.1:<port>`: the endpoint of every client. */
  readonly endpoint: string;
  readonly region: 'us-east-1';
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

const BINARY = 'moto_server';

export const MOTO_MISSING =
  'moto_server is not installed (pip install "moto[server]==5.2.1"): the AWS adapter integration tests did not run';

function onPath(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter).filter((f) => f.length > 0)) {
    const candidate = join(folder, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

let missing: string | undefined | null = null;

/**
 * Why moto cannot run here (undefined when it can): the binary is absent from PATH, or does not start (a pyenv shim
 * without the package behind it). Checked once per test file.
 */
export function motoMissing(): string | undefined {
  if (missing !== null) return missing;
  const binary = onPath(BINARY);
  missing =
    binary && spawnSync(binary, ['--help'], { stdio: 'ignore', timeout: 30_000 }).status === 0
      ? undefined
      : MOTO_MISSING;
  return missing;
}

/** Starts moto_server and resolves once it answers HTTP (about 1 s); rejects if it exits or after 30 s. */
export async function startMoto(): Promise<RunningMoto> {
  const reason = motoMissing();
  if (reason) throw new Error(reason);
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // Its own process group: close() ends moto and anything it started, and nothing else.
  const child: ChildProcess = spawn(BINARY, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      output += `\n${error.message}`;
      resolve();
    });
  });
  let gone = false;
  void exited.then(() => {
    gone = true;
  });

  const close = async (): Promise<void> => {
    if (gone || child.pid === undefined) return;
    const signal = (name: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, name);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !gone) {
    try {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (response.ok) {
        return {
          endpoint,
          region: 'us-east-1',
          credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
          reset: async () => {
            const reset = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
            if (!reset.ok) throw new Error(`moto reset answered ${reset.status}`);
          },
          close,
        };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await close();
  throw new Error(`moto_server did not answer on port ${port}:\n${output}`);
}

/**
 * A suite over one moto server (started before its tests, stopped after them): `suite` declares the tests and reads
 * the server through `moto()` while they run. Without moto_server the suite is skipped, and fails in CI
 * ({@link serverMissing}).
 */
export function describeWithMoto(title: string, suite: (moto: () => RunningMoto) => void): void {
  describe.skipIf(serverMissing(motoMissing()))(title, () => {
    let running: RunningMoto | undefined;
    beforeAll(async () => {
      running = await startMoto();
    }, 60_000);
    afterAll(async () => {
      await running?.close();
    });
    suite(() => {
      if (!running) throw new Error('moto is not running');
      return running;
    });
  });
}

/** What an AWS SDK client needs to talk to `moto` (endpoint, region, credentials). */
export function clientConfig(moto: RunningMoto): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  return { endpoint: moto.endpoint, region: moto.region, credentials: { ...moto.credentials } };
}
