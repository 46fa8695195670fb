/**
 * The event log's hash chain on a real dynalite, beyond the KeyStore contract: appends of two store instances (two
 * Lambda instances) at once, the state a crash between the head's write and the record's leaves, and the tenant's
 * retention in each record's TTL.
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAIN_HEAD_KEY } from '../../../shared/adapters/aws/DynamoEventChain.js';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { chained, GENESIS_HASH } from '../../../shared/c2/events/eventChain.js';
import { verifyEventChain } from '../../../shared/c2/events/verifyEventChain.js';
import type { EventRecord } from '../../../shared/c2/ports.js';
import { eventRecord, unchained } from '../../contract/keyStore.contract.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { type DynaliteTable, openDynaliteTable } from '../../support/dynaliteTable.js';
import { page, readAll } from '../../support/readAllPages.js';

let table: DynaliteTable;
beforeAll(async () => {
  table = await openDynaliteTable();
});
afterAll(async () => {
  await table?.close();
});

const exportLines = (events: readonly EventRecord[]) =>
  [...events].sort((a, b) => a.seq! - b.seq!).map(({ tenantId: _, ...view }) => JSON.stringify(view));

async function allEvents(store: DynamoKeyStore, tenantId: string): Promise<EventRecord[]> {
  return (await readAll((cursor) => store.listEvents(tenantId, { oldestFirst: true }, page(50, cursor)))).items;
}

describe('DynamoEventChain over dynalite', () => {
  it('keeps appends of two instances at once linear: seq 1..20, the chain verifies', async () => {
    // Prepare
    const one = new DynamoKeyStore(table.db, table.tableName);
    const two = new DynamoKeyStore(table.db, table.tableName);
    const tenantId = 'two-instances';

    // Act
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).appendEvent(eventRecord(i, { tenantId }))),
    );

    // Assess
    const events = await allEvents(one, tenantId);
    expect(events.map((event) => event.seq).sort((a, b) => a! - b!)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(verifyEventChain(exportLines(events))).toMatchObject({ ok: true, events: 20, firstSeq: 1, lastSeq: 20 });
  });

  it('writes a record left on the head by a crash before the next one; a retry of it writes it once', async () => {
    // Prepare: the head moved to seq 1 holding record A, whose own item was never written (the crash)
    const store = new DynamoKeyStore(table.db, table.tableName);
    const tenantId = 'crashed';
    const a = eventRecord(1, { tenantId });
    const { tenantId: _, ...view } = a;
    const record = chained(view, 1, GENESIS_HASH);
    const item = {
      PK: { S: `T#${tenantId}` },
      SK: { S: `E#${a.id}` },
      at: { S: a.at },
      actor: { S: a.actor },
      action: { S: a.action },
      targetType: { S: a.target.type },
      targetName: { S: a.target.name },
      result: { S: a.result },
      seq: { N: '1' },
      prevHash: { S: record.prevHash },
      hash: { S: record.hash },
      expiresAt: { N: '9999999999' },
    };
    await table.db.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          PK: { S: `T#${tenantId}` },
          SK: { S: CHAIN_HEAD_KEY },
          seq: { N: '1' },
          hash: { S: record.hash },
          pending: { M: item },
        },
      }),
    );
    const listedBefore = await allEvents(store, tenantId);

    // Act
    await store.appendEvent(a); // the audited change's retry (the work queue): same id
    const again = await codeOfAsync(() => store.appendEvent(a));
    await store.appendEvent(eventRecord(2, { tenantId }));

    // Assess
    expect(listedBefore).toEqual([]);
    const events = await allEvents(store, tenantId);
    expect(unchained(events)).toEqual([a, eventRecord(2, { tenantId })]);
    expect(events.map((event) => event.seq)).toEqual([1, 2]);
    expect(again).toBe('ALREADY_EXISTS');
    expect(verifyEventChain(exportLines(events))).toMatchObject({ ok: true, events: 2, firstSeq: 1, lastSeq: 2 });
  });

  it("sets each record's expiresAt from its tenant's eventRetentionDays (400 days when not set)", async () => {
    // Prepare
    const store = new DynamoKeyStore(table.db, table.tableName);
    await store.setTenantLimits('short-log', { eventRetentionDays: 7 });
    const at = Date.parse(eventRecord(5).at) / 1000;

    // Act
    await store.appendEvent(eventRecord(5, { tenantId: 'short-log' }));
    await store.appendEvent(eventRecord(5, { tenantId: 'default-log' }));

    // Assess
    const expiresAt = async (tenantId: string) => {
      const { Item } = await table.db.send(
        new GetItemCommand({
          TableName: table.tableName,
          Key: { PK: { S: `T#${tenantId}` }, SK: { S: `E#${eventRecord(5).id}` } },
          ConsistentRead: true,
        }),
      );
      return Number(Item?.expiresAt?.N);
    };
    expect(await expiresAt('short-log')).toBe(at + 7 * 86_400);
    expect(await expiresAt('default-log')).toBe(at + 400 * 86_400);
  });
});
