/**
 * The worker's batch (handleWorkBatch) with `depsFor`, over the local adapters: each message runs on the deps of its
 * own tenant (an event-log entry's tenant for an `event` message), tenants of one batch side by side, and the messages
 * of a tenant no deps could be made for fail alone, to come back (a malformed tenant id is refused before, as a
 * malformed message).
 */
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { handleWorkBatch } from '../../../functions/worker/handleWorkBatch.js';
import { validateTenantId } from '../../../shared/c2/apiKeys/validateTenantId.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import type { EventRecord } from '../../../shared/c2/ports.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';

let c2: LocalC2;
beforeAll(async () => {
  c2 = await startLocalC2();
});
afterAll(async () => {
  await c2?.close();
});

const event = (tenantId: string, id: string): EventRecord => ({
  tenantId,
  id,
  at: '2026-12-05T00:00:00.000Z',
  actor: 'test',
  action: 'client.create',
  target: { type: 'client', name: `dev-${id}` },
  result: 'ok',
});

const batchOf = (events: EventRecord[]): SQSEvent => ({
  Records: events.map((entry, i) => ({
    messageId: `m${i}`,
    receiptHandle: `r${i}`,
    body: JSON.stringify({ type: 'event', event: entry }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:e4c2-work',
    awsRegion: 'us-east-1',
  })),
});

it("runs each message on its tenant's deps; a tenant without deps fails alone", async () => {
  // Prepare: deps that remember which tenant they were made for; none for tenant-z
  const asked: string[] = [];
  const ran: Array<[string, string]> = [];
  const depsFor = (tenantId: string): C2Deps => {
    validateTenantId(tenantId);
    asked.push(tenantId);
    if (tenantId === 'tenant-z') throw new Error('no deps for tenant-z');
    return {
      ...c2.deps,
      store: new Proxy(c2.deps.store, {
        get: (store, name, receiver) =>
          name === 'appendEvent'
            ? (entry: EventRecord) => {
                ran.push([tenantId, entry.tenantId]);
                return store.appendEvent(entry);
              }
            : Reflect.get(store, name, receiver),
      }),
    };
  };
  const events = [
    event('tenant-x', 'a'),
    event('tenant-y', 'b'),
    event('Bad.Tenant', 'c'),
    event('tenant-x', 'd'),
    event('tenant-z', 'e'),
  ];
  const warned: string[] = [];
  const failed: string[] = [];
  const failedTenants: string[] = [];

  // Act
  const response = await handleWorkBatch(c2.deps, batchOf(events), {
    remainingMs: () => 60_000,
    logger: {
      warn: (message) => warned.push(message),
      error: (message, attributes) => failed.push(`${message}: ${String(attributes.error)}`),
    },
    depsFor,
    onFailed: (tenantId) => void failedTenants.push(tenantId),
  });

  // Assess
  expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm2' }, { itemIdentifier: 'm4' }]);
  expect(warned).toEqual(['malformed work message']);
  expect(failed).toEqual(['work message failed: Error: no deps for tenant-z']);
  expect(failedTenants).toEqual(['tenant-z']);
  expect([...asked].sort()).toEqual(['tenant-x', 'tenant-y', 'tenant-z']);
  expect(ran.every(([deps, entry]) => deps === entry)).toBe(true);
  expect(ran.map(([, entry]) => entry).sort()).toEqual(['tenant-x', 'tenant-x', 'tenant-y']);
});
