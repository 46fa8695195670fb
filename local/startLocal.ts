/**
 * Local mode: the whole C2 on one machine. The API handler of the AWS deployment served over node:http, on local
 * adapters (dynalite on disk, the software keyring, MQTT), with an embedded MQTT broker unless an external one is
 * named; its devices authenticate (deviceAccess.ts) unless `allowAnonymousDevices`. On the first start of a state
 * folder (no API key for the tenant yet) an admin API key is created and returned: it is stored hashed, so this is
 * the only time it can be shown. So is a platform operator key (tenants: create, suspend, delete; `e4c2p.`) on the
 * first start, or on request. The default tenant is registered (shared/c2/tenants/registerTenant.ts) at each start:
 * a state folder made before the registry has it from then on. With `mqttTls` the embedded broker speaks MQTT over
 * TLS only, its certificate issued by a CA kept in the state folder (brokerCertificates.ts), which the C2's own
 * connection trusts. Given the web UI's built files, it serves them on the API's port at every path outside /v1.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createApiHandler } from '../functions/api/createApiHandler.js';
import { MqttReceiptSubscriber } from '../shared/adapters/local/MqttReceiptSubscriber.js';
import type { WorkerPasswordKeyDeriverOptions } from '../shared/adapters/local/WorkerPasswordKeyDeriver.js';
import { countUsableAdminKeys } from '../shared/c2/apiKeys/countUsableAdminKeys.js';
import { createApiKey } from '../shared/c2/apiKeys/createApiKey.js';
import type { C2Deps } from '../shared/c2/C2Deps.js';
import { createPlatformKey } from '../shared/c2/platform/createPlatformKey.js';
import { PLATFORM_TENANT } from '../shared/c2/platform/platformKeyToken.js';
import type { Clock } from '../shared/c2/ports.js';
import { registerTenant } from '../shared/c2/tenants/registerTenant.js';
import { cleanupStack } from './cleanupStack.js';
import { composeLocalC2 } from './composeLocalC2.js';
import { deviceAccess } from './deviceAccess.js';
import { deviceTenant } from './deviceTenant.js';
import { type ReceiptForwarder, receiptForwarder } from './forwardReceipts.js';
import { listenOn } from './listenOn.js';
import { type LocalLogger, silentLogger } from './localLogger.js';
import { lockStateDir } from './lockStateDir.js';
import { logCommands } from './logCommands.js';
import { logRequests } from './logRequests.js';
import { type LambdaHttpHandler, nodeHttpAdapter } from './nodeHttpAdapter.js';
import { prepareStateDir } from './prepareStateDir.js';
import { resumeOperations } from './resumeOperations.js';
import { returnReporter } from './returnReporter.js';
import { withWebUi } from './serveWebUi.js';
import { startEmbeddedBroker } from './startEmbeddedBroker.js';
import { urlOf } from './urlOf.js';

export interface StartLocalOptions {
  /** Holds the database (`db/`), the keyring (`keyring`, 0600) and a lock; created if absent. */
  readonly stateDir: string;
  /** Interface of the HTTP API and the embedded broker; default 127.0.0.1. */
  readonly host?: string;
  /** Default 8080; 0 = any free port (see `apiUrl`). */
  readonly httpPort?: number;
  /** Port of the embedded broker; default 1883; 0 = any free port (see `mqttUrl`). */
  readonly mqttPort?: number;
  /** An external broker to publish commands to, instead of starting the embedded one. */
  readonly mqttUrl?: string;
  /**
   * The embedded broker serves MQTT over TLS (`mqtts://`) and not over plain TCP, with a certificate issued by a CA
   * made at the first start in `<state>/tls/` (see `mqttCaFile`). Not with `mqttUrl`.
   */
  readonly mqttTls?: boolean;
  /** Default 'local'. */
  readonly tenantId?: string;
  /**
   * The embedded broker lets devices connect without credentials (demos, e4go devices); default false: each device
   * connects with the `mqtt` credentials of its creation answer (deviceAccess.ts).
   */
  readonly allowAnonymousDevices?: boolean;
  /** Create another admin API key even if the tenant has one (a lost key). */
  readonly newAdminKey?: boolean;
  /** Create another platform operator key even if there is one (a lost key). */
  readonly newPlatformKey?: boolean;
  /** Told of errors the API answered with a generic 500 (default: logged). */
  readonly onError?: (error: unknown) => void;
  /** Where requests, command fan-outs and device connections are logged; default nothing. */
  readonly log?: LocalLogger;
  /** The HTTP handler over the C2's ports; default the API handler of the AWS deployment. */
  readonly createHandler?: (deps: C2Deps) => LambdaHttpHandler;
  /** The C2's clock (tests); default Date.now. It must run: the C2 waits for it to reach a command's second. */
  readonly clock?: Clock;
  /** Password key derivations: threads and queue (WorkerPasswordKeyDeriver.ts); default one thread, 8 waiting. */
  readonly passwordKeys?: WorkerPasswordKeyDeriverOptions;
  /**
   * The web UI's built files (buildWebUi.ts), served at every path outside /v1 (serveWebUi.ts); default none: the
   * API answers every path.
   */
  readonly webUi?: string;
}

