/**
 * Local mode's two work queues on a real dynalite: receipts apart (their own partition, in batches), every other
 * message one at a time; receipts wait while a work handler runs (up to their limit); idle covers both.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalWorkQueues } from '../../../shared/adapters/local/LocalWorkQueues.js';
import type { ReceiptMessage, WorkMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { type DynaliteTable, openDynaliteTable } from '../../support/dynaliteTable.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function queuesOnDynalite(): Promise<{ table: DynaliteTable; queues: LocalWorkQueues }> {
  const table = await openDynaliteTable();
  cleanups.push(() => table.close());
  const queues = new LocalWorkQueues(table.db, table.tableName);
  cleanups.push(() => queues.close());
  return { table, queues };
}

const receipt = (i: number): ReceiptMessage => ({
  type: 'receipt',
  tenantId: 'local',
  clientIdHex: i.toString(16).padStart(32, '0'),
  payload: 'AA==',
});
const operation = (i: number): WorkMessage => ({
  type: 'operation',
  tenantId: 'local',
  operationId: `01J${String(i).padStart(23, '0')}`,
});

async function count(table: DynaliteTable, partition: string): Promise<number> {
  const { Count } = await table.db.send(
    new QueryCommand({
      TableName: table.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': { S: partition } },
    }),
  );
  return Count ?? 0;
}

describe('LocalWorkQueues', () => {
  it('stores receipts in their own partition and hands them over together, after the work handler that ran', async () => {
    // Prepare: two operations and 150 receipts stored before the drain starts.
    const { table, queues } = await queuesOnDynalite();
    await queues.enqueue([operation(1), ...Array.from({ length: 150 }, (_, i) => receipt(i)), operation(2)]);
    expect(await count(table, 'Q#work')).toBe(2);
    expect(await count(table, 'Q#receipts')).toBe(150);
    const calls: { types: string[]; start: number; end: number }[] = [];

    // Act: an operation's handler takes 300 ms.
    await queues.start(async (messages) => {
      const start = Date.now();
      if (messages[0]!.type === 'operation') await new Promise((resolve) => setTimeout(resolve, 300));
      calls.push({ types: messages.map((message) => message.type), start, end: Date.now() });
      return messages.map(() => undefined);
    });
    await queues.idle();

    // Assess: operations one at a time; receipts in batches of at most 100, started once no operation ran.
    const operations = calls.filter((call) => call.types[0] === 'operation');
    const receipts = calls.filter((call) => call.types[0] === 'receipt');
    expect(operations.map((call) => call.types)).toEqual([['operation'], ['operation']]);
    expect(receipts.map((call) => call.types.length).sort((a, b) => a - b)).toEqual([50, 100]);
    expect(receipts.every((call) => call.types.every((type) => type === 'receipt'))).toBe(true);
    const lastOperationEnd = Math.max(...operations.map((call) => call.end));
    for (const call of receipts) expect(call.start).toBeGreaterThanOrEqual(lastOperationEnd);
    expect(await count(table, 'Q#work')).toBe(0);
    expect(await count(table, 'Q#receipts')).toBe(0);
    expect(await queues.deadItems()).toEqual([]);
  });
});
