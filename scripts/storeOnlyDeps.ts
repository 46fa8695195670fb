/**
 * The deps of the operator scripts (`npm run api-key`, `platform-key`, `limits`): the table's stores only; every other
 * port refuses, so that a script can do nothing but what it is for by mistake (`what`, in the refusal's message).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoKeyStore } from '../shared/adapters/aws/DynamoKeyStore.js';
import { DynamoOperationStore } from '../shared/adapters/aws/DynamoOperationStore.js';
import { DynamoPolicyStore } from '../shared/adapters/aws/DynamoPolicyStore.js';
import type { C2Deps } from '../shared/c2/C2Deps.js';

export function storeOnlyDeps(db: DynamoDBClient, table: string, what: string): C2Deps {
  const refuse = (): never => {
    throw new Error(`this script only ${what}`);
  };
  return {
    store: new DynamoKeyStore(db, table),
    policies: new DynamoPolicyStore(db, table),
    operations: new DynamoOperationStore(db, table),
    vault: { wrap: refuse, unwrap: refuse },
    publisher: { publish: refuse, close: async () => {} },
    queue: { enqueue: refuse },
    clock: Date.now,
  };
}
