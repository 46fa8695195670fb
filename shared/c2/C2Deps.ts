import type { CryptoEngine } from '../e4/index.js';
import type { OperationStore } from './ports/OperationStore.js';
import type { PolicyStore } from './ports/PolicyStore.js';
import type { WorkQueue } from './ports/WorkQueue.js';
import type {
  Clock,
  CommandPublisher,
  DeviceProvisioner,
  KeyStore,
  KeyVault,
  PasswordKeyDeriver,
  Scheduler,
  Sleep,
} from './ports.js';

/** What every use case runs on: the ports, built once by a composition root (Lambda cold start, local mode). */
export interface C2Deps {
  readonly store: KeyStore;
  /** Operations and their deliveries (see shared/c2/operations/). */
  readonly operations: OperationStore;
  /** Rotation policies and their runs (see shared/c2/policies/); absent where no policy use case runs. */
  readonly policies?: PolicyStore;
  /** The schedules of the policies (EventBridge Scheduler); absent where nothing schedules them (see syncPolicySchedule.ts). */
  readonly scheduler?: Scheduler;
  /** Where operations are handed over to be carried out after the call that started them answered. */
  readonly queue: WorkQueue;
  readonly vault: KeyVault;
  readonly publisher: CommandPublisher;
  readonly clock: Clock;
  /** How the C2 waits for the clock (command timestamps, see delivery/keySeconds.ts); default a timer. */
  readonly sleep?: Sleep;
  /** The crypto engine of AES-SIV, X25519 and SHA3 (the composition roots give the C2's, AES-SIV on OpenSSL only). */
  readonly engine?: CryptoEngine;
  /** Password enrolments (Argon2i); default inline (shared/c2/clients/inlinePasswordKeyDeriver.ts). */
  readonly passwordKeys?: PasswordKeyDeriver;
  /** Registers devices with the broker (IoT Core things and certificates); absent in local mode. */
  readonly provisioner?: DeviceProvisioner;
  /** Cryptographically secure random bytes (keys, ids); default @noble/hashes randomBytes (WebCrypto). */
  readonly random?: (length: number) => Uint8Array;
  readonly options?: C2Options;
  /**
   * The deps of another tenant, for the platform's use cases (tenants/tenantDeps.ts): on AWS deps on that tenant's
   * scoped credentials; absent where one set of deps reaches every tenant (local mode, tests).
   */
  readonly forTenant?: (tenantId: string) => C2Deps;
  /**
   * The platform's deps, for a tenant's use case that reads platform records (a claim of a factory device:
   * platform/platformDeps.ts); absent where one set of deps reaches every record.
   */
  readonly forPlatform?: () => C2Deps;
}

export interface C2Options {
  /**
   * How long a change waits for a topic another change is busy with (see topics/withTopicLease.ts) before it gives
   * up with CONCURRENT_UPDATE; default 10 s (links take milliseconds, a rotation of 10,000 clients about 3 s).
   */
  readonly topicLeaseWaitMs?: number;
  /**
   * Issue each device a username and password for the broker (local mode's embedded broker, which checks them:
   * clients/mqttCredentials.ts); off on AWS, where devices connect with their certificates.
   */
  readonly mqttCredentials?: boolean;
}
