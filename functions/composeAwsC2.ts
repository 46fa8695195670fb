/**
 * The composition root of the AWS deployment: the C2's ports on AWS adapters (DynamoDB, KMS, IoT Core data plane,
 * SQS for the work queue; IoT things and certificates when the configuration names the device policy; EventBridge
 * Scheduler when it names the schedules' group, target, role and dead-letter queue), built once per cold start,
 * the same for every function (what a function may do is its role's: infra/ServiceStack.ts), so that no function
 * lacks an adapter a use case it runs needs (the worker deprovisions the devices of deleted clients). The same use
 * cases and store adapter as local mode; `clients` lets tests point the SDK clients at moto. AES-SIV (vault,
 * commands) runs on OpenSSL only ({@link c2Engine}).
 *
 * Tenant isolation below the code: `depsFor(tenant)` is what an entry point runs a tenant's request or message on.
 * When the configuration names the TenantAccessRole, its store, operations, policies and vault are tenant-scoped
 * (DynamoDB and KMS clients with that tenant's credentials, tenantCredentials.ts: they reach only `T#<tenant>` items
 * and data keys of encryption context `tenant=<tenant>`), the rest shared (publisher, queue, scheduler,
 * provisioner: no tenant data), and the E4-id claims (partition `N#`) on the function's own client; kept for the 100
 * tenants last used. A tenant's claim of a factory device reads the platform's records through `forPlatform`. Without the role (tests, stacks deployed before it), `depsFor` answers the function's own deps.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { IoTClient } from '@aws-sdk/client-iot';
import type { IoTDataPlaneClientConfig } from '@aws-sdk/client-iot-data-plane';
import { KMSClient } from '@aws-sdk/client-kms';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoKeyStore } from '../shared/adapters/aws/DynamoKeyStore.js';
import { DynamoOperationStore } from '../shared/adapters/aws/DynamoOperationStore.js';
import { DynamoPolicyStore } from '../shared/adapters/aws/DynamoPolicyStore.js';
import { EventBridgeScheduler } from '../shared/adapters/aws/EventBridgeScheduler.js';
import { IotDataCommandPublisher } from '../shared/adapters/aws/IotDataCommandPublisher.js';
import { IotDeviceProvisioner } from '../shared/adapters/aws/IotDeviceProvisioner.js';
import { KmsMasterKeyProvider } from '../shared/adapters/aws/KmsMasterKeyProvider.js';
import { SqsWorkQueue } from '../shared/adapters/aws/SqsWorkQueue.js';
import { withoutCallLog } from '../shared/adapters/aws/withoutCallLog.js';
import type { C2Deps } from '../shared/c2/C2Deps.js';
import { inlinePasswordKeyDeriver } from '../shared/c2/clients/inlinePasswordKeyDeriver.js';
import { PLATFORM_TENANT } from '../shared/c2/platform/platformKeyToken.js';
import type { CommandPublisher, DeviceProvisioner, Scheduler } from '../shared/c2/ports.js';
import { EnvelopeKeyVault } from '../shared/c2/vault/EnvelopeKeyVault.js';
import { setDefaultEngine } from '../shared/e4/index.js';
import type { AwsC2Config } from './awsConfig.js';
import type { C2DepsFor } from './C2DepsFor.js';
import { c2Engine } from './c2Engine.js';
import { lruMemo } from './lruMemo.js';
import { tenantCredentials } from './tenantCredentials.js';

/** SDK client settings shared by every client (region, endpoint, credentials); empty in Lambda. */
export type AwsClientConfig = Pick<DynamoDBClientConfig, 'region' | 'endpoint' | 'credentials'>;

export interface ComposeAwsC2Options {
  readonly clients?: AwsClientConfig;
  /** Instead of the device provisioner the configuration makes (tests). */
  readonly provisioner?: (clients: AwsClientConfig) => DeviceProvisioner;
  /** Instead of the policies' scheduler the configuration makes (tests). */
  readonly scheduler?: (clients: AwsClientConfig) => Scheduler;
  /** Wraps the publisher (metrics). */
  readonly decoratePublisher?: (publisher: CommandPublisher) => CommandPublisher;
}

/** Tenants whose scoped deps (SDK clients, opened data keys) a function instance keeps. */
export const TENANT_DEPS_KEPT = 100;

