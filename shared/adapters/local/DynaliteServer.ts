/**
 * The embedded DynamoDB-compatible server of local mode (dynalite), on 127.0.0.1, persisting under a folder (or in
 * memory), in a worker thread of its own (node:worker_threads): its JSON parsing, validation and LevelDB calls take
 * a core of their own instead of the event loop that serves the API, the broker and the work queue (a 10,000-device
 * rotation spent about 40 % of that loop's time in dynalite when it shared it). With TransactWriteItems, which
 * dynalite lacks (dynaliteTransactions.cjs): the store adapter writes a record and its tenant's counter as one.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface RunningDynalite {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Stops the server, closes the database (its folder can be opened again), ends the thread. Idempotent. */
  close(): Promise<void>;
}

/** What the thread runs (CommonJS, no TypeScript: nothing to register in the thread). */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const server = require(workerData.transactions)(workerData.module, workerData.options);
server.once('error', (error) => parentPort.postMessage({ error: error.message }));
server.listen(workerData.port, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', () => {
  server.closeAllConnections?.();
  server.close((error) => parentPort.postMessage({ closed: true, error: error ? error.message : undefined }));
});
`;

type ThreadMessage = { port: number } | { error: string } | { closed: true; error?: string };

export interface DynaliteOptions {
  /** Persist under this folder; default in memory. */
  readonly path?: string;
  /** Default any free port. */
  readonly port?: number;
  /**
   * Told when the thread ends other than by `close` (an error in dynalite): the store is gone, so local mode stops
   * (default: nothing; `close` still resolves).
   */
  readonly onExit?: (error: Error) => void;
}

export async function startDynalite(options: DynaliteOptions = {}): Promise<RunningDynalite> {
  const thread = new Worker(THREAD_SOURCE, {
    eval: true,
    // A young generation larger than a worker's default: dynalite allocates a parsed copy of every item it touches,
    // and the default size spent a third more CPU in scavenges.
    resourceLimits: { maxYoungGenerationSizeMb: 64 },
    workerData: {
      module: createRequire(import.meta.url).resolve('dynalite'),
      transactions: fileURLToPath(new URL('./dynaliteTransactions.cjs', import.meta.url)),
      port: options.port ?? 0,
      options: {
        ...(options.path ? { path: options.path } : {}),
        createTableMs: 0,
        deleteTableMs: 0,
        updateTableMs: 0,
      },
    },
  });
  const next = () =>
    new Promise<ThreadMessage>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      const onExit = (code: number) => reject(new Error(`the dynalite thread exited (code ${code})`));
      thread.once('error', onError);
      thread.once('exit', onExit);
      thread.once('message', (message: ThreadMessage) => {
        thread.off('error', onError);
        thread.off('exit', onExit);
        resolve(message);
      });
    });
  const started = await next().catch(async (error: unknown) => {
    await thread.terminate();
    throw error;
  });
  if ('error' in started || !('port' in started)) {
    await thread.terminate();
    throw new Error(`dynalite did not start: ${'error' in started ? started.error : 'no port'}`);
  }
  let closing: Promise<void> | undefined;
  let ended: Error | undefined;
  thread.on('error', (error) => {
    ended ??= error;
  });
  thread.once('exit', (code) => {
    ended ??= new Error(`the dynalite thread exited (code ${code})`);
    if (!closing) options.onExit?.(ended);
  });
  return {
    endpoint: `http://127.0.0.1:${started.port}`,
    close: () => {
      closing ??= (async () => {
        if (ended) return; // nothing left to close
        const closed = next();
        thread.postMessage('close');
        const message = await closed.finally(() => thread.terminate());
        if ('error' in message && message.error) throw new Error(`dynalite did not close: ${message.error}`);
      })();
      return closing;
    },
  };
}
