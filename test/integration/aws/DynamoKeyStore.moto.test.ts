/**
 * The KeyStore, OperationStore and PolicyStore contracts over their DynamoDB adapters on moto's DynamoDB (the emulator the AWS adapters' integration tests
 * share): the same suite runs over dynalite and DynamoDB Local in test/integration/dynamo.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll } from 'vitest';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { DynamoOperationStore } from '../../../shared/adapters/aws/DynamoOperationStore.js';
import { DynamoPolicyStore } from '../../../shared/adapters/aws/DynamoPolicyStore.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { keyStoreContract } from '../../contract/keyStore.contract.js';
import { operationStoreContract } from '../../contract/operationStore.contract.js';
import { policyStoreContract } from '../../contract/policyStore.contract.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';

const clients: DynamoDBClient[] = [];
afterAll(() => {
  for (const client of clients) client.destroy();
});

describeWithMoto('DynamoKeyStore over moto', (moto) => {
  let tables = 0;
  async function freshTable(): Promise<{ db: DynamoDBClient; table: string }> {
    const db = new DynamoDBClient(clientConfig(moto()));
    clients.push(db);
    const table = `e4c2-test-${tables++}`;
    await createKeyStoreTable(db, table);
    return { db, table };
  }
  keyStoreContract(
    'DynamoKeyStore over moto DynamoDB',
    async () => {
      const { db, table } = await freshTable();
      return new DynamoKeyStore(db, table);
    },
    { atomicUnderConcurrency: false },
  );
  operationStoreContract('DynamoOperationStore over moto DynamoDB', async () => {
    const { db, table } = await freshTable();
    return new DynamoOperationStore(db, table);
  });
  policyStoreContract('DynamoPolicyStore over moto DynamoDB', async () => {
    const { db, table } = await freshTable();
    return new DynamoPolicyStore(db, table);
  });
});
