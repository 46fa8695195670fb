/** The local store's table on a real dynalite, in memory or persisting under a folder (what local mode opens). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createKeyStoreTable } from '../../shared/adapters/aws/keyStoreTable.js';
import { startDynalite } from '../../shared/adapters/local/DynaliteServer.js';

export interface DynaliteTable {
  readonly db: DynamoDBClient;
  readonly tableName: string;
  close(): Promise<void>;
}

export async function openDynaliteTable(path?: string): Promise<DynaliteTable> {
  const server = await startDynalite(path === undefined ? {} : { path });
  const db = new DynamoDBClient({
    endpoint: server.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tableName = 'e4c2';
  await createKeyStoreTable(db, tableName);
  return {
    db,
    tableName,
    close: async () => {
      db.destroy();
      await server.close();
    },
  };
}
