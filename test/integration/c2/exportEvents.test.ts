/**
 * An export stopped at its bound goes on from its cursor: the parts, read one after the other, are the whole log
 * oldest first, nothing twice or missing, whichever bound (pages read, bytes held) stopped each part. Bounds far
 * below the API's (100 pages, 4 MB) so that a few hundred events cross them.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ExportBounds, exportEvents } from '../../../shared/c2/events/exportEvents.js';
import type { EventQuery } from '../../../shared/c2/events/listEvents.js';
import { type EventView, listEvents } from '../../../shared/c2/events/listEvents.js';
import { eachPage } from '../../../shared/c2/pages.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';

const caller = callerOf('tenant-export', 'read-only');
const START = Date.UTC(2026, 10, 23);
let c2: LocalC2;

beforeAll(async () => {
  c2 = await startLocalC2();
  // 250 events a second apart, every fifth an error
  for (let i = 0; i < 250; i++) {
    const at = new Date(START + i * 1000).toISOString();
    await c2.deps.store.appendEvent({
      tenantId: 'tenant-export',
      id: `${at}#${i.toString(16).padStart(16, '0')}`,
      at,
      actor: 'apikey:0123456789abcdef',
      action: 'topic.rotate',
      target: { type: 'topic', name: `t-${i}` },
      result: i % 5 === 0 ? 'error' : 'ok',
      ...(i % 5 === 0 ? { errorCode: 'CONFLICT' } : {}),
    });
  }
});
afterAll(async () => {
  await c2?.close();
});

async function exportInParts(query: EventQuery, bounds: ExportBounds): Promise<{ events: EventView[]; parts: number }> {
  const events: EventView[] = [];
  let cursor: string | undefined;
  let parts = 0;
  do {
    const part = await exportEvents(c2.deps, caller, query, cursor === undefined ? {} : { cursor }, bounds);
    events.push(...part.events);
    cursor = part.cursor;
    parts++;
  } while (cursor !== undefined);
  return { events, parts };
}

async function listed(query: EventQuery): Promise<EventView[]> {
  const items: EventView[] = [];
  for await (const page of eachPage((page) => listEvents(c2.deps, caller, query, page))) items.push(...page);
  return items.reverse();
}

it('goes on from its cursor when stopped by the pages read: the parts make the whole log, oldest first', async () => {
  // Act
  const whole = await exportInParts({}, { pages: 1, bytes: 1_000_000 });
  const atOnce = await exportEvents(c2.deps, caller, {});

  // Assess
  expect(whole.parts).toBe(3);
  expect(whole.events).toEqual(await listed({}));
  expect(atOnce.cursor).toBeUndefined();
  expect(atOnce.events).toEqual(whole.events);
});

it('goes on when stopped by the bytes held, and with filters and a window', async () => {
  // Prepare
  const query = { result: 'ok' as const, from: new Date(START + 10_000).toISOString() };

  // Act
  const bySize = await exportInParts({}, { pages: 100, bytes: 1 });
  const filtered = await exportInParts(query, { pages: 1, bytes: 1_000_000 });

  // Assess
  expect(bySize.parts).toBe(3);
  expect(bySize.events.map((event) => event.target.name)).toEqual(Array.from({ length: 250 }, (_, i) => `t-${i}`));
  expect(filtered.events).toEqual(await listed(query));
  expect(filtered.events).toHaveLength(192);
});
