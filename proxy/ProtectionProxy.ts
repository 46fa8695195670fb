/**
 * The protection proxy: an MQTT listener (aedes) for applications that speak MQTT in clear, each downstream client
 * mapped to an E4 identity whose {@link UpstreamSession} talks to the real broker. Local proxy: every client is mapped
 * to the one identity. Gateway proxy: a client is mapped by its client id, its username or its client certificate's
 * subject CN (mTLS); one without an identity is refused at CONNECT (CONNACK 5, not authorized). A client must give its
 * identity's downstream password (every gateway device has one; the local proxy when configured), else it is refused
 * (CONNACK 4, bad user name or password). The listener is plain MQTT, or MQTT over TLS (`listen.tls`,
 * {@link listenerTls}), optionally requiring a client certificate signed by the configured CA.
 *
 * A client id is bound to the identity that first connected with it: another identity's connection with that id is
 * refused (CONNACK 5) while the binding lasts, that is until a clean session of the id ends (a persistent session's
 * subscriptions and queued messages stay with its identity until the proxy stops). Each delivery is also checked
 * against the identity of the client that receives it, queued ones included.
 *
 * aedes does the MQTT protocol downstream, not the routing: what a client publishes goes upstream (protected or not,
 * by the {@link TopicPolicy}) and the PUBACK waits for the upstream broker's; what a client receives comes only from
 * its own identity's upstream session ({@link UpstreamSession} hands it over, and `authorizeForward` lets through
 * only those deliveries), so that no client ever receives another's cleartext through the proxy. Retained messages
 * are kept by the upstream broker (protected), not by the proxy.
 */
import { Buffer } from 'node:buffer';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { ProxyConfig, ProxyMode } from './config/ProxyConfig.js';
import { isLoopback } from './config/parseProxyConfig.js';
import { errorCodeOf } from './errorCodeOf.js';
import { listenerTls } from './listenerTls.js';
import type { ProxyIdentity } from './ProxyIdentity.js';
import type { ProxyLog } from './ProxyLog.js';
import { ProxyMetrics } from './ProxyMetrics.js';
import { redactUrl } from './redactUrl.js';
import { TopicPolicy } from './TopicPolicy.js';
import { type QoS, UpstreamSession } from './UpstreamSession.js';

export interface ProxyOptions {
  readonly mode: ProxyMode;
  readonly config: ProxyConfig;
  readonly identities: readonly ProxyIdentity[];
  readonly log: ProxyLog;
}

