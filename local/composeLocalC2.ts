/**
 * The composition root of local mode: the C2's ports on local adapters, built from a state folder.
 * - store and operations: DynamoKeyStore and DynamoOperationStore over an embedded dynalite, persisting under
 *   `<state>/db` (or in memory), their table created if missing;
 * - vault: envelope encryption under the software keyring `<state>/keyring` (a 0600 file made on first start);
 * - publisher: MQTT to the given broker URL (the embedded broker or an external one);
 * - engine: node:crypto with every AES-SIV operation on OpenSSL (functions/c2Engine.ts), as in Lambda;
 * - password keys: Argon2i in a worker thread, queued, so that the event loop of the API and broker never stops;
 * - operations: DynamoOperationStore in the same table; work queue: LocalWorkQueue, persisted in the same table and
 *   drained in process by `handleWork` (the worker of the AWS deployment's SQS queue);
 * - link changes (the policies' event triggers): journaled in the same table (journaledLinks, LocalLinkJournal)
 *   and fed to the work queue, as the table's stream is in AWS;
 * - policies: DynamoPolicyStore in the same table; their schedules on LocalScheduler, persisted in the same table and
 *   fired in process (started by {@link ComposedLocalC2.startScheduler}), each run as the rotation function does it.
 * The same use cases and store adapter as the AWS deployment; only KMS and IoT Core are replaced.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { c2Engine } from '../functions/c2Engine.js';
import { DynamoKeyStore } from '../shared/adapters/aws/DynamoKeyStore.js';
import { DynamoOperationStore } from '../shared/adapters/aws/DynamoOperationStore.js';
import { DynamoPolicyStore } from '../shared/adapters/aws/DynamoPolicyStore.js';
import { createKeyStoreTable } from '../shared/adapters/aws/keyStoreTable.js';
import { type RunningDynalite, startDynalite } from '../shared/adapters/local/DynaliteServer.js';
import { journaledLinks } from '../shared/adapters/local/journaledLinks.js';
import { LocalKeyring } from '../shared/adapters/local/LocalKeyring.js';
import { LocalLinkJournal } from '../shared/adapters/local/LocalLinkJournal.js';
import { LocalScheduler } from '../shared/adapters/local/LocalScheduler.js';
import { LocalWorkQueues, type LocalWorkQueuesOptions } from '../shared/adapters/local/LocalWorkQueues.js';
import {
  MqttCommandPublisher,
  type MqttCommandPublisherOptions,
} from '../shared/adapters/local/MqttCommandPublisher.js';
import {
  WorkerPasswordKeyDeriver,
  type WorkerPasswordKeyDeriverOptions,
} from '../shared/adapters/local/WorkerPasswordKeyDeriver.js';
import type { C2Deps } from '../shared/c2/C2Deps.js';
import { handleWorkMessages } from '../shared/c2/operations/handleWorkMessages.js';
import type { Clock } from '../shared/c2/ports.js';
import { EnvelopeKeyVault } from '../shared/c2/vault/EnvelopeKeyVault.js';
import { type CryptoEngine, setDefaultEngine } from '../shared/e4/index.js';
import { cleanupStack } from './cleanupStack.js';
import { LocalModeError, LocalModeErrorCode } from './LocalModeError.js';
import { localDynamoClient } from './localDynamoClient.js';
import { type LocalLogger, silentLogger } from './localLogger.js';
import { lockStateDir, type StateDirLock } from './lockStateDir.js';
import { prepareStateDir } from './prepareStateDir.js';
import { scheduledRotations } from './scheduledRotations.js';

export interface ComposeLocalC2Options {
  /** Holds the keyring, and the database unless `inMemoryStore`; created (0700) if absent. */
  readonly stateDir: string;
  /** The broker commands are published to. */
  readonly mqttUrl: string;
  /** Keep the records in memory (tests): nothing survives `close`, and the state folder is not locked. */
  readonly inMemoryStore?: boolean;
  /** The state folder's lock when the caller took it already (local mode, before its broker); released on close. */
  readonly stateDirLock?: StateDirLock;
  /** Default `e4c2`. */
  readonly tableName?: string;
  readonly clock?: Clock;
  /** Default: the C2's engine, every AES-SIV operation on OpenSSL (functions/c2Engine.ts). */
  readonly engine?: CryptoEngine;
  readonly publisher?: MqttCommandPublisherOptions;
  /** Password enrolments: worker threads and queue (default 1 thread, 8 waiting; more are answered BUSY). */
  readonly passwordKeys?: WorkerPasswordKeyDeriverOptions;
  /** The work queues' concurrency, batches, retries and close timeout (see LocalWorkQueues). */
  readonly queue?: LocalWorkQueuesOptions;
  /**
   * Start draining the work queue at once (default). Local mode starts it itself ({@link ComposedLocalC2.startWorker})
   * once it has released what a crashed run left: a lease released after the worker took it would be lost.
   */
  readonly startWorker?: boolean;
  /** Where the work queue reports retries and dead messages; default nothing. */
  readonly log?: LocalLogger;
}

