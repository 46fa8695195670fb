import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe } from 'vitest';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { keyStoreContract } from '../../contract/keyStore.contract.js';
import { javaMissing, type RunningDynamoDbLocal, startDynamoDbLocal } from '../../support/dynamodbLocal.js';
import { serverMissing } from '../../support/serverMissing.js';

describe.skipIf(serverMissing(javaMissing()))('DynamoKeyStore over DynamoDB Local', () => {
  let server: RunningDynamoDbLocal;
  let tables = 0;
  beforeAll(async () => {
    server = await startDynamoDbLocal();
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  keyStoreContract('DynamoKeyStore over DynamoDB Local', async () => {
    const db = new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const table = `e4c2-test-${tables++}`;
    await createKeyStoreTable(db, table);
    return new DynamoKeyStore(db, table);
  });
});
