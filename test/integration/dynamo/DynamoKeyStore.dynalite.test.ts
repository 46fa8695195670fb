import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { type RunningDynalite, startDynalite } from '../../../shared/adapters/local/DynaliteServer.js';
import { clientRecord, keyStoreContract } from '../../contract/keyStore.contract.js';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const dbClient = (endpoint: string) => new DynamoDBClient({ endpoint, region: 'local', credentials });

let server: RunningDynalite;
let tables = 0;
beforeAll(async () => {
  server = await startDynalite();
});
afterAll(async () => {
  await server?.close();
});

keyStoreContract('DynamoKeyStore over dynalite', async () => {
  const db = dbClient(server.endpoint);
  const table = `e4c2-test-${tables++}`;
  await createKeyStoreTable(db, table);
  return new DynamoKeyStore(db, table);
});

describe('DynamoKeyStore over dynalite on disk', () => {
  it('finds its records again after the server restarts on the same folder (local mode restarts)', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'e4c2-dynalite-'));
    const first = await startDynalite({ path: dir });
    const record = clientRecord('device-0001');
    try {
      const db = dbClient(first.endpoint);
      await createKeyStoreTable(db, 'e4c2');
      await new DynamoKeyStore(db, 'e4c2').createClient(record);
      db.destroy();
    } finally {
      await first.close();
    }

    // Act
    const second = await startDynalite({ path: dir });
    try {
      const db = dbClient(second.endpoint);
      await createKeyStoreTable(db, 'e4c2'); // exists already: a no-op
      const found = await new DynamoKeyStore(db, 'e4c2').getClient('tenant-a', 'device-0001');
      db.destroy();

      // Assess
      expect(found).toEqual(record);
    } finally {
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
