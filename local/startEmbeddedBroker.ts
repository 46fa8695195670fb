/**
 * The MQTT broker of local mode: aedes (MQTT 3.1.1, in-memory persistence: persistent sessions and QoS 1 messages
 * queued for offline devices survive as long as the process) served over TCP with node:net, or over TLS with node:tls
 * when given a certificate (`tls`: then TLS only, no plain TCP port); who may connect, publish and subscribe is given
 * (`access`, deviceAccess.ts).
 */
import { createServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import type { BrokerAccess, BrokerIdentity } from './deviceAccess.js';
import { listenOn } from './listenOn.js';
import { urlOf } from './urlOf.js';

export interface EmbeddedBroker {
  /** `mqtt://<host>:<bound port>`, `mqtts://` over TLS */
  readonly url: string;
  /** The bound port (the actual one when 0 was asked for). */
  readonly port: number;
  /** Stops the broker and destroys every client connection (devices see it go away, and reconnect later). */
  close(): Promise<void>;
}

export interface EmbeddedBrokerOptions {
  host?: string;
  port?: number;
  /**
   * Called with each topic a connection holds a subscription to, once per connection and topic: those its resumed
   * persistent session brought back when it connected (a device that reconnects with `clean: false` need not
   * subscribe again), then those it subscribes to (not those `access` refused).
   */
  onSubscribed?: (topic: string) => void;
  /** Told of each client connection that is ready (after CONNACK) and of each that ended. */
  onConnection?: (event: { readonly clientId: string; readonly connected: boolean }) => void;
  /**
   * Given each message a client publishes, before the broker takes it: the publish is acknowledged (and forwarded to
   * subscribers) once the promise resolves. A rejection refuses it, which disconnects the client (aedes); a client
   * with a persistent session then sends it again when it reconnects.
   */
  onPublish?: (topic: string, payload: Uint8Array) => Promise<void>;
  /**
   * Who may connect and what each connection may publish and subscribe to (deviceAccess.ts). A refused connection
   * gets CONNACK 4 (bad credentials) or 5 (none given); a refused subscription SUBACK 128; a refused publish closes
   * the connection (MQTT 3.1.1 has no negative PUBACK). Default: anyone, anything (but `$SYS`).
   */
  access?: BrokerAccess;
  /**
   * Serve MQTT over TLS (1.2 or later) with this certificate chain and key (PEM; brokerCertificates.ts), and nothing
   * over plain TCP.
   */
  tls?: { readonly cert: string; readonly key: string };
  /**
   * Told of each TLS handshake that failed (a client that does not trust the CA, or speaks plain MQTT): OpenSSL's
   * reason, and the client's address when the connection is still open (a client that gave up has closed it).
   */
  onTlsError?: (event: { readonly address?: string; readonly reason: string }) => void;
}

/** aedes keeps a connection's subscriptions (restored ones included) on the client; its types leave them out. */
function subscribedTopics(client: Client): string[] {
  return Object.keys((client as unknown as { subscriptions?: Record<string, unknown> }).subscriptions ?? {});
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? '127.0.0.1';
  const { onSubscribed, onConnection, onPublish, access } = options;
  const identities = new WeakMap<Client, BrokerIdentity>();
  const refusal = (message: string, returnCode?: number) => Object.assign(new Error(message), { returnCode });
  /** Whether the connection may publish on the topic (a will published with no client left: no). */
  const mayPublish = async (client: Client | null, topic: string): Promise<boolean> => {
    if (!access) return true;
    const identity = client ? identities.get(client) : undefined;
    return identity !== undefined && (await access.mayPublish(identity, topic));
  };
  const broker = await Aedes.createBroker({
    ...(access
      ? {
          authenticate: (client, username, password, callback) => {
            access.authenticate(client.id, username, password).then(
              (identity) => {
                if (!identity) {
                  return callback(refusal('not authorized', username === undefined ? 5 : 4) as never, false);
                }
                identities.set(client, identity);
                callback(null, true);
              },
              (error: unknown) => callback(refusal(String(error), 3) as never, false),
            );
          },
          authorizeSubscribe: (client, subscription, callback) => {
            const identity = identities.get(client);
            const allowed = identity ? access.maySubscribe(identity, subscription.topic) : Promise.resolve(false);
            allowed.then(
              (yes) => callback(null, yes ? subscription : null),
              () => callback(null, null),
            );
          },
        }
      : {}),
    authorizePublish: (client, packet, callback) => {
      if (packet.topic.startsWith('$SYS')) return callback(new Error('$SYS topic is reserved')); // as aedes
      mayPublish(client, packet.topic)
        .then(async (allowed) => {
          if (!allowed) throw new Error(`not authorized to publish on ${packet.topic}`);
          await onPublish?.(packet.topic, packet.payload as Uint8Array);
        })
        .then(
          () => callback(null),
          (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
        );
    },
  });
  if (onSubscribed) {
    const reported = new WeakMap<Client, Set<string>>();
    const report = (client: Client, topics: readonly string[]) => {
      const seen = reported.get(client) ?? new Set<string>();
      reported.set(client, seen);
      for (const topic of topics) {
        if (seen.has(topic)) continue;
        seen.add(topic);
        onSubscribed(topic);
      }
    };
    broker.on('clientReady', (client) => report(client, subscribedTopics(client)));
    // Refused subscriptions are in the event too, granted 128: not reported (no device holds them).
    broker.on('subscribe', (subscriptions, client) =>
      report(
        client,
        subscriptions.filter((subscription) => (subscription.qos as number) !== 128).map((s) => s.topic),
      ),
    );
  }
  if (onConnection) {
    broker.on('clientReady', (client) => onConnection({ clientId: client.id, connected: true }));
    broker.on('clientDisconnect', (client) => onConnection({ clientId: client.id, connected: false }));
  }
  const tls = options.tls;
  const server = tls
    ? createTlsServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, broker.handle)
    : createServer(broker.handle);
  if (tls) {
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: Socket) =>
      options.onTlsError?.({
        ...(socket.remoteAddress ? { address: socket.remoteAddress } : {}),
        reason: error.code ?? error.message,
      }),
    );
  }
  // server.close alone waits for every connection to end: the sockets are destroyed on close instead.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let port: number;
  try {
    port = await listenOn(server, host, options.port ?? 1883, 'the MQTT');
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url: urlOf(tls ? 'mqtts' : 'mqtt', host, port),
    port,
    close: () => {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
      })();
      return closing;
    },
  };
}