export class ProtectionProxy {
  readonly metrics = new ProxyMetrics();
  readonly #sessions = new Map<string, UpstreamSession>();
  /** The session of each connected downstream client. */
  readonly #clients = new WeakMap<Client, UpstreamSession>();
  /** Payloads handed over by an upstream session, and by which: the only ones aedes may forward, to its clients. */
  readonly #deliveries = new WeakMap<Buffer, UpstreamSession>();
  /** Client id → the identity it is bound to, and the last client authenticated with it. */
  readonly #bound = new Map<string, { session: UpstreamSession; client: Client }>();
  readonly #sockets = new Set<Socket>();
  #statusTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly options: ProxyOptions,
    readonly broker: Aedes,
    readonly server: Server,
  ) {}

  /** Opens the upstream sessions, then listens downstream. */
  static async start(options: ProxyOptions): Promise<ProtectionProxy> {
    const bare = options.identities.find((identity) => !identity.credential);
    if (bare && options.mode === 'local' && !isLoopback(options.config.listen.host)) {
      throw new Error('a local proxy without a downstream password listens on a loopback address only');
    }
    if (bare && options.mode === 'gateway') {
      throw new Error(
        `the device ${bare.name} has no downstream password: give its passwordHash or password in devices.list, ` +
          `or write its hash (\`e4c2 proxy hash-password\`) to ${bare.name}.passwd beside its state file`,
      );
    }
    const tls = options.config.listen.tls ? await listenerTls(options.config.listen.tls) : undefined;
    const broker = await Aedes.createBroker();
    const server = tls
      ? createTlsServer({ ...tls, noDelay: true }, broker.handle)
      : createServer({ noDelay: true }, broker.handle);
    const proxy = new ProtectionProxy(options, broker, server);
    try {
      await proxy.#openSessions();
      proxy.#hook();
      await proxy.#listen();
    } catch (error) {
      await proxy.stop();
      throw error;
    }
    return proxy;
  }

  /** `host:port` the proxy listens on (the port chosen when configured 0). */
  get address(): { host: string; port: number } {
    const { address, port } = this.server.address() as AddressInfo;
    return { host: address, port };
  }

  /** Stops listening, then closes the upstream sessions once their state is saved; logs the counters last. */
  async stop(): Promise<void> {
    clearInterval(this.#statusTimer);
    const closed = this.server.listening
      ? new Promise<void>((resolve) => this.server.close(() => resolve()))
      : Promise.resolve();
    for (const socket of this.#sockets) socket.destroy();
    await closed;
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
    for (const session of this.#sessions.values()) {
      await session.close().catch((error: unknown) => {
        this.options.log.error('close failed', { device: session.name, code: errorCodeOf(error) });
      });
    }
    this.#sessions.clear();
    this.#logStatus('stopped');
  }

  async #openSessions(): Promise<void> {
    const { config, identities, log } = this.options;
    const policy = new TopicPolicy(config.topics.protect, config.topics.unconfigured);
    const context = {
      policy,
      metrics: this.metrics,
      log,
      deliver: (
        session: UpstreamSession,
        clientId: string,
        topic: string,
        payload: Buffer,
        qos: QoS,
        retain: boolean,
      ) => this.#deliver(session, clientId, topic, payload, qos, retain),
    };
    for (const identity of identities) {
      const session = await UpstreamSession.open(identity, config.upstream, context);
      this.#sessions.set(identity.name, session);
      log.info('identity ready', { device: identity.name, topics: identity.client.topicCount });
    }
  }

  #sessionFor(client: Client, username: string | undefined): UpstreamSession | undefined {
    if (this.options.mode === 'local') return this.#sessions.values().next().value;
    const by = this.options.config.devices?.mapBy ?? 'clientId';
    const name = by === 'clientId' ? client.id : by === 'username' ? username : certificateCn(client);
    return name === undefined ? undefined : this.#sessions.get(name);
  }

  #hook(): void {
    const { broker } = this;
    const { log, config } = this.options;
    const policy = new TopicPolicy(config.topics.protect, config.topics.unconfigured);
    const refuse = (client: Client, returnCode: 4 | 5, reason: string, done: (e: AuthenticateError) => void) => {
      this.metrics.count('refused');
      log.warn('connection refused', { clientId: client.id, reason });
      const error = new Error(reason) as AuthenticateError;
      error.returnCode = returnCode;
      done(error);
    };
    broker.authenticate = (client, username, password, done) => {
      const session = this.#sessionFor(client, username);
      if (!session) return refuse(client, 5, 'no E4 identity', (error) => done(error, false));
      const credential = session.identity.credential;
      (credential ? credential.verify(password) : Promise.resolve(true)).then(
        (valid) => {
          if (!valid) return refuse(client, 4, 'bad password', (error) => done(error, false));
          const bound = this.#bound.get(client.id);
          if (bound && bound.session !== session) {
            return refuse(client, 5, 'client id bound to another identity', (error) => done(error, false));
          }
          this.#bound.set(client.id, { session, client });
          this.#clients.set(client, session);
          done(null, true);
        },
        () => refuse(client, 4, 'password check failed', (error) => done(error, false)),
      );
    };
    broker.authorizePublish = (client, packet, done) => {
      const session = client ? this.#clients.get(client) : undefined;
      if (!client || !session) return done(new Error('no session'));
      const action = policy.forTopic(packet.topic);
      const fields = { clientId: client.id, device: session.name, topic: packet.topic };
      if (action === 'drop') {
        this.metrics.count('dropped');
        packet.retain = false;
        return done(null);
      }
      if (action === 'refuse' || action === 'e4') {
        this.metrics.count('refused');
        log.warn('publish refused', fields);
        return done(new Error('topic refused by the proxy'));
      }
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      session.publish(packet.topic, payload, packet.qos as QoS, packet.retain, action === 'protect').then(
        () => {
          this.metrics.count(action === 'protect' ? 'protected' : 'clear');
          packet.retain = false; // kept upstream, not here
          done(null);
        },
        (error: unknown) => {
          this.metrics.count('refused');
          log.warn('publish failed', { ...fields, code: errorCodeOf(error) });
          done(error instanceof Error ? error : new Error(String(error)));
        },
      );
    };
    broker.authorizeSubscribe = (client, subscription, done) => {
      const session = this.#clients.get(client);
      if (!session) return done(new Error('no session'));
      const action = policy.forFilter(subscription.topic);
      const fields = { clientId: client.id, device: session.name, topic: subscription.topic };
      if (action === 'drop') return done(null, subscription);
      if (action === 'refuse' || action === 'e4') {
        this.metrics.count('refused');
        log.warn('subscribe refused', fields);
        return done(null, null);
      }
      session.subscribe(client.id, subscription.topic, subscription.qos as QoS).then(
        () => {
          log.info('subscribed', { ...fields, qos: subscription.qos });
          done(null, subscription);
        },
        (error: unknown) => {
          this.metrics.count('refused');
          log.warn('subscribe failed', { ...fields, code: errorCodeOf(error) });
          done(null, null);
        },
      );
    };
    broker.authorizeForward = (client, packet) => {
      const from = this.#deliveries.get(packet.payload as Buffer);
      return from !== undefined && from === this.#clients.get(client) ? packet : null;
    };
    broker.on('unsubscribe', (filters, client) => {
      const session = this.#clients.get(client);
      for (const filter of filters) void session?.unsubscribe(client.id, filter);
    });
    broker.on('client', (client) => {
      // A clean session starts with no subscription: forget those of a previous persistent one.
      if (client.clean) void this.#clients.get(client)?.forget(client.id);
      log.info('client connected', {
        clientId: client.id,
        device: this.#clients.get(client)?.name,
        clean: client.clean,
      });
    });
    broker.on('clientDisconnect', (client) => {
      if (client.clean) {
        void this.#clients.get(client)?.forget(client.id);
        // Unbound unless a newer connection with the id (a takeover) holds it now.
        if (this.#bound.get(client.id)?.client === client) this.#bound.delete(client.id);
      }
      log.info('client disconnected', { clientId: client.id });
    });
  }

  /**
   * Hands a message to a connected downstream client of the session; a persistent session's client that is away
   * gets it queued (QoS 1 and 2) in the proxy's memory, as aedes queues its offline messages. Dropped when the
   * client id is not (or no longer) the session's identity's.
   */
  #deliver(session: UpstreamSession, clientId: string, topic: string, cleartext: Buffer, qos: QoS, retain: boolean) {
    const broker = this.broker as unknown as AedesInternals;
    const client = broker.clients[clientId];
    const owner = client ? this.#clients.get(client) : this.#bound.get(clientId)?.session;
    if (owner !== session) {
      if (client || qos > 0) this.options.log.warn('delivery dropped', { clientId, device: session.name, topic });
      return;
    }
    const payload = Buffer.from(cleartext); // one object per delivery: authorizeForward knows it by identity
    this.#deliveries.set(payload, session);
    const packet = { cmd: 'publish' as const, topic, payload, qos, retain, dup: false };
    if (client) {
      client.publish(packet, (error?: Error) => {
        if (error) this.options.log.warn('delivery failed', { clientId, topic, code: errorCodeOf(error) });
      });
    } else if (qos > 0) {
      // Stamped as aedes stamps its own packets: it finds a queued packet again by broker id and counter.
      const queued = { ...packet, brokerId: broker.id, brokerCounter: ++broker.counter };
      broker.persistence.outgoingEnqueue({ clientId }, queued).catch((error: unknown) => {
        this.options.log.warn('queueing failed', { clientId, topic, code: errorCodeOf(error) });
      });
    }
  }

  async #listen(): Promise<void> {
    const { host, port } = this.options.config.listen;
    this.server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    // A client that does not trust the proxy's certificate, gives none when one is required, or one from another CA.
    this.server.on('tlsClientError', (error: Error, socket: Socket) => {
      this.metrics.count('refused');
      this.options.log.warn('connection refused', {
        reason: 'TLS handshake failed',
        code: errorCodeOf(error),
        address: socket.remoteAddress,
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    const address = this.address;
    const tls = this.options.config.listen.tls;
    this.options.log.info('listening', {
      mode: this.options.mode,
      host: address.host,
      port: address.port,
      tls: tls ? (tls.requireClientCertificate ? 'mutual' : 'on') : 'off',
      upstream: redactUrl(this.options.config.upstream.url),
      identities: this.#sessions.size,
    });
    if (!tls && !isLoopback(host)) {
      // Passwords (and messages, in clear) cross the network as they are: the listener has no TLS.
      this.options.log.warn('listening without TLS', { host: address.host, port: address.port });
    }
    const interval = this.options.config.metrics.intervalSeconds * 1000;
    this.#statusTimer = setInterval(() => this.#logStatus('status'), interval);
    this.#statusTimer.unref();
  }

  #logStatus(event: 'status' | 'stopped'): void {
    this.options.log.info(event, { counts: this.metrics.snapshot() });
  }
}

/** The subject CN of the client's certificate, verified against the configured CA; none over plain MQTT. */
function certificateCn(client: Client): string | undefined {
  const socket = client.conn;
  if (!(socket instanceof TLSSocket) || !socket.authorized) return undefined;
  const cn: unknown = socket.getPeerCertificate().subject?.CN;
  return typeof cn === 'string' && cn !== '' ? cn : undefined; // several CNs (an array): none trusted
}

/** What aedes has and its types do not show: its connected clients by id, its persistence. */
interface AedesInternals {
  readonly id: string;
  counter: number;
  readonly clients: Record<string, Client | undefined>;
  readonly persistence: { outgoingEnqueue(subscription: { clientId: string }, packet: unknown): Promise<void> };
}
