/**
 * The quota of operations in progress when every slot is held (operations/operationSlots.ts), over dynalite: the
 * slots of finished operations and of starts never recorded (after a minute) are freed, those of live operations and
 * of recent starts kept, and the held operations are read in batches (BatchGetItem, 100 keys a call), not one
 * GetItem each. The commands are recorded by a middleware of the DynamoDB client (nothing faked).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { DynamoOperationStore } from '../../../shared/adapters/aws/DynamoOperationStore.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { OPERATIONS_PREFIX } from '../../../shared/adapters/aws/operationStoreItems.js';
import { type RunningDynalite, startDynalite } from '../../../shared/adapters/local/DynaliteServer.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { takeOperationSlot } from '../../../shared/c2/operations/operationSlots.js';
import { operationRecord } from '../../contract/operationStore.contract.js';

let server: RunningDynalite;
beforeAll(async () => {
  server = await startDynalite();
});
afterAll(async () => {
  await server?.close();
});

describe('operation slots', () => {
  it('at a full quota of 150, frees the abandoned slots and keeps the live ones, reading the operations in 2 batches', async () => {
    // Prepare: a store whose commands are recorded; 150 slots held: 60 finished operations, 30 live ones, 30 starts
    // never recorded two minutes ago, 30 just now.
    const commands: { name: string; input: Record<string, unknown> }[] = [];
    const db = new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    db.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push({ name: String(context.commandName), input: args.input as Record<string, unknown> });
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    await createKeyStoreTable(db, 'e4c2-slots');
    const operations = new DynamoOperationStore(db, 'e4c2-slots');
    const store = new DynamoKeyStore(db, 'e4c2-slots');
    // takeOperationSlot reads the tenant's limits (store), the slots and the operations (operations), the clock.
    const deps = { store, operations, clock: Date.now } as unknown as C2Deps;
    const tenant = 'tenant-slots';
    await store.setTenantLimits(tenant, { maxConcurrentOperations: 150 });
    const now = Date.now();
    const at = (ms: number) => new Date(ms).toISOString();
    const records = Array.from({ length: 150 }, (_, i) => operationRecord(i, { tenantId: tenant }));
    const ids = records.map((record) => record.id);
    for (const [slot, record] of records.entries()) {
      if (slot < 90) {
        await operations.createOperation(slot < 60 ? { ...record, status: 'succeeded', finishedAt: at(now) } : record);
      }
      const id = record.id;
      const takenAt = at(slot >= 90 && slot < 120 ? now - 120_000 : now);
      expect(await operations.takeOperationSlot(tenant, { slot, operationId: id, takenAt })).toBe(true);
    }
    commands.length = 0;

    // Act
    const taken = await takeOperationSlot(deps, tenant, 'the-next-one');

    // Assess
    expect(taken).toBe(true);
    const held = (await operations.listOperationSlots(tenant)).map((slot) => slot.operationId);
    expect(held.sort()).toEqual([...ids.slice(60, 90), ...ids.slice(120), 'the-next-one'].sort());
    const sortKey = (input: Record<string, unknown>) => (input.Key as { SK?: { S?: string } } | undefined)?.SK?.S;
    const operationReads = commands.filter(
      ({ name, input }) => name === 'GetItemCommand' && sortKey(input)?.startsWith(OPERATIONS_PREFIX),
    );
    expect(operationReads).toEqual([]);
    expect(commands.filter(({ name }) => name === 'BatchGetItemCommand')).toHaveLength(2);
    db.destroy();
  });
});
