/**
 * At a start of local mode, every operation left `pending` or `running` is enqueued again, over every page of the
 * tenant's operations (DynamoOperationStore and LocalWorkQueue on a real dynalite).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { resumeOperations } from '../../../local/resumeOperations.js';
import { DynamoOperationStore } from '../../../shared/adapters/aws/DynamoOperationStore.js';
import { LocalWorkQueue } from '../../../shared/adapters/local/LocalWorkQueue.js';
import type { OperationStatus } from '../../../shared/c2/ports/OperationStore.js';
import type { WorkMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { operationRecord } from '../../contract/operationStore.contract.js';
import { type DynaliteTable, openDynaliteTable } from '../../support/dynaliteTable.js';

let table: DynaliteTable | undefined;
afterEach(async () => {
  await table?.close();
});

describe('resumeOperations', () => {
  it('enqueues an operation message for every pending or running operation of the tenant, past the first page', async () => {
    // Prepare: 150 operations of the tenant (120 pending, 20 running, 10 succeeded) and one of another tenant.
    table = await openDynaliteTable();
    const operations = new DynamoOperationStore(table.db, table.tableName);
    const statusOf = (i: number): OperationStatus => (i < 120 ? 'pending' : i < 140 ? 'running' : 'succeeded');
    const records = Array.from({ length: 150 }, (_, i) => operationRecord(i, { status: statusOf(i) }));
    for (const record of records) await operations.createOperation(record);
    await operations.createOperation(operationRecord(200, { tenantId: 'tenant-b' }));
    const queue = new LocalWorkQueue(table.db, table.tableName);
    const handled: WorkMessage[] = [];

    // Act
    const resumed = await resumeOperations(operations, queue, 'tenant-a');
    await queue.start(async (message) => void handled.push(message));
    await queue.idle();
    await queue.close();

    // Assess
    const unfinished = records.filter((record) => record.status !== 'succeeded');
    expect(resumed).toBe(140);
    expect(handled.map((message) => (message.type === 'operation' ? message.operationId : '')).sort()).toEqual(
      unfinished.map((record) => record.id).sort(),
    );
    expect(handled.every((message) => message.type === 'operation' && message.tenantId === 'tenant-a')).toBe(true);
  });
});
