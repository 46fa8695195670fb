/**
 * The pure parts of following an operation: which devices are listed as stragglers, the status lines and how often
 * they are printed, the polling loop's end on done, timeout and Ctrl-C, and when following is over.
 */
import { describe, expect, it } from 'vitest';
import type { Schemas } from '../../../cli/api/Api.js';
import { followed } from '../../../cli/operations/followOperation.js';
import { pollUntil } from '../../../cli/operations/pollUntil.js';
import { selectStragglers, stragglerCount } from '../../../cli/operations/selectStragglers.js';
import { StatusLines, statusLine } from '../../../cli/operations/statusLine.js';

type Device = Schemas['OperationDevice'];
type Operation = Schemas['Operation'];

const device = (name: string, state: Device['state']): Device => ({
  client: { name, id: '0'.repeat(32) },
  state,
  attempts: 1,
  updatedAt: '2026-12-05T00:00:00.000Z',
});

const operation = (fields: Partial<Operation> = {}): Operation => ({
  id: '01JD3Q8ZK6W7X0M4V2N5B8C9DE',
  kind: 'topic.rotate',
  target: { type: 'topic', name: 'home/kitchen' },
  status: 'running',
  counts: { total: 4, pending: 1, sent: 1, confirmed: 1, failed: 1 },
  actor: 'local-admin',
  createdAt: '2026-12-05T00:00:00.000Z',
  updatedAt: '2026-12-05T00:00:00.000Z',
  ...fields,
});

describe('selectStragglers', () => {
  it('lists the devices not confirmed, failed first, then pending, then sent, each by name', () => {
    const devices = [
      device('d', 'sent'),
      device('c', 'confirmed'),
      device('b', 'pending'),
      device('a', 'sent'),
      device('z', 'failed'),
    ];
    const { listed, more } = selectStragglers(devices, 4);
    expect(listed.map((d) => `${d.client.name} ${d.state}`)).toEqual(['z failed', 'b pending', 'a sent', 'd sent']);
    expect(more).toBe(0);
  });

  it('lists at most 20 and counts the rest from the total, which may exceed the devices read', () => {
    const devices = Array.from({ length: 25 }, (_, i) => device(`dev-${String(i).padStart(2, '0')}`, 'sent'));
    const { listed, more } = selectStragglers(devices, 130);
    expect(listed).toHaveLength(20);
    expect(listed[0]?.client.name).toBe('dev-00');
    expect(more).toBe(110);
    expect(selectStragglers(devices, 0).more).toBe(5);
  });

  it('counts the devices not confirmed', () => {
    expect(stragglerCount({ total: 10, pending: 1, sent: 5, confirmed: 2, failed: 2 })).toBe(8);
  });
});

describe('status lines', () => {
  it('reads as the status, the devices by state and the confirmations when some can confirm', () => {
    expect(statusLine(operation())).toBe(
      'Operation 01JD3Q8ZK6W7X0M4V2N5B8C9DE running: 4 devices, 1 sent, 1 confirmed, 1 failed, 1 pending',
    );
    expect(statusLine(operation({ confirmation: { confirmable: 2, confirmed: 1, percent: 50 } }))).toMatch(
      /; confirmed 1 of 2 able to confirm \(50%\)$/,
    );
  });

  it('prints a line per change, at most one a second, and a final line not printed yet', () => {
    const lines = new StatusLines();
    expect(lines.next('a', 0)).toBe('a');
    expect(lines.next('a', 5000)).toBeUndefined();
    expect(lines.next('b', 5100)).toBe('b');
    expect(lines.next('c', 5500)).toBeUndefined();
    expect(lines.next('c', 6100)).toBe('c');
    expect(lines.final('c', 6200)).toBeUndefined();
    expect(lines.final('d', 6200)).toBe('d');
  });
});

describe('followed', () => {
  it('is over when finished, or with confirmed also when all that can confirm did (or none can)', () => {
    const finished = operation({ status: 'succeeded', finishedAt: '2026-12-05T00:00:01.000Z' });
    expect(followed(operation())).toBe(false);
    expect(followed(finished)).toBe(true);
    expect(followed(finished, 'confirmed')).toBe(true);
    const half = { ...finished, confirmation: { confirmable: 2, confirmed: 1, percent: 50 } };
    expect(followed(half, 'finished')).toBe(true);
    expect(followed(half, 'confirmed')).toBe(false);
    expect(followed({ ...half, confirmation: { confirmable: 2, confirmed: 2, percent: 100 } }, 'confirmed')).toBe(true);
    expect(
      followed({ ...operation(), confirmation: { confirmable: 2, confirmed: 2, percent: 100 } }, 'confirmed'),
    ).toBe(false);
  });
});

describe('pollUntil', () => {
  it('reads until done, handing each value on', async () => {
    let n = 0;
    const seen: number[] = [];
    const end = await pollUntil(
      async () => ++n,
      (v) => v === 3,
      { intervalMs: 1, onValue: (v) => seen.push(v) },
    );
    expect(end).toEqual({ value: 3, aborted: false });
    expect(seen).toEqual([1, 2, 3]);
  });

  it('stops on an abort, with its reason and the last value read, without waiting for a read under way', async () => {
    const stop = new AbortController();
    let reads = 0;
    const end = pollUntil(
      () => {
        reads++;
        if (reads === 2) setTimeout(() => stop.abort('interrupted'), 5);
        return reads === 1 ? Promise.resolve(1) : new Promise<number>(() => {});
      },
      () => false,
      { intervalMs: 1, signal: stop.signal },
    );
    expect(await end).toEqual({ value: 1, aborted: true, reason: 'interrupted' });
  });

  it('stops at once when aborted before the first read', async () => {
    const end = await pollUntil(
      async () => 1,
      () => false,
      { intervalMs: 1, signal: AbortSignal.abort('timeout') },
    );
    expect(end).toEqual({ value: undefined, aborted: true, reason: 'timeout' });
  });
});
