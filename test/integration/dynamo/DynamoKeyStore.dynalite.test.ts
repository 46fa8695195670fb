import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { DynamoOperationStore } from '../../../shared/adapters/aws/DynamoOperationStore.js';
import { DynamoPolicyStore } from '../../../shared/adapters/aws/DynamoPolicyStore.js';
import { CLIENTS, LINKS_BY_TOPIC, TOPICS } from '../../../shared/adapters/aws/keyStoreItems.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { counterKey } from '../../../shared/adapters/aws/policyStoreItems.js';
import { type RunningDynalite, startDynalite } from '../../../shared/adapters/local/DynaliteServer.js';
import { bytesToHex, hashIdAlias, hashTopic } from '../../../shared/e4/index.js';
import { clientRecord, keyStoreContract, linkRecord, topicRecord } from '../../contract/keyStore.contract.js';
import { operationRecord, operationStoreContract } from '../../contract/operationStore.contract.js';
import { policyStoreContract } from '../../contract/policyStore.contract.js';
import { codeOfAsync } from '../../support/codeOf.js';

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

async function freshTable(): Promise<{ db: DynamoDBClient; table: string; store: DynamoKeyStore }> {
  const db = dbClient(server.endpoint);
  const table = `e4c2-test-${tables++}`;
  await createKeyStoreTable(db, table);
  return { db, table, store: new DynamoKeyStore(db, table) };
}

keyStoreContract('DynamoKeyStore over dynalite', async () => (await freshTable()).store);
operationStoreContract('DynamoOperationStore over dynalite', async () => {
  const { db, table } = await freshTable();
  return new DynamoOperationStore(db, table);
});
policyStoreContract('DynamoPolicyStore over dynalite', async () => {
  const { db, table } = await freshTable();
  return new DynamoPolicyStore(db, table);
});

describe('DynamoKeyStore items', () => {
  it('keys clients, topics and links by the lowercase hex of their E4 hashes, names as attributes', async () => {
    // Prepare
    const { db, table, store } = await freshTable();
    const id = bytesToHex(hashIdAlias('dev/1'));
    const hash = bytesToHex(hashTopic('a/b%'));

    // Act
    await store.createClient(clientRecord('dev/1'));
    await store.createTopic(topicRecord('a/b%'));
    await store.putLink(linkRecord('a/b%', 'dev/1'));

    // Assess
    const { Items = [] } = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'T#tenant-a' } },
      }),
    );
    expect(Items.map((item) => [item.SK?.S, item.name?.S ?? item.topic?.S, item.clientName?.S])).toEqual([
      [`C#${id}`, 'dev/1', undefined],
      [`L#${hash}${id}`, 'a/b%', 'dev/1'],
      [`M#${id}${hash}`, 'a/b%', 'dev/1'],
      [`P#${hash}`, 'a/b%', undefined],
    ]);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("never returns a record found under a name's key that has another name, but returns it by id", async () => {
    // Prepare: the items of "y" planted under the keys of "x" (what a hash collision would store)
    const { db, table, store } = await freshTable();
    const plant = (sk: string, attributes: Record<string, unknown>) =>
      db.send(
        new PutItemCommand({
          TableName: table,
          Item: { PK: { S: 'T#tenant-a' }, SK: { S: sk }, ...(attributes as Record<string, never>) },
        }),
      );
    const client = clientRecord('y');
    const topic = topicRecord('y');
    await plant(CLIENTS.prefix + CLIENTS.keyOf('x'), CLIENTS.toItem(client));
    await plant(TOPICS.prefix + TOPICS.keyOf('x'), TOPICS.toItem(topic));
    await plant(
      LINKS_BY_TOPIC.prefix + LINKS_BY_TOPIC.keyOf({ topic: 'x', clientName: 'x' }),
      LINKS_BY_TOPIC.toItem(linkRecord('y', 'y')),
    );

    // Act
    const byName = await Promise.all([
      store.getClient('tenant-a', 'x'),
      store.getTopic('tenant-a', 'x'),
      store.getLink('tenant-a', 'x', 'x'),
    ]);
    const batch = await store.getClients('tenant-a', ['x']);
    const byId = [
      await store.getClientById('tenant-a', hashIdAlias('x')),
      await store.getTopicByHash('tenant-a', hashTopic('x')),
    ];

    // Assess
    expect(byName).toEqual([undefined, undefined, undefined]);
    expect(batch).toEqual([]);
    expect(byId).toEqual([client, topic]);
  });

  it('refuses a client whose id, or a topic whose hash, is not the one of its name (RangeError), storing nothing', async () => {
    // Prepare
    const { store } = await freshTable();

    // Act
    const client = await codeOfAsync(() => store.createClient(clientRecord('x', { id: hashIdAlias('y') })));
    const topic = await codeOfAsync(() => store.createTopic(topicRecord('x', { hash: hashTopic('y') })));

    // Assess
    expect([client, topic]).toEqual(['RangeError', 'RangeError']);
    expect(await store.countClients('tenant-a')).toBe(0);
    expect(await store.countTopics('tenant-a')).toBe(0);
  });
});