/** The function's own deps, and the deps of each tenant. */
export interface AwsC2Deps extends C2Deps {
  readonly depsFor: C2DepsFor;
}

export function composeAwsC2(config: AwsC2Config, options: ComposeAwsC2Options = {}): AwsC2Deps {
  const base = { ...(config.region ? { region: config.region } : {}), ...options.clients };
  const iotEndpoint = config.iotDataEndpoint.startsWith('http')
    ? config.iotDataEndpoint
    : `https://${config.iotDataEndpoint}`;
  const iotConfig: IoTDataPlaneClientConfig = { ...base, endpoint: options.clients?.endpoint ?? iotEndpoint };
  const publisher = IotDataCommandPublisher.create(iotConfig);
  const db = withoutCallLog(new DynamoDBClient(base));
  // Client ids and topic hashes (computed for every record read or written) on OpenSSL too.
  setDefaultEngine(c2Engine);
  const data = (client: DynamoDBClient, kms: KMSClient) => ({
    store: new DynamoKeyStore(client, config.tableName, { claimsDb: db }),
    operations: new DynamoOperationStore(client, config.tableName),
    policies: new DynamoPolicyStore(client, config.tableName),
    vault: new EnvelopeKeyVault(new KmsMasterKeyProvider(kms, config.kmsKeyArn), { engine: c2Engine }),
  });
  const own: C2Deps = {
    ...data(db, new KMSClient(base)),
    queue: new SqsWorkQueue(new SQSClient(base), config.workQueueUrl),
    publisher: options.decoratePublisher ? options.decoratePublisher(publisher) : publisher,
    clock: Date.now,
    engine: c2Engine,
    // Argon2i inline: a Lambda instance serves one request at a time, so it delays only the enrolment that asked.
    passwordKeys: inlinePasswordKeyDeriver,
    ...optional('provisioner', options.provisioner?.(base) ?? provisionerOf(config, base)),
    ...optional('scheduler', options.scheduler?.(base) ?? schedulerOf(config, base)),
  };
  const roleArn = config.tenantRoleArn;
  if (!roleArn) return { ...own, depsFor: () => own };
  const sts = new STSClient(base);
  const scopedOf = lruMemo(
    TENANT_DEPS_KEPT,
    (tenantId) => {
      const scoped = { ...base, credentials: tenantCredentials(sts, roleArn, tenantId) };
      const clients = { db: withoutCallLog(new DynamoDBClient(scoped)), kms: new KMSClient(scoped) };
      const deps: C2Deps = { ...own, ...data(clients.db, clients.kms), forPlatform: () => platform };
      return { clients, deps };
    },
    ({ clients }) => {
      clients.db.destroy();
      clients.kms.destroy();
    },
  );
  // The platform's records (tenants registry, its keys and operations) are its own role's (a session tag cannot hold
  // `~`); its use cases reach a tenant's records through `forTenant` (tenants/tenantDeps.ts).
  const depsFor: C2DepsFor = (tenantId) => (tenantId === PLATFORM_TENANT ? platform : scopedOf(tenantId).deps);
  const platform: C2Deps = { ...own, forTenant: depsFor };
  return { ...platform, depsFor };
}

/** The device provisioner when the configuration names the device policy. */
function provisionerOf(config: AwsC2Config, clients: AwsClientConfig): DeviceProvisioner | undefined {
  return config.devicePolicyName
    ? new IotDeviceProvisioner(new IoTClient(clients), { policyName: config.devicePolicyName })
    : undefined;
}

/**
 * The policies' scheduler when the configuration names the schedules' group, target, role and dead-letter queue (the
 * api function and the worker: they put and delete schedules).
 */
function schedulerOf(config: AwsC2Config, clients: AwsClientConfig): Scheduler | undefined {
  const { scheduleGroup, rotationFunctionArn, schedulerRoleArn, scheduleDeadLetterArn } = config;
  if (!scheduleGroup || !rotationFunctionArn || !schedulerRoleArn || !scheduleDeadLetterArn) return undefined;
  return new EventBridgeScheduler(new SchedulerClient(clients), {
    groupName: scheduleGroup,
    targetArn: rotationFunctionArn,
    roleArn: schedulerRoleArn,
    deadLetterArn: scheduleDeadLetterArn,
  });
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