export interface LocalC2Server {
  /** `http://<host>:<bound port>` */
  readonly apiUrl: string;
  /** With `webUi`: `http://<host>:<bound port>/`. */
  readonly webUiUrl?: string;
  /** The broker devices connect to: the embedded one (`mqtt://<host>:<bound port>`) or the external one. */
  readonly mqttUrl: string;
  /** Whether `mqttUrl` is the embedded broker. */
  readonly embeddedBroker: boolean;
  /** With `mqttTls`: the CA certificate file devices trust (`<state>/tls/ca.crt`). */
  readonly mqttCaFile?: string;
  readonly tenantId: string;
  /** An admin API key (`e4c2.<tenant>.<key id>.<secret>`), only when it was created by this start. */
  readonly adminKey?: string;
  /** A platform operator key (`e4c2p.<key id>.<secret>`), only when it was created by this start. */
  readonly platformKey?: string;
  readonly deps: C2Deps;
  /** Stops the HTTP server, the publisher, the database and the broker. Idempotent. */
  close(): Promise<void>;
}

export async function startLocal(options: StartLocalOptions): Promise<LocalC2Server> {
  const host = options.host ?? '127.0.0.1';
  const tenantId = options.tenantId ?? 'local';
  const log = options.log ?? silentLogger;
  const onError =
    options.onError ??
    ((error: unknown) =>
      log.error('failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
  if (options.mqttTls && options.mqttUrl !== undefined) {
    throw new TypeError('mqttTls is for the embedded broker: it cannot go with mqttUrl');
  }
  const undo = cleanupStack('local mode');
  const closeAll = undo.run;
  try {
    // The state folder is locked first: nothing in it (the broker's certificates either) is touched by two processes.
    const stateDir = await prepareStateDir(options.stateDir);
    const stateDirLock = await lockStateDir(stateDir);
    undo.push(() => stateDirLock.release());
    let mqttUrl = options.mqttUrl;
    // Loaded only for TLS: the X.509 library and the Reflect polyfill it needs stay out of a plain start.
    const certificates = options.mqttTls
      ? await (await import('./brokerCertificates.js')).brokerCertificates(stateDir, host)
      : undefined;
    if (certificates?.made.ca) log.info("made the CA of the broker's TLS certificate", { file: certificates.caFile });
    if (certificates?.made.server) log.info("issued the broker's TLS certificate", { host });
    // Bound once the C2 is composed (the broker starts first).
    let onSubscribed: ((topic: string) => void) | undefined;
    let forwardReceipt: ReceiptForwarder | undefined;
    // The C2's own connection to the broker is no device: logged at debug level only.
    const c2ClientId = `e4c2-c2-${process.pid}-${Date.now()}`;
    // The C2's own connection to the embedded broker: the one allowed to publish on control topics.
    const c2Login = { username: 'e4c2:c2', password: randomBytes(32).toString('hex') };
    // The broker checks devices against the store, composed after it starts: a device that connects meanwhile waits
    // for it (refused if local mode does not start).
    let setStoreOfBroker: (store: C2Deps['store']) => void = () => {};
    let failStoreOfBroker: (error: Error) => void = () => {};
    const storeOfBroker = new Promise<C2Deps['store']>((resolve, reject) => {
      setStoreOfBroker = resolve;
      failStoreOfBroker = reject;
    });
    storeOfBroker.catch(() => {}); // nobody may be waiting
    undo.push(async () => failStoreOfBroker(new Error('local mode stopped')));
    if (mqttUrl === undefined) {
      const broker = await startEmbeddedBroker({
        host,
        port: options.mqttPort ?? 1883,
        ...(certificates ? { tls: { cert: certificates.cert, key: certificates.key } } : {}),
        onTlsError: (failure) => log.info('mqtt TLS handshake failed', failure),
        access: deviceAccess({
          store: {
            getClientIdClaim: async (id) => (await storeOfBroker).getClientIdClaim(id),
            getTopic: async (tenant, topic) => (await storeOfBroker).getTopic(tenant, topic),
          },
          c2: c2Login,
          allowAnonymous: options.allowAnonymousDevices ?? false,
        }),
        onSubscribed: (topic) => onSubscribed?.(topic),
        onPublish: async (topic, payload) => forwardReceipt?.(topic, payload),
        onConnection: ({ clientId, connected }) =>
          (clientId === c2ClientId ? log.debug : log.info)(
            connected ? 'mqtt client connected' : 'mqtt client disconnected',
            { clientId },
          ),
      });
      undo.push(() => broker.close());
      mqttUrl = broker.url;
    }
    const c2 = await composeLocalC2({
      stateDir,
      stateDirLock,
      mqttUrl,
      publisher: {
        mqtt: {
          clientId: c2ClientId,
          ...(options.mqttUrl === undefined ? c2Login : {}),
          ...(certificates ? { ca: certificates.ca } : {}),
        },
      },
      log,
      ...(options.passwordKeys ? { passwordKeys: options.passwordKeys } : {}),
      startWorker: false,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    undo.push(() => c2.close());
    const deps: C2Deps = {
      ...c2.deps,
      publisher: logCommands(c2.deps.publisher, log),
      // Devices get broker credentials where the broker checks them: the embedded one.
      options: { ...c2.deps.options, mqttCredentials: options.mqttUrl === undefined },
    };
    setStoreOfBroker(deps.store);
    // Every tenant of this state folder: the default one, the platform's, and those the platform created.
    const tenants = new Set([tenantId, PLATFORM_TENANT, ...(await registeredTenants(deps))]);
    // The state folder is locked to this process: a lease still on a topic is a crashed previous run's.
    let released = 0;
    for (const tenant of tenants) released += await deps.store.releaseAllTopicLeases(tenant);
    if (released > 0) log.warn('released topic leases left by a previous run', { topics: released });
    // Then the worker: what the work queue kept from that run, and every operation it left unfinished.
    let resumed = 0;
    for (const tenant of tenants) resumed += await resumeOperations(c2.deps.operations, c2.queue, tenant);
    if (resumed > 0) log.info('resumed operations left unfinished by a previous run', { operations: resumed });
    await c2.startWorker(deps);
    // Then the policies' schedules (a run missed while stopped runs once now): their runs go to the worker.
    await c2.startScheduler(deps);

    // Devices back on the embedded broker: resynced by the worker (see returnReporter.ts).
    // Each device's tenant by its E4 id's claim: devices of the tenants the platform creates are this broker's too.
    const tenantOfDevice = deviceTenant(deps.store, tenantId, deps.clock);
    onSubscribed = returnReporter(c2.queue, tenantOfDevice, deps.clock, onError);

    // Device receipts to the work queue: handed over by the embedded broker, or heard on an external one.
    if (deps.queue) {
      const forward = receiptForwarder(deps.queue, tenantOfDevice);
      if (options.mqttUrl === undefined) forwardReceipt = forward;
      else {
        const subscriber = await MqttReceiptSubscriber.connect(mqttUrl, forward, {
          mqtt: { clientId: `e4c2-receipts-${tenantId}` },
          onError,
        });
        undo.push(() => subscriber.close());
      }
    } else log.debug('device receipts are not handled: this C2 has no work queue (deps.queue)');

    const handler = (
      options.createHandler ??
      ((d: C2Deps) =>
        createApiHandler(d, {
          log: (entry) =>
            log.error(entry.message, {
              status: entry.status,
              requestId: entry.requestId,
              error: entry.error.code ?? entry.error.name,
              reason: entry.error.message,
            }),
        }))
    )(deps);
    const api = logRequests(nodeHttpAdapter(handler, { onError }), log);
    const server = createServer(options.webUi === undefined ? api : withWebUi(api, options.webUi));
    const httpPort = await listenOn(server, host, options.httpPort ?? 8080, 'the HTTP');
    undo.push(() => closeHttpServer(server));

    // Last, once everything listens: a key created and then lost to a failed start could never be shown again.
    await registerTenant(deps, tenantId);
    const adminKey = await createAdminKeyIfNeeded(deps, tenantId, options.newAdminKey ?? false);
    const platformKey = await createPlatformKeyIfNeeded(deps, options.newPlatformKey ?? false);
    const apiUrl = urlOf('http', host, httpPort);
    return {
      apiUrl,
      ...(options.webUi === undefined ? {} : { webUiUrl: `${apiUrl}/` }),
      mqttUrl,
      embeddedBroker: options.mqttUrl === undefined,
      ...(certificates ? { mqttCaFile: certificates.caFile } : {}),
      tenantId,
      ...(adminKey === undefined ? {} : { adminKey }),
      ...(platformKey === undefined ? {} : { platformKey }),
      deps,
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }
}

/**
 * An admin key on the first start, on request, or when the tenant has no usable admin key left (all revoked or
 * expired, e.g. a revocation cut short by a crash): the way back in.
 */
async function createAdminKeyIfNeeded(deps: C2Deps, tenantId: string, another: boolean): Promise<string | undefined> {
  const usable = await countUsableAdminKeys(deps, tenantId, deps.clock());
  if (usable > 0 && !another) return undefined;
  const existing = await deps.store.countApiKeys(tenantId);
  const name = existing === 0 ? 'admin' : `admin-${existing + 1}`;
  const created = await createApiKey(deps, { tenantId, actor: 'local-admin' }, { name, scope: 'admin' });
  return created.token;
}

/** A platform operator key on the first start (none yet, usable or not) or on request. */
async function createPlatformKeyIfNeeded(deps: C2Deps, another: boolean): Promise<string | undefined> {
  const existing = await deps.store.countApiKeys(PLATFORM_TENANT);
  if (existing > 0 && !another) return undefined;
  const name = existing === 0 ? 'platform' : `platform-${existing + 1}`;
  return (await createPlatformKey(deps, 'local-admin', name)).token;
}

/** Stops accepting connections, ends idle keep-alive ones, and those still busy after a grace period. */
async function closeHttpServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 2_000);
  await closed;
  clearTimeout(timer);
}

/** The ids of the tenants of the registry that are not deleted. */
async function registeredTenants(deps: C2Deps): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.listTenants({ limit: 100, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.filter((tenant) => tenant.status !== 'deleted').map((tenant) => tenant.id));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}