describe('DynamoOperationStore items', () => {
  it('finishes the create an idempotency key started when a crash left its operation unwritten', async () => {
    // Prepare: the item `I#req-1` a first create wrote before it stopped, naming an operation never stored
    const { db, table } = await freshTable();
    const store = new DynamoOperationStore(db, table);
    const claimed = operationRecord(0);
    await db.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          PK: { S: 'T#tenant-a' },
          SK: { S: 'I#req-1' },
          operationId: { S: claimed.id },
          kind: { S: claimed.kind },
          targetType: { S: claimed.target.type },
          targetName: { S: claimed.target.name },
          expiresAt: { N: String(Math.floor(Date.parse(claimed.createdAt) / 1000) + 86_400) },
        },
      }),
    );

    // Act
    const retried = await store.createOperation(operationRecord(3), { idempotencyKey: 'req-1' });

    // Assess: stored under the id the key names, once
    expect(retried.created).toBe(true);
    expect(retried.operation.id).toBe(claimed.id);
    expect(await store.getOperation('tenant-a', claimed.id)).toEqual(retried.operation);
    expect((await store.listOperations('tenant-a', {}, { limit: 10 })).items).toHaveLength(1);
  });
});

describe('DynamoOperationStore filtered lists', () => {
  it('answers a short page with a cursor after reading 1,000 items that do not match, and the cursor goes on', async () => {
    // Prepare: 1,001 operations, only the oldest failed
    const { db, table } = await freshTable();
    const store = new DynamoOperationStore(db, table);
    const records = Array.from({ length: 1001 }, (_, i) => operationRecord(i, i === 0 ? { status: 'failed' } : {}));
    for (let i = 0; i < records.length; i += 50) {
      await Promise.all(records.slice(i, i + 50).map((record) => store.createOperation(record)));
    }

    // Act
    const first = await store.listOperations('tenant-a', { status: 'failed' }, { limit: 10 });
    const second = await store.listOperations('tenant-a', { status: 'failed' }, { limit: 10, cursor: first.cursor! });

    // Assess
    expect(first.items).toEqual([]);
    expect(first.cursor).toBeDefined();
    expect(second.items.map((o) => o.id)).toEqual([records[0]!.id]);
    expect(second.cursor).toBeUndefined();
  });
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

describe('DynamoPolicyStore event counters across instances', () => {
  it('counts exactly when three stores (three processes) count on one counter at once, through its lease', async () => {
    // Prepare
    const { db, table } = await freshTable();
    const stores = [0, 1, 2].map(() => new DynamoPolicyStore(db, table));
    const deliveries = Array.from({ length: 30 }, (_, i) => `event-${i}`);
    deliveries.push(...deliveries.filter((_, i) => i % 4 === 0));
    const count = (eventId: string, i: number) =>
      stores[i % 3]!.countEvent({ tenantId: 't', policyId: 'p', counter: 'c', eventId, threshold: 4, now: 1 });

    // Act
    const results = await Promise.all(deliveries.map(count));
    const after = await count('event-0', 0);

    // Assess
    expect(results.filter((result) => result.counted)).toHaveLength(30);
    expect(after).toEqual({ counted: false, count: 2, due: [1, 2, 3, 4, 5, 6, 7] });
  });
});

describe('DynamoPolicyStore event counters after a crash', () => {
  it('finishes what a holder that died left: its counted event is not counted again, its expired lease is taken', async () => {
    // Prepare: the state a count leaves when its process dies between the count and the event's marker.
    const { db, table } = await freshTable();
    const store = new DynamoPolicyStore(db, table);
    await db.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          PK: { S: 'T#t' },
          SK: { S: counterKey('p', 'c') },
          eventCount: { N: '1' },
          generation: { N: '0' },
          pending: { S: 'e1' },
          leaseOwner: { S: 'dead' },
          leaseUntil: { N: '999' },
        },
      }),
    );
    const count = (eventId: string) =>
      store.countEvent({ tenantId: 't', policyId: 'p', counter: 'c', eventId, threshold: 2, now: 1000 });

    // Act
    const again = await count('e1');
    const next = await count('e2');
    const late = await count('e1');

    // Assess
    expect(again).toEqual({ counted: false, count: 1, due: [] });
    expect(next).toEqual({ counted: true, count: 0, due: [1] });
    expect(late).toEqual({ counted: false, count: 0, due: [1] });
  });
});
