/**
 * Ports of the C2: what its use cases need from the outside world, implemented by adapters in shared/adapters/aws
 * (KMS, DynamoDB, IoT Core, EventBridge Scheduler) and shared/adapters/local (keyring file, dynalite, MQTT, timers).
 * Only the ports the code already uses are declared; the others join them with their use cases.
 */
import type { ClientIdRegistry } from './ports/ClientIdRegistry.js';
import type { EnrolmentWindowStore } from './ports/EnrolmentWindowStore.js';
import type { FactoryBatchStore } from './ports/FactoryBatchStore.js';
import type { CountedCreation, Quota, TenantLimitStore } from './ports/TenantLimitStore.js';
import type { TenantRegistry } from './ports/TenantRegistry.js';

/** Who is calling a use case: the tenant whose records it touches, and the actor named in the event log. */
export interface Caller {
  readonly tenantId: string;
  /** `apikey:<key id>` (or 'local-admin', 'scheduler', ...): never a secret. */
  readonly actor: string;
}

/**
 * A caller of the API, as the authorizer found it: its tenant, the key it used and that key's scope. A platform key
 * (shared/c2/platform/) has scope `platform` and the platform's own records as its tenant (PLATFORM_TENANT).
 */
export interface Principal extends Caller {
  readonly keyId: string;
  readonly scope: PrincipalScope;
  /** Set when the tenant is suspended or being deleted: every route refuses it (403 TENANT_SUSPENDED). */
  readonly tenantStatus?: 'suspended' | 'deleting';
}

/** What a route needs: a tenant key's scope, or `platform` (only platform keys hold it, and they hold no other). */
export type PrincipalScope = ApiKeyScope | 'platform';

/**
 * The root of the key hierarchy: makes and opens per-tenant data keys (KMS `GenerateDataKey` / `Decrypt` with the
 * tenant as encryption context, or the local keyring). A wrapped data key opens only for the tenant it was made for.
 */
export interface MasterKeyProvider {
  /** A new 32-byte data key for the tenant, in clear and wrapped (opaque bytes, safe to store). */
  generateDataKey(tenantId: string): Promise<{ plaintext: Uint8Array; wrapped: Uint8Array }>;
  /** The data key of `wrapped`; rejects with a {@link C2Error} KEY_UNAVAILABLE if it is not this tenant's. */
  decryptDataKey(tenantId: string, wrapped: Uint8Array): Promise<Uint8Array>;
}

/** What a wrapped key is bound to: a ciphertext moved to another record, tenant or version no longer opens. */
export interface KeyBinding {
  readonly tenantId: string;
  /** e.g. 'client', 'topic', 'c2' */
  readonly kind: string;
  /** The record's name (client name, topic). */
  readonly name: string;
  /** The key's version (rotations increment it). */
  readonly version: number;
}

/** Keys at rest: every key the C2 stores goes through here, enveloped under a tenant data key. */
export interface KeyVault {
  wrap(key: Uint8Array, binding: KeyBinding): Promise<Uint8Array>;
  unwrap(wrapped: Uint8Array, binding: KeyBinding): Promise<Uint8Array>;
}

/**
 * Derives a client's symmetric key from its password (Argon2i, 64 MiB, as e4go `DeriveSymKey`): about half a second
 * of CPU and 64 MiB each, so a server that also serves other requests runs it off its event loop (a worker thread
 * locally; inline in Lambda, where an instance serves one request at a time). Rejects with a {@link C2Error} BUSY
 * when too many derivations wait already, and with an E4Error INVALID_PASSWORD for a password E4 refuses.
 */
export interface PasswordKeyDeriver {
  deriveSymKey(password: string): Promise<Uint8Array>;
}

/** Milliseconds since the epoch (injectable for tests). */
export type Clock = () => number;

/** Waits `ms` milliseconds (injectable for tests, with a {@link Clock} that it moves on). */
export type Sleep = (ms: number) => Promise<void>;

/** A protected command for one client, to publish on its control topic `e4/<hex id>`. */
export interface ControlCommand {
  readonly clientName: string;
  /** The client's control topic. */
  readonly topic: string;
  /** The protected command (E4 frame). */
  readonly payload: Uint8Array;
}