export interface ComposedLocalC2 {
  readonly deps: C2Deps;
  /** `deps.queue`, with what tests and local mode need beyond the port (idle, dead items). */
  readonly queue: LocalWorkQueues;
  /** The journal of link changes, fed to the work queue (tests wait for it to be idle). */
  readonly linkJournal: LocalLinkJournal;
  /** Starts draining the work queues, by `handleWorkMessages` over `deps` (default the composed ones). */
  startWorker(deps?: C2Deps): Promise<void>;
  /** `deps.scheduler`, with what tests and local mode need beyond the port (start, wake, idle). */
  readonly scheduler: LocalScheduler;
  /**
   * Starts firing the policies' schedules (runs missed while stopped first, once each), each run a scheduled
   * rotation over `deps` (default the composed ones). Not started by composing: local mode starts it after the worker.
   */
  startScheduler(deps?: C2Deps): Promise<void>;
  /**
   * Closes the work queue (waiting for running handlers), the publisher, the database client and dynalite, and
   * releases the state folder. Idempotent.
   */
  close(): Promise<void>;
}

export async function composeLocalC2(options: ComposeLocalC2Options): Promise<ComposedLocalC2> {
  const tableName = options.tableName ?? 'e4c2';
  const engine = options.engine ?? c2Engine;
  // Client ids and topic hashes (computed for every record read or written) on the same engine.
  setDefaultEngine(engine);
  const stateDir = await prepareStateDir(options.stateDir);
  const undo = cleanupStack('local mode');
  const closeAll = undo.run;
  try {
    const held = options.stateDirLock;
    if (held) undo.push(() => held.release());
    else if (!options.inMemoryStore) {
      const lock = await lockStateDir(stateDir);
      undo.push(() => lock.release());
    }
    const keyring = await LocalKeyring.open(join(stateDir, 'keyring'), { engine });
    const dbDir = join(stateDir, 'db');
    if (!options.inMemoryStore) await mkdir(dbDir, { recursive: true, mode: 0o700 });
    const dynalite: RunningDynalite = await startDynalite({
      ...(options.inMemoryStore ? {} : { path: dbDir }),
      onExit: (error) => (options.log ?? silentLogger).error('the embedded store stopped', { error: error.message }),
    });
    undo.push(() => dynalite.close());
    const db = localDynamoClient(dynalite.endpoint);
    undo.push(() => db.destroy());
    await createKeyStoreTable(db, tableName);
    const publisher = await connectPublisher(options.mqttUrl, options.publisher);
    undo.push(() => publisher.close());
    const passwordKeys = new WorkerPasswordKeyDeriver(options.passwordKeys);
    undo.push(() => passwordKeys.close());
    // Closed first (pushed last): its running handlers still use everything above.
    const log = options.log ?? silentLogger;
    const queue = new LocalWorkQueues(db, tableName, {
      work: { ...options.queue?.work, log },
      receipts: { ...options.queue?.receipts, log },
    });
    undo.push(() => queue.close());
    const clock = options.clock ?? Date.now;
    // Closed before the queue: its runs enqueue operations.
    const scheduler = new LocalScheduler(db, tableName, { clock, log });
    undo.push(() => scheduler.close());
    // Closed before the queue: its passes enqueue link changes.
    const linkJournal = new LocalLinkJournal(db, tableName, { clock, log });
    undo.push(() => linkJournal.close());
    const keyStore = new DynamoKeyStore(db, tableName);
    const deps: C2Deps = {
      store: journaledLinks(keyStore, linkJournal),
      operations: new DynamoOperationStore(db, tableName),
      policies: new DynamoPolicyStore(db, tableName),
      scheduler,
      queue,
      vault: new EnvelopeKeyVault(keyring, { engine }),
      publisher,
      clock,
      engine,
      passwordKeys,
    };
    linkJournal.start(keyStore, queue);
    const startWorker = (workDeps: C2Deps = deps) => queue.start((messages) => handleWorkMessages(workDeps, messages));
    const startScheduler = (runDeps: C2Deps = deps) => scheduler.start(scheduledRotations(runDeps, log));
    if (options.startWorker ?? true) await startWorker();
    return { deps, queue, linkJournal, startWorker, scheduler, startScheduler, close: closeAll };
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }
}

async function connectPublisher(url: string, options: MqttCommandPublisherOptions = {}): Promise<MqttCommandPublisher> {
  try {
    return await MqttCommandPublisher.connect(url, options);
  } catch (error) {
    throw new LocalModeError(
      LocalModeErrorCode.BrokerUnreachable,
      `the MQTT broker at ${withoutCredentials(url)} did not accept the C2's connection (${(error as Error).message})`,
      { cause: error },
    );
  }
}

/** The URL without a user name or password (it goes into an error message). */
function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(an invalid URL)';
  }
}
