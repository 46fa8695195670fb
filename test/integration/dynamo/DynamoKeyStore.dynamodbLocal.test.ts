import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe } from 'vitest';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { DynamoOperationStore } from '../../../shared/adapters/aws/DynamoOperationStore.js';
import { DynamoPolicyStore } from '../../../shared/adapters/aws/DynamoPolicyStore.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { keyStoreContract } from '../../contract/keyStore.contract.js';
import { operationStoreContract } from '../../contract/operationStore.contract.js';
import { policyStoreContract } from '../../contract/policyStore.contract.js';
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

  /** A client on a fresh table of the server. */
  async function freshTable(): Promise<{ db: DynamoDBClient; table: string }> {
    const db = new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const table = `e4c2-test-${tables++}`;
    await createKeyStoreTable(db, table);
    return { db, table };
  }

  keyStoreContract('DynamoKeyStore over DynamoDB Local', async () => {
    const { db, table } = await freshTable();
    return new DynamoKeyStore(db, table);
  });
  operationStoreContract('DynamoOperationStore over DynamoDB Local', async () => {
    const { db, table } = await freshTable();
    return new DynamoOperationStore(db, table);
  });
  policyStoreContract('DynamoPolicyStore over DynamoDB Local', async () => {
    const { db, table } = await freshTable();
    return new DynamoPolicyStore(db, table);
  });
});
