/**
 * Password keys (Argon2i, 64 MiB, about half a second each) derived in worker threads (node:worker_threads), so that
 * local mode's event loop, which serves the API and the embedded broker, never stops for one. Derivations queue: at
 * most `workers` run at once (one thread each, 64 MiB each; default 1) and at most `maxQueued` wait (default 8);
 * past that a request is refused at once with C2Error BUSY (HTTP 429 with Retry-After), instead of piling up. Threads
 * are started on first use, kept for the next (unref'd: they never hold the process open) and stopped by `close`.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { PasswordKeyDeriver } from '../../c2/ports.js';
import { E4Error, type E4ErrorCode } from '../../e4/index.js';

export interface WorkerPasswordKeyDeriverOptions {
  /** Derivations run at once, one thread each; default 1. */
  readonly workers?: number;
  /** Derivations that may wait for a thread; default 8. */
  readonly maxQueued?: number;
}

interface Job {
  readonly password: string;
  resolve(key: Uint8Array): void;
  reject(error: unknown): void;
}

type Answer = { key: Uint8Array } | { error: { code: E4ErrorCode; message: string } };

/**
 * How to start the worker: its compiled .js next to this file, or, when this file runs as TypeScript (`npm start`
 * and the tests run through tsx or vitest), a small script that registers tsx's loader in the thread (a worker does
 * not take `--import` hooks on Node 20) and then imports the .ts file.
 */
function workerSource(): { source: URL | string; eval: boolean } {
  const typescript = import.meta.url.endsWith('.ts');
  const url = new URL(`./passwordKeyWorker.${typescript ? 'ts' : 'js'}`, import.meta.url);
  if (!typescript) return { source: url, eval: false };
  const tsxApi = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  );
  const source =
    `import(${JSON.stringify(tsxApi.href)})` +
    `.then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); })` +
    '.catch((error) => { setImmediate(() => { throw error; }); });';
  return { source, eval: true };
}

export class WorkerPasswordKeyDeriver implements PasswordKeyDeriver {
  readonly #workers: number;
  readonly #maxQueued: number;
  readonly #queue: Job[] = [];
  readonly #idle: Worker[] = [];
  /** Every live thread, with the job it runs (undefined when idle). */
  readonly #running = new Map<Worker, Job | undefined>();
  #closed = false;

  constructor(options: WorkerPasswordKeyDeriverOptions = {}) {
    const { workers = 1, maxQueued = 8 } = options;
    if (!Number.isInteger(workers) || workers < 1) throw new RangeError('workers must be an integer >= 1');
    if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new RangeError('maxQueued must be an integer >= 0');
    this.#workers = workers;
    this.#maxQueued = maxQueued;
  }

  deriveSymKey(password: string): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new Error('the password key deriver is closed'));
    const busy = [...this.#running.values()].filter((job) => job !== undefined).length;
    if (busy >= this.#workers && this.#queue.length >= this.#maxQueued) {
      return Promise.reject(
        new C2Error(
          C2ErrorCode.Busy,
          `too many password enrolments in progress (${busy} running, ${this.#queue.length} waiting): retry in a moment`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ password, resolve, reject });
      this.#pump();
    });
  }

  /** Stops every thread; derivations in progress or waiting are rejected. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new Error('the password key deriver was closed'));
    const workers = [...this.#running.keys()];
    this.#idle.length = 0;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      const worker = this.#idle.pop() ?? (this.#running.size < this.#workers ? this.#spawn() : undefined);
      if (!worker) return;
      const job = this.#queue.shift()!;
      this.#running.set(worker, job);
      worker.postMessage(job.password);
    }
  }

  #spawn(): Worker {
    const { source, eval: isScript } = workerSource();
    const worker = new Worker(source, { eval: isScript });
    worker.unref();
    this.#running.set(worker, undefined);
    worker.on('message', (answer: Answer) => {
      const job = this.#running.get(worker);
      this.#running.set(worker, undefined);
      this.#idle.push(worker);
      if ('key' in answer) job?.resolve(new Uint8Array(answer.key.buffer, answer.key.byteOffset, answer.key.length));
      else job?.reject(new E4Error(answer.error.code, answer.error.message));
      this.#pump();
    });
    const lost = (error: Error) => {
      const job = this.#running.get(worker);
      this.#running.delete(worker);
      const idleAt = this.#idle.indexOf(worker);
      if (idleAt >= 0) this.#idle.splice(idleAt, 1);
      job?.reject(error);
      if (!this.#closed) this.#pump();
    };
    worker.on('error', (error) => lost(new Error('the password key worker failed', { cause: error })));
    worker.on('exit', (code) => lost(new Error(`the password key worker stopped (exit code ${code})`)));
    return worker;
  }
}
