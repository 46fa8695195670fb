/**
 * The proxy's configuration file (JSON or YAML; docs/proxy.md has a full example): where it listens, the upstream
 * broker and how to log in to it, the topics it protects and the policy for the others, the E4 identity (local proxy)
 * or identities (gateway proxy), and how often it logs its counters. Secrets (passwords, private keys) are never
 * written in it: it names a file or an environment variable holding them. Paths are relative to the file's folder.
 */
import { z } from 'zod';
import { isPasswordHash } from '../passwordHash.js';
import { isValidFilter } from '../topicFilter.js';

/** A secret: read from a file (its content, a trailing newline removed) or from an environment variable. */
export const Secret = z.union([
  z.strictObject({ file: z.string().min(1) }),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name') }),
]);
export type Secret = z.infer<typeof Secret>;

/**
 * The downstream password of an identity: its scrypt hash (`e4c2 proxy hash-password` makes one; a hash may be written
 * in the file) or the password itself as a secret. Neither given: a gateway device's is the hash in `<name>.passwd`
 * beside its state file.
 */
const credentialFields = {
  passwordHash: z
    .string()
    .refine(isPasswordHash, 'a password hash (scrypt$..., from `e4c2 proxy hash-password`)')
    .optional(),
  password: Secret.optional(),
};
export interface Credential {
  readonly passwordHash?: string | undefined;
  readonly password?: Secret | undefined;
}
const oneCredential = (credential: Credential) => !(credential.passwordHash !== undefined && credential.password);
const ONE_CREDENTIAL = { message: 'give a passwordHash or a password, not both' };

const Filter = z.string().refine(isValidFilter, 'an MQTT topic filter (`+` and `#` alone in their level, `#` last)');

/**
 * TLS on the downstream listener: the proxy's certificate (PEM, its chain may follow) and private key; with
 * `requireClientCertificate`, every client must present a certificate signed by `ca` (mTLS).
 */
export const ListenTls = z
  .strictObject({
    cert: z.string().min(1),
    key: Secret,
    /** The CA (PEM) that signs the downstream clients' certificates. */
    ca: z.string().min(1).optional(),
    requireClientCertificate: z.boolean().default(false),
  })
  .refine((tls) => !tls.requireClientCertificate || tls.ca !== undefined, {
    message: "requireClientCertificate needs ca: the CA that signs the clients' certificates",
    path: ['ca'],
  });

export const Listen = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(1884),
  tls: ListenTls.optional(),
});

export const Upstream = z.strictObject({
  /** mqtt://, mqtts://, ws:// or wss:// */
  url: z.string().regex(/^(mqtts?|wss?):\/\/[^\s]+$/, 'an mqtt://, mqtts://, ws:// or wss:// URL'),
  /** CA certificate file (PEM) for mqtts:// */
  ca: z.string().min(1).optional(),
  /** Client certificate (PEM) and its private key, for brokers that ask for one (AWS IoT Core). */
  cert: z.string().min(1).optional(),
  key: Secret.optional(),
  username: z.string().optional(),
  password: Secret.optional(),
  /** Upstream MQTT client id of the local proxy's session; default `e4-<hex id>`. */
  clientId: z.string().min(1).optional(),
  /** A persistent upstream session (false, the default) keeps what the broker queues while the proxy is down. */
  clean: z.boolean().default(false),
  keepalive: z.number().int().min(0).max(65535).default(30),
});

export const Topics = z.strictObject({
  /** Filters whose messages are protected (out) and unprotected (in). */
  protect: z.array(Filter).min(1),
  /** What happens to any other topic. */
  unconfigured: z.enum(['drop', 'clear', 'refuse']).default('drop'),
});

/**
 * A device of the gateway: the downstream MQTT client id (or username) it connects with, its E4 state file, and the
 * password it must give.
 */
export const GatewayDevice = z
  .strictObject({
    name: z.string().min(1),
    state: z.string().min(1),
    ...credentialFields,
  })
  .refine(oneCredential, ONE_CREDENTIAL);

export const Devices = z
  .strictObject({
    /**
     * What names a downstream device: its MQTT client id (default), its username, or the subject CN of its client
     * certificate (`certificateCn`: only with `listen.tls.requireClientCertificate`).
     */
    mapBy: z.enum(['clientId', 'username', 'certificateCn']).default('clientId'),
    /**
     * A folder of state files: `<name>.json` is the device `<name>` (`*.enrolment.json` are their enrolments,
     * `<name>.passwd` the hash of its downstream password).
     */
    folder: z.string().min(1).optional(),
    list: z.array(GatewayDevice).optional(),
  })
  .refine((devices) => devices.folder !== undefined || devices.list !== undefined, 'give a folder or a list');

export const ProxyConfig = z.strictObject({
  listen: Listen.prefault({}),
  upstream: Upstream,
  topics: Topics,
  /**
   * The local proxy's E4 identity: its state file (e4go's format; `e4c2 device enrol` writes one), and optionally the
   * password every downstream client must give (required to listen on anything but a loopback address).
   */
  identity: z
    .strictObject({ state: z.string().min(1), ...credentialFields })
    .refine(oneCredential, ONE_CREDENTIAL)
    .optional(),
  /** The gateway proxy's devices. */
  devices: Devices.optional(),
  metrics: z.strictObject({ intervalSeconds: z.number().int().min(1).default(60) }).prefault({}),
});
export type ProxyConfig = z.infer<typeof ProxyConfig>;
export type ProxyMode = 'local' | 'gateway';
