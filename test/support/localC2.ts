/**
 * The C2's ports on their local adapters, for use-case tests: dynalite (in memory), the keyring in a temp folder,
 * aedes with an MQTT command publisher. Real components throughout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoKeyStore } from '../../shared/adapters/aws/DynamoKeyStore.js';
import { createKeyStoreTable } from '../../shared/adapters/aws/keyStoreTable.js';
import { startDynalite } from '../../shared/adapters/local/DynaliteServer.js';
import { LocalKeyring } from '../../shared/adapters/local/LocalKeyring.js';
import { MqttCommandPublisher } from '../../shared/adapters/local/MqttCommandPublisher.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { EnvelopeKeyVault } from '../../shared/c2/vault/EnvelopeKeyVault.js';
import { startAedes } from './brokers.js';

export interface LocalC2 {
  readonly deps: C2Deps;
  readonly mqttUrl: string;
  close(): Promise<void>;
}

export async function startLocalC2(options: { clock?: () => number } = {}): Promise<LocalC2> {
  const dir = mkdtempSync(join(tmpdir(), 'e4c2-c2-'));
  const dynalite = await startDynalite();
  const broker = await startAedes();
  const db = new DynamoDBClient({
    endpoint: dynalite.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await createKeyStoreTable(db, 'e4c2');
  const publisher = await MqttCommandPublisher.connect(broker.url);
  const deps: C2Deps = {
    store: new DynamoKeyStore(db, 'e4c2'),
    vault: new EnvelopeKeyVault(await LocalKeyring.open(join(dir, 'keyring'))),
    publisher,
    clock: options.clock ?? Date.now,
  };
  return {
    deps,
    mqttUrl: broker.url,
    close: async () => {
      await publisher.close();
      db.destroy();
      await broker.close();
      await dynalite.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
