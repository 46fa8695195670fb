import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { keyStoreTableDefinition } from '../../shared/adapters/aws/keyStoreTable.js';
import { logicalIdOf, removeTestApps, testApp } from './synthApp.js';

afterAll(removeTestApps);

describe('stateful stack', () => {
  // Prepare
  const { stateful } = testApp();
  const template = Template.fromStack(stateful);
  const keyId = logicalIdOf(stateful.key);

  it('has one table: PK/SK strings as in keyStoreTableDefinition, on demand, PITR, deletion protection', () => {
    // Assess
    const definition = keyStoreTableDefinition('unused');
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: definition.KeySchema,
      AttributeDefinitions: definition.AttributeDefinitions,
      BillingMode: definition.BillingMode,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('encrypts the table with the customer-managed key and expires events on expiresAt', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('retains the table and the key, and protects the stack from termination', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(stateful.terminationProtection).toBe(true);
  });

  it('has one symmetric KMS key with rotation, and its alias', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/e4c2-dev-c2' });
  });

  it('streams the table with old and new images (the link-change pipe reads removed links from old images)', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('exports the table and key to the service stack (name, table ARN, stream ARN, key ARN), and the table name for npm run api-key', () => {
    const outputs = template.toJSON().Outputs ?? {};
    expect(Object.keys(outputs)).toHaveLength(5);
    expect(outputs.TableName).toMatchObject({ Value: { Ref: logicalIdOf(stateful.table) } });
  });
});

describe('stateful stack with e4c2:removalPolicy=destroy (throw-away stages)', () => {
  // Prepare
  const { stateful } = testApp({ context: { 'e4c2:removalPolicy': 'destroy', 'e4c2:stage': 'tmp' } });
  const template = Template.fromStack(stateful);

  it('deletes the table and the key with the stack, without deletion or termination protection', () => {
    // Assess
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
    expect(stateful.terminationProtection).toBe(false);
    expect(stateful.stackName).toBe('e4c2-tmp-stateful');
  });
});
