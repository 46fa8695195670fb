/**
 * The composition root of the AWS deployment: the C2's ports on AWS adapters (DynamoDB, KMS, IoT Core data plane,
 * SQS for the work queue), built once per cold start. The same use cases and store adapter as local mode; `clients` lets tests point the
 * SDK clients at moto. AES-SIV (vault, commands) runs on OpenSSL only ({@link c2Engine}).
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import type { IoTDataPlaneClientConfig } from '@aws-sdk/client-iot-data-plane';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoKeyStore } from '../shared/adapters/aws/DynamoKeyStore.js';
import { DynamoOperationStore } from '../shared/adapters/aws/DynamoOperationStore.js';
import { DynamoPolicyStore } from '../shared/adapters/aws/DynamoPolicyStore.js';
import { IotDataCommandPublisher } from '../shared/adapters/aws/IotDataCommandPublisher.js';
import { KmsMasterKeyProvider } from '../shared/adapters/aws/KmsMasterKeyProvider.js';
import { SqsWorkQueue } from '../shared/adapters/aws/SqsWorkQueue.js';
import { withoutCallLog } from '../shared/adapters/aws/withoutCallLog.js';
import type { C2Deps } from '../shared/c2/C2Deps.js';
import { inlinePasswordKeyDeriver } from '../shared/c2/clients/inlinePasswordKeyDeriver.js';
import type { CommandPublisher, DeviceProvisioner, Scheduler } from '../shared/c2/ports.js';
import { EnvelopeKeyVault } from '../shared/c2/vault/EnvelopeKeyVault.js';
import { setDefaultEngine } from '../shared/e4/index.js';
import type { AwsC2Config } from './awsConfig.js';
import { c2Engine } from './c2Engine.js';

/** SDK client settings shared by every client (region, endpoint, credentials); empty in Lambda. */
export type AwsClientConfig = Pick<DynamoDBClientConfig, 'region' | 'endpoint' | 'credentials'>;

export interface ComposeAwsC2Options {
  readonly clients?: AwsClientConfig;
  /**
   * The device provisioner, made from the shared client settings (only the api function provisions devices: the
   * IoT control-plane client stays out of the other bundles).
   */
  readonly provisioner?: (clients: AwsClientConfig) => DeviceProvisioner;
  /** The policies' scheduler, made from the shared client settings (the api function and the worker put them). */
  readonly scheduler?: (clients: AwsClientConfig) => Scheduler;
  /** Wraps the publisher (metrics). */
  readonly decoratePublisher?: (publisher: CommandPublisher) => CommandPublisher;
}

export function composeAwsC2(config: AwsC2Config, options: ComposeAwsC2Options = {}): C2Deps {
  const base = { ...(config.region ? { region: config.region } : {}), ...options.clients };
  const iotEndpoint = config.iotDataEndpoint.startsWith('http')
    ? config.iotDataEndpoint
    : `https://${config.iotDataEndpoint}`;
  const iotConfig: IoTDataPlaneClientConfig = { ...base, endpoint: options.clients?.endpoint ?? iotEndpoint };
  const publisher = IotDataCommandPublisher.create(iotConfig);
  const db = withoutCallLog(new DynamoDBClient(base));
  // Client ids and topic hashes (computed for every record read or written) on OpenSSL too.
  setDefaultEngine(c2Engine);
  return {
    store: new DynamoKeyStore(db, config.tableName),
    operations: new DynamoOperationStore(db, config.tableName),
    policies: new DynamoPolicyStore(db, config.tableName),
    queue: new SqsWorkQueue(new SQSClient(base), config.workQueueUrl),
    vault: new EnvelopeKeyVault(new KmsMasterKeyProvider(new KMSClient(base), config.kmsKeyArn), { engine: c2Engine }),
    publisher: options.decoratePublisher ? options.decoratePublisher(publisher) : publisher,
    clock: Date.now,
    engine: c2Engine,
    // Argon2i inline: a Lambda instance serves one request at a time, so it delays only the enrolment that asked.
    passwordKeys: inlinePasswordKeyDeriver,
    ...(options.provisioner ? { provisioner: options.provisioner(base) } : {}),
    ...(options.scheduler ? { scheduler: options.scheduler(base) } : {}),
  };
}
