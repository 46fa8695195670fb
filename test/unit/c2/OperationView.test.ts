/** The views of operations and deliveries: what they show, what they never show, and the confirmation figures. */
import { describe, expect, it } from 'vitest';
import { confirmationOf, deliveryView, operationView } from '../../../shared/c2/operations/OperationView.js';
import { bytesToHex, hashIdAlias, randomKey } from '../../../shared/e4/index.js';
import { deliveryRecord, operationRecord } from '../../contract/operationStore.contract.js';

const counts = (total: number, confirmed: number) => ({
  total,
  pending: 0,
  sent: total - confirmed,
  confirmed,
  failed: 0,
});

describe('confirmationOf', () => {
  it.each([
    [0, undefined, 0, undefined],
    [5, undefined, 0, undefined],
    [1, 1, 0, { confirmable: 1, confirmed: 0, percent: 0 }],
    [10, 7, 3, { confirmable: 7, confirmed: 3, percent: 42 }],
    [3, 3, 2, { confirmable: 3, confirmed: 2, percent: 66 }],
    [1000, 1000, 999, { confirmable: 1000, confirmed: 999, percent: 99 }],
    [10, 4, 4, { confirmable: 4, confirmed: 4, percent: 100 }],
    [10, 2, 3, { confirmable: 3, confirmed: 3, percent: 100 }],
    [2, 5, 1, { confirmable: 2, confirmed: 1, percent: 50 }],
    [2, 2, -1, { confirmable: 2, confirmed: 0, percent: 0 }],
  ])(
    '%i devices, %o able to confirm, %i confirmed: %o (never fewer than confirmed nor more than all, floored)',
    (total, confirmable, confirmed, expected) => {
      const record = { counts: counts(total, confirmed), ...(confirmable === undefined ? {} : { confirmable }) };
      expect(confirmationOf(record)).toEqual(expected);
    },
  );
});

describe('operationView', () => {
  it('shows progress and never the key, cursor or revision of the record', () => {
    // Prepare
    const record = operationRecord(0, {
      status: 'partial',
      counts: { total: 4, pending: 0, sent: 1, confirmed: 2, failed: 1 },
      confirmable: 3,
      finishedAt: '2026-12-04T00:00:05.000Z',
      error: { code: 'DELIVERY_FAILED', message: '1 device not reached' },
      wrappedKey: randomKey(),
      cursor: 'next-page',
      revision: 7,
    });

    // Act
    const view = operationView(record);

    // Assess
    expect(view).toEqual({
      id: record.id,
      kind: 'topic.rotate',
      target: { type: 'topic', name: 'sensors/temp' },
      status: 'partial',
      keyVersion: 2,
      counts: { total: 4, pending: 0, sent: 1, confirmed: 2, failed: 1 },
      confirmation: { confirmable: 3, confirmed: 2, percent: 66 },
      actor: 'key-1',
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      finishedAt: '2026-12-04T00:00:05.000Z',
      error: { code: 'DELIVERY_FAILED', message: '1 device not reached' },
    });
  });

  it('leaves out what the record does not have (key version, confirmation without devices, end, error)', () => {
    const { keyVersion: _, ...record } = operationRecord(0, { kind: 'client.resync' });
    expect(Object.keys(operationView(record)).sort()).toEqual(
      ['actor', 'counts', 'createdAt', 'id', 'kind', 'status', 'target', 'updatedAt'].sort(),
    );
  });
});

describe('deliveryView', () => {
  it('names the client by name and hex id, never the hash of its command', () => {
    const record = deliveryRecord('01ARZ3NDEKTSV4RRFFQ69G5FAV', 'dev/1', {
      state: 'failed',
      attempts: 2,
      lastError: 'broker refused',
      commandHash: new Uint8Array(16).fill(7),
    });
    expect(deliveryView(record)).toEqual({
      client: { name: 'dev/1', id: bytesToHex(hashIdAlias('dev/1')) },
      state: 'failed',
      attempts: 2,
      lastError: 'broker refused',
      updatedAt: record.updatedAt,
    });
  });
});