/** What became of one command: accepted by the broker (QoS 1 acknowledged) or not, and why. */
export interface CommandOutcome {
  readonly clientName: string;
  readonly topic: string;
  readonly delivered: boolean;
  /** Why it was not delivered (no key bytes). */
  readonly error?: string;
}

/**
 * Sends commands to devices (an MQTT broker locally, AWS IoT Core in the cloud), at QoS 1 and not retained: a
 * device with a persistent session receives what was sent while it was offline. Never throws for a failed command:
 * the outcome of each is returned, in order, for the use case to record.
 */
export interface CommandPublisher {
  publish(commands: readonly ControlCommand[]): Promise<CommandOutcome[]>;
  close(): Promise<void>;
}

/** A client (device) of a tenant, as stored: its key is wrapped by the {@link KeyVault}. */
export interface ClientRecord {
  readonly tenantId: string;
  readonly name: string;
  /** E4 id: SHA3-256(name)[0:16]. */
  readonly id: Uint8Array;
  readonly mode: 'symmetric' | 'pubkey';
  /** The wrapped identity key (symmetric) or Ed25519 public key (public-key mode). */
  readonly wrappedKey: Uint8Array;
  /** Starts at 1; each new identity key increments it (it is part of the key's binding). */
  readonly keyVersion: number;
  /**
   * A new identity key sent (SetIDKey) but not yet in force: what the device receives (symmetric key, or Go-format
   * Ed25519 private key), wrapped, bound to (tenant, 'client-pending', name, keyVersion).
   */
  readonly pending?: { readonly wrappedKey: Uint8Array; readonly keyVersion: number };
  /**
   * The E4 timestamp (Unix seconds) of the latest SetIDKey put in force; a new identity key is sent at a later second
   * (see delivery/keySeconds.ts). Absent before the first renewal.
   */
  readonly keySecond?: number;
  /** ISO 8601: when the device last proved it holds its command key (its latest authentic receipt). */
  readonly lastSeenAt?: string;
  /**
   * Give it a new identity key as soon as it comes back (clients/acceptReturn.ts): set on a client whose key others
   * may have seen (an enrolment by trust on first use); cleared by the store when a new key is put in force
   * ({@link ClientStore.updateClientKey}).
   */
  readonly rekeyOnReturn?: true;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A new key for a record, replacing the one read at `expectedVersion`. */
export interface KeyUpdate {
  readonly wrappedKey: Uint8Array;
  readonly keyVersion: number;
  readonly expectedVersion: number;
  readonly updatedAt: string;
  /** The E4 second of the commands that carry the new key (see {@link ClientRecord.keySecond}). */
  readonly keySecond?: number;
}

export interface Page<T> {
  readonly items: T[];
  /** Opaque; pass it back to get the next page. Absent on the last page. */
  readonly cursor?: string;
}

export interface PageRequest {
  /** 1..100 */
  readonly limit: number;
  readonly cursor?: string;
}

/** Client records (see {@link KeyStore}). */
export interface ClientStore {
  /**
   * ALREADY_EXISTS when the tenant has the name. With a `quota`, counted: the record and the increment of the
   * tenant's counter of clients are one write (a transaction), made only while the counter is below `quota.max`:
   * `full` when it is not, `uncounted` when the tenant has no counter yet (nothing written either way). Without,
   * the counter is left as it is (records written as before the quotas).
   */
  createClient(record: ClientRecord, quota?: Quota): Promise<CountedCreation>;
  getClient(tenantId: string, name: string): Promise<ClientRecord | undefined>;
  /** By E4 id (SHA3-256(name)[0:16]): how the HTTP API addresses clients (ids are URL-safe, names are not). */
  getClientById(tenantId: string, id: Uint8Array): Promise<ClientRecord | undefined>;
  /** The clients of those E4 ids that exist, in the order of `ids`, once per occurrence. */
  getClientsById(tenantId: string, ids: readonly Uint8Array[]): Promise<ClientRecord[]>;
  /** Clients in E4 id order (by the hex of SHA3-256(name)[0:16]). */
  listClients(tenantId: string, page: PageRequest): Promise<Page<ClientRecord>>;
  /**
   * The clients whose name starts with `prefix`, in E4 id order. No key sorts clients by name: the tenant's clients
   * are read in id order and filtered, so a page may be short (even empty) while its cursor says more may follow.
   */
  findClientsByNamePrefix(tenantId: string, prefix: string, page: PageRequest): Promise<Page<ClientRecord>>;
  countClients(tenantId: string): Promise<number>;
  /**
   * Stores a pending identity key if the stored version is still `expectedVersion` and none is pending (else
   * CONCURRENT_UPDATE).
   */
  setClientPendingKey(
    tenantId: string,
    name: string,
    pending: { wrappedKey: Uint8Array; keyVersion: number },
    expectedVersion: number,
  ): Promise<void>;
  /**
   * Replaces the key if the stored version is still `expectedVersion` (else CONCURRENT_UPDATE), and clears a pending
   * key and the {@link ClientRecord.rekeyOnReturn} flag (the new key is the one asked for).
   */
  updateClientKey(tenantId: string, name: string, update: KeyUpdate): Promise<void>;
  /**
   * Sets the client's `lastSeenAt` to `at` (ISO 8601) unless it holds a later time already; nothing when there is no
   * such client. Never changes its keys or versions.
   */
  recordClientSeen(tenantId: string, name: string, at: string): Promise<void>;
  /**
   * NOT_FOUND when there is no such client (nothing else changed). The record's deletion and the decrement of the
   * tenant's counter of clients (when started and above zero) are one write: a deletion done again (a step resumed)
   * finds the record gone and gives nothing back twice.
   */
  deleteClient(tenantId: string, name: string): Promise<void>;
  /**
   * The clients holding a pending identity key whose E4 id (lowercase hex) sorts after `afterClientId` (from the
   * first without it) and not after `throughClientId` (to the last without it), in id order: one filtered read of
   * at most `limit` (1..100) of the tenant's clients in that window. `examinedThrough`, the id of the last client
   * examined, when the window goes on past it (ask again after it).
   */
  listClientsWithPendingKey(
    tenantId: string,
    window: { readonly afterClientId?: string; readonly throughClientId?: string; readonly limit: number },
  ): Promise<{ readonly clients: ClientRecord[]; readonly examinedThrough?: string }>;
  /** The records of those names that exist, in the order given (fan-out reads them in batches of up to 100). */
  getClients(tenantId: string, names: readonly string[]): Promise<ClientRecord[]>;
}

/** A topic of a tenant, as stored: its key wrapped by the {@link KeyVault}. */
export interface TopicRecord {
  readonly tenantId: string;
  readonly topic: string;
  /** E4 topic hash: SHA3-256(topic)[0:16]. */
  readonly hash: Uint8Array;
  readonly wrappedKey: Uint8Array;
  /** Starts at 1; each rotation increments it (it is part of the key's binding). */
  readonly keyVersion: number;
  /**
   * The latest E4 timestamp (Unix seconds) of a command about this topic's key (SetTopicKey, RemoveTopic), sent to
   * any client: a new key goes out at a later second (see delivery/keySeconds.ts). Absent before the first command.
   */
  readonly keySecond?: number;
  /**
   * The key version made by the latest revocation (a re-key that took a client off). Once set, a key sent again to a
   * client that may still hold an older key first evicts it (see topics/sendTopicKey.ts).
   */
  readonly revokedVersion?: number;
  /** The operation that installed the current key, when an operation did (see shared/c2/operations/). */
  readonly keyOperationId?: string;
  /**
   * The topic's lease as read with the record (see {@link TopicStore.acquireTopicLease}): who holds it, until when
   * (ms). Never written through the record; a resync reads it to send without taking the lease.
   */
  readonly lease?: { readonly owner: string; readonly until: number };
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * A new topic key; `revokedVersion` when it is a revocation's (see {@link TopicRecord.revokedVersion}); `operationId`
 * when an operation installs it (kept as {@link TopicRecord.keyOperationId}, removed by a key from elsewhere).
 */
export interface TopicKeyUpdate extends KeyUpdate {
  readonly revokedVersion?: number;
  readonly operationId?: string;
}

/** Topic records (see {@link KeyStore}). */
export interface TopicStore {
  /** ALREADY_EXISTS when the tenant has the topic; with a `quota`, counted as {@link ClientStore.createClient}. */
  createTopic(record: TopicRecord, quota?: Quota): Promise<CountedCreation>;
  getTopic(tenantId: string, topic: string): Promise<TopicRecord | undefined>;
  /** The records of those topics that exist, in the order given (read in batches of up to 100). */
  getTopics(tenantId: string, topics: readonly string[]): Promise<TopicRecord[]>;
  /** By E4 topic hash (SHA3-256(topic)[0:16]): how the HTTP API addresses topics. */
  getTopicByHash(tenantId: string, hash: Uint8Array): Promise<TopicRecord | undefined>;
  /** Topics in topic hash order (by the hex of SHA3-256(topic)[0:16]). */
  listTopics(tenantId: string, page: PageRequest): Promise<Page<TopicRecord>>;
  /** The topics that start with `prefix`, in topic hash order: filtered as {@link ClientStore.findClientsByNamePrefix}. */
  findTopicsByPrefix(tenantId: string, prefix: string, page: PageRequest): Promise<Page<TopicRecord>>;
  countTopics(tenantId: string): Promise<number>;
  /** Replaces the key if the stored version is still `expectedVersion` (else CONCURRENT_UPDATE). */
  updateTopicKey(tenantId: string, topic: string, update: TopicKeyUpdate): Promise<void>;
  /** NOT_FOUND when there is no such topic; the counter given back in the same write, as {@link ClientStore.deleteClient}. */
  deleteTopic(tenantId: string, topic: string): Promise<void>;
  /**
   * Takes the topic's lease: every operation that changes who holds which key of a topic (link, unlink, rotate,
   * delete) runs under it, so that two of them never interleave their commands (devices would end on different
   * keys). Granted when the topic has no lease, an expired one (`now` >= its end) or one of the same owner.
   * NOT_FOUND without the topic, CONCURRENT_UPDATE when another owner holds it. With `keySecond`, the topic's
   * `keySecond` is set in the same write (a holder that sends the key again at new seconds).
   */
  acquireTopicLease(
    tenantId: string,
    topic: string,
    lease: { owner: string; now: number; until: number; keySecond?: number },
  ): Promise<void>;
  /**
   * Gives the lease back if `owner` still holds it (no error otherwise: it expired and may be someone else's), and
   * with it, when given, the topic's new `keySecond` (the latest second the holder used).
   */
  releaseTopicLease(tenantId: string, topic: string, owner: string, keySecond?: number): Promise<void>;
  /**
   * Gives back every topic lease of the tenant, whoever holds it; returns how many. Only for a process that knows no
   * other uses the store (local mode, its state folder locked): the leases are then a dead process's.
   */
  releaseAllTopicLeases(tenantId: string): Promise<number>;
}

/** A client on a topic: it holds the topic key. Names only: keys live on the client and topic records. */
export interface LinkRecord {
  readonly tenantId: string;
  readonly topic: string;
  readonly clientName: string;
  readonly createdAt: string;
  /**
   * The latest topic key version the device confirmed holding (a receipt for a command that installed it), and when
   * (ISO 8601): what a resync can compare with the topic's version to send only what the device lacks. Kept on the
   * client's side of the link: in the records of `listLinksOfClient` (one write per receipt), not of `getLink`.
   */
  readonly confirmed?: LinkConfirmation;
}

export interface LinkConfirmation {
  readonly keyVersion: number;
  readonly at: string;
}

/**
 * Links between clients and topics, readable from both sides (two items per link: without transactions in
 * dynalite, `putLink` writes the topic side first and `deleteLink` deletes it first, so that fan-out, which reads the
 * topic side, never misses a client that believes it is linked; both are idempotent, and repeating one repairs a
 * crash between its two writes).
 */
export interface LinkStore {
  /** Creates the link, or keeps it as it is (its `createdAt` and `confirmed` stay). */
  putLink(link: LinkRecord): Promise<void>;
  deleteLink(tenantId: string, topic: string, clientName: string): Promise<void>;
  getLink(tenantId: string, topic: string, clientName: string): Promise<LinkRecord | undefined>;
  /** Client names of a topic, in client id order. */
  listClientsOfTopic(tenantId: string, topic: string, page: PageRequest): Promise<Page<string>>;
  /** Topics of a client, in topic hash order. */
  listTopicsOfClient(tenantId: string, clientName: string, page: PageRequest): Promise<Page<string>>;
  /** The links of a client, in topic hash order, with what each confirmed. */
  listLinksOfClient(tenantId: string, clientName: string, page: PageRequest): Promise<Page<LinkRecord>>;
  /**
   * Records on the client's side of the link that the device confirmed holding the topic key `confirmed.keyVersion`,
   * unless a later version is recorded already (a receipt that comes late never moves it back); nothing when there
   * is no such link (unlinked since).
   */
  recordLinkConfirmed(tenantId: string, topic: string, clientName: string, confirmed: LinkConfirmation): Promise<void>;
  countClientsOfTopic(tenantId: string, topic: string): Promise<number>;
  countTopicsOfClient(tenantId: string, clientName: string): Promise<number>;
  /**
   * The links of every client of the tenant whose E4 id (lowercase hex) sorts after `afterClientId` (from the first
   * without it), in client id order then topic hash order, with what each confirmed: at most `limit` (1..100) links,
   * `more` when others follow (the last client's links may go on). With `afterTopicHash` (lowercase hex, with
   * `afterClientId`), from the link after that one of that client: a read may start inside a client's links.
   */
  listLinksAfterClient(
    tenantId: string,
    request: { readonly afterClientId?: string; readonly afterTopicHash?: string; readonly limit: number },
  ): Promise<{ readonly links: LinkRecord[]; readonly more: boolean }>;
}

/**
 * The C2's Curve25519 key pair of a tenant (public-key mode). A new key is first stored as `pending` (sent to every
 * client, protected with the current key), then promoted: a crash between the two is resumed by sending again.
 */
export interface C2KeyRecord {
  readonly tenantId: string;
  readonly publicKey: Uint8Array;
  /** The wrapped private key, bound to (tenant, 'c2', 'c2', keyVersion). */
  readonly wrappedKey: Uint8Array;
  readonly keyVersion: number;
  readonly pending?: { readonly publicKey: Uint8Array; readonly wrappedKey: Uint8Array; readonly keyVersion: number };
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface C2KeyStore {
  getC2Key(tenantId: string): Promise<C2KeyRecord | undefined>;
  /** ALREADY_EXISTS when the tenant has one. */
  createC2Key(record: C2KeyRecord): Promise<void>;
  /** Replaces the record if its stored `keyVersion` and `pending` version are still the expected ones. */
  replaceC2Key(
    record: C2KeyRecord,
    expected: { keyVersion: number; pendingVersion: number | undefined },
  ): Promise<void>;
}

/**
 * A tenant's fence (see c2key/tenantFence.ts): held by one writer (a C2 key rotation) at a time, while no reader (a
 * command sender that protects commands with the C2 key) is in. Both are leases in ms: a writer or reader that
 * crashed stops counting at its `until`. One item per tenant, every change one conditional write.
 */
export interface TenantFence {
  readonly writer?: { readonly owner: string; readonly until: number };
  /** The readers in, by id: until when (ms). */
  readonly readers: Readonly<Record<string, number>>;
}

export interface FenceStore {
  /**
   * Raises the fence for `owner` (or extends it): granted when no writer holds it, its writer's lease ended (`now` >=
   * its `until`) or `owner` holds it; else CONCURRENT_UPDATE. Readers in stay in: the writer waits for them to leave.
   */
  raiseFence(tenantId: string, lease: { owner: string; now: number; until: number }): Promise<void>;
  /** Lowers it if `owner` still holds it (no error otherwise). */
  lowerFence(tenantId: string, owner: string): Promise<void>;
  /**
   * Lets `reader` in (or extends its stay) until `until`: granted when the fence is down (no writer, or one whose lease
   * ended) or when `reader` is in already (its stay not ended); else CONCURRENT_UPDATE.
   */
  enterFence(tenantId: string, stay: { reader: string; now: number; until: number }): Promise<void>;
  /** The reader leaves (nothing when it is not in). */
  leaveFence(tenantId: string, reader: string): Promise<void>;
  /** As stored (a strongly consistent read); readers whose stay ended are listed too. */
  getFence(tenantId: string): Promise<TenantFence>;
}

/** One entry of the event log: who did what, when, with what result. Never key bytes. */
export interface EventRecord {
  readonly tenantId: string;
  /** Sortable, unique: ISO time + random suffix. */
  readonly id: string;
  readonly at: string;
  readonly actor: string;
  /** e.g. 'client.create', 'topic.rotate', 'link.delete'. */
  readonly action: string;
  readonly target: {
    readonly type:
      | 'client'
      | 'topic'
      | 'link'
      | 'c2key'
      | 'apikey'
      | 'policy'
      | 'tenant'
      | 'enrolment-window'
      | 'factory-batch';
    readonly name: string;
  };
  readonly result: 'ok' | 'error';
  /** The C2 error code when the result is 'error'. */
  readonly errorCode?: string;
  /** Facts about the change: key versions, command counts, undelivered clients (first 50). JSON, no secrets. */
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * The record's place in its tenant's hash chain (events/eventChain.ts), set by the store when it appends it (given
   * ones are ignored); absent on records written before the chain.
   */
  readonly seq?: number;
  readonly prevHash?: string;
  readonly hash?: string;
}

/** Which events a list holds: those matching every field given. */
export interface EventFilter {
  readonly actor?: string;
  /** The action, or a prefix of actions when it ends with `.` (`policy.`). */
  readonly action?: string;
  readonly target?: EventRecord['target'];
  readonly result?: EventRecord['result'];
  /** Events at or after this time (an ISO time as `toISOString` writes it). */
  readonly from?: string;
  /** Events before this time (an ISO time as `toISOString` writes it). */
  readonly to?: string;
  /** Oldest first (newest first by default). */
  readonly oldestFirst?: boolean;
}

export interface EventLog {
  /**
   * Appends the record to its tenant's hash chain (next `seq`, the chain's last hash as `prevHash`), appends of one
   * tenant linear however many run at once; ALREADY_EXISTS when a record of that id is in the log.
   */
  appendEvent(event: EventRecord): Promise<void>;
  /**
   * Newest first (or oldest first), only those matching `filter`: a page may be short while a cursor says more may
   * follow. A time window is read as a range of the log, the other fields filter what it reads.
   */
  listEvents(tenantId: string, filter: EventFilter, page: PageRequest): Promise<Page<EventRecord>>;
}

/** What an API key may do (see shared/c2/apiKeys/ApiKeyScope.ts). */
export type ApiKeyScope = 'admin' | 'operator' | 'read-only' | 'enrol';

/** An API key (`e4c2.<tenant id>.<key id>.<secret>`): its secret is never stored, only its SHA-256. */
export interface ApiKeyRecord {
  readonly keyId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly scope: ApiKeyScope;
  readonly secretHash: Uint8Array;
  /** The token's start after the tenant: the key id and 4 characters (24 of 256 bits) of the secret. */
  readonly prefix: string;
  readonly createdAt: string;
  /** Refused from then on. */
  readonly expiresAt?: string;
  /** When its secret was last replaced. */
  readonly rotatedAt?: string;
  /** Refused from then on; the record stays, for the list and the event log. */
  readonly revokedAt?: string;
  /** Written at most about once a minute. */
  readonly lastUsedAt?: string;
}

export interface ApiKeyStore {
  /** ALREADY_EXISTS when the key id is taken. */
  createApiKey(record: ApiKeyRecord): Promise<void>;
  getApiKey(tenantId: string, keyId: string): Promise<ApiKeyRecord | undefined>;
  /** In key id order, revoked keys included. */
  listApiKeys(tenantId: string, page: PageRequest): Promise<Page<ApiKeyRecord>>;
  countApiKeys(tenantId: string): Promise<number>;
  /**
   * A new secret if the key is not revoked and its hash is still `expectedHash` (else CONCURRENT_UPDATE; NOT_FOUND
   * when there is no such key).
   */
  replaceApiKeySecret(
    tenantId: string,
    keyId: string,
    update: { secretHash: Uint8Array; prefix: string; rotatedAt: string; expectedHash: Uint8Array },
  ): Promise<void>;
  /** Sets `revokedAt` if the key is not revoked yet (else CONCURRENT_UPDATE; NOT_FOUND when there is none). */
  revokeApiKey(tenantId: string, keyId: string, at: string): Promise<void>;
  /** Undoes the revocation made at `at` (a revocation that could not stand); nothing if it is not that one. */
  unrevokeApiKey(tenantId: string, keyId: string, at: string): Promise<void>;
  /** Sets `lastUsedAt` to `at` if it is unset or not later than `notAfter`; nothing otherwise (no error). */
  recordApiKeyUsed(tenantId: string, keyId: string, at: string, notAfter: string): Promise<void>;
}

/**
 * A recurring or one-off job of a tenant (e.g. a rotation policy's schedule): EventBridge Scheduler in AWS. The
 * scheduler invokes the C2's rotation function with `{ tenantId, ...payload, scheduledTime }`.
 */
export interface ScheduleSpec {
  /** Unique within the tenant (a policy id): 1 to 64 of [A-Za-z0-9_.-]. */
  readonly name: string;
  /** `rate(30 days)`, `cron(0 3 * * ? *)` or `at(2027-01-01T00:00:00)` (EventBridge Scheduler syntax). */
  readonly expression: string;
  /** IANA time zone of `cron`/`at` expressions; default UTC. */
  readonly timezone?: string;
  /** A run may start up to this many minutes (1 to 1440) after its time; default at its time. */
  readonly flexibleWindowMinutes?: number;
  /** ISO 8601: nothing runs before it; a `rate` counts its periods from it. Default: when the schedule is put. */
  readonly startDate?: string;
  /** JSON given to the target when the schedule fires (no secrets). */
  readonly payload: Readonly<Record<string, unknown>>;
  /** Off: kept but not firing. Default true. */
  readonly enabled?: boolean;
}

export interface Scheduler {
  /** Creates the schedule or replaces the one of that name. */
  putSchedule(tenantId: string, schedule: ScheduleSpec): Promise<void>;
  getSchedule(tenantId: string, name: string): Promise<ScheduleSpec | undefined>;
  /** NOT_FOUND when there is none. */
  deleteSchedule(tenantId: string, name: string): Promise<void>;
}

/** What a device needs to connect to AWS IoT Core: its thing and an X.509 certificate (private key returned once). */
export interface DeviceCredentials {
  readonly thingName: string;
  readonly certificateArn: string;
  readonly certificateId: string;
  readonly certificatePem: string;
  /** PEM; returned once at creation, never stored by the C2. */
  readonly privateKey: string;
}

/** Registers devices with the broker's identity system (AWS IoT Core things and certificates). */
export interface DeviceProvisioner {
  /** A thing named after the tenant and client id, a new active certificate attached to it and to the device policy. */
  provision(tenantId: string, client: { name: string; idHex: string }): Promise<DeviceCredentials>;
  /** Detaches, deactivates and deletes the certificates, then deletes the thing; nothing when there is none. */
  deprovision(tenantId: string, client: { idHex: string }): Promise<void>;
  /** Whether the broker knows a device of that E4 id: its thing, or any thing with that id (fleet provisioning). */
  isProvisioned(tenantId: string, client: { idHex: string }): Promise<boolean>;
}

/**
 * Records of the C2 (one DynamoDB table in both modes of deployment). Every record is scoped by tenant. Failures
 * are C2Errors: ALREADY_EXISTS, NOT_FOUND, CONCURRENT_UPDATE, INVALID_CURSOR.
 */
export interface KeyStore
  extends ClientStore,
    ClientIdRegistry,
    TopicStore,
    LinkStore,
    C2KeyStore,
    FenceStore,
    EventLog,
    ApiKeyStore,
    TenantLimitStore,
    TenantRegistry,
    EnrolmentWindowStore,
    FactoryBatchStore {}
