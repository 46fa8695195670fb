/**
 * What outlives every deployment: the C2's single table and the KMS key that envelopes its keys (and encrypts the
 * table). Both are RETAINed by default (`e4c2:removalPolicy`), the table has deletion protection and point-in-time
 * recovery, and the stack has termination protection, so that nothing here goes away by accident.
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { InfraConfig } from './config.js';

/** The table's TTL attribute (epoch seconds): events (`E#...`) expire by it. See shared/adapters/aws/keyStoreTable.ts. */
export const TTL_ATTRIBUTE = 'expiresAt';

export interface StatefulStackProps extends StackProps {
  readonly config: InfraConfig;
}

export class StatefulStack extends Stack {
  readonly table: Table;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    const { config } = props;
    const retained = config.removalPolicy === RemovalPolicy.RETAIN;
    super(scope, id, { terminationProtection: retained, ...props });

    this.key = new Key(this, 'C2Key', {
      description: `${config.namePrefix}: envelopes the C2's keys (per-tenant data keys) and encrypts its table`,
      alias: `alias/${config.namePrefix}-c2`,
      keySpec: KeySpec.SYMMETRIC_DEFAULT,
      keyUsage: KeyUsage.ENCRYPT_DECRYPT,
      enableKeyRotation: true,
      removalPolicy: config.removalPolicy,
    });

    // The same key schema as keyStoreTableDefinition() in shared/adapters/aws/keyStoreTable.ts (local mode, tests).
    this.table = new Table(this, 'KeyStoreTable', {
      partitionKey: { name: 'PK', type: AttributeType.STRING },
      sortKey: { name: 'SK', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retained,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Read by the link-change pipe (ServiceStack, constructs/LinkChangePipe.ts): a removed link's names are in
      // its old image.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      removalPolicy: config.removalPolicy,
    });
    // For `npm run api-key -- --table <TableName>` (the first API key of a tenant).
    new CfnOutput(this, 'TableName', { value: this.table.tableName, description: 'The key store table' });
  }
}
