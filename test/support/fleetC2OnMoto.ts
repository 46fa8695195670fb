/**
 * The AWS composition of the C2 over moto for the fleet-provisioning tests: a KMS key, the table, the devices' IoT
 * policy (allowing connect) and `composeAwsC2` with them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreatePolicyCommand, IoTClient } from '@aws-sdk/client-iot';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { type AwsC2Deps, composeAwsC2 } from '../../functions/composeAwsC2.js';
import { createKeyStoreTable } from '../../shared/adapters/aws/keyStoreTable.js';
import { awsC2Config } from './awsC2Config.js';
import { clientConfig, type RunningMoto } from './moto.js';

export interface FleetC2OnMoto {
  readonly deps: AwsC2Deps;
  readonly db: DynamoDBClient;
  readonly iot: IoTClient;
  readonly clients: ReturnType<typeof clientConfig>;
}

export async function fleetC2OnMoto(moto: RunningMoto, table: string, policy: string): Promise<FleetC2OnMoto> {
  const clients = clientConfig(moto);
  const kms = new KMSClient(clients);
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: `e4c2 ${table} test` }));
  kms.destroy();
  const db = new DynamoDBClient(clients);
  await createKeyStoreTable(db, table);
  const iot = new IoTClient(clients);
  await iot.send(
    new CreatePolicyCommand({
      policyName: policy,
      policyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }],
      }),
    }),
  );
  const deps = composeAwsC2(
    awsC2Config({
      tableName: table,
      kmsKeyArn: KeyMetadata!.Arn!,
      iotDataEndpoint: clients.endpoint,
      workQueueUrl: `${clients.endpoint}/123456789012/unused`,
      devicePolicyName: policy,
    }),
    { clients },
  );
  return { deps, db, iot, clients };
}
