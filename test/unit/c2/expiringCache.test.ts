/** expiringCache: a value loaded once per key per TTL (by the clock), failures not kept, a bounded number of keys. */
import { expect, it } from 'vitest';
import { expiringCache } from '../../../shared/c2/expiringCache.js';

it('loads a key once until the TTL has passed, then again', async () => {
  // Prepare
  let now = 0;
  let loads = 0;
  const cached = expiringCache<number>({ ttlMs: 1_000, clock: () => now });
  const load = async () => ++loads;

  // Act
  const first = await cached('a', load);
  now = 999;
  const within = await cached('a', load);
  now = 1_000;
  const after = await cached('a', load);

  // Assess
  expect([first, within, after]).toEqual([1, 1, 2]);
});

it('does not keep a load that failed', async () => {
  const cached = expiringCache<string>({ ttlMs: 1_000, clock: () => 0 });
  await expect(cached('a', async () => Promise.reject(new Error('down')))).rejects.toThrow('down');
  expect(await cached('a', async () => 'up')).toBe('up');
});

it('keeps at most maxEntries keys, dropping the oldest', async () => {
  // Prepare
  let loads = 0;
  const cached = expiringCache<number>({ ttlMs: 1_000, clock: () => 0, maxEntries: 2 });
  const load = async () => ++loads;
  await cached('a', load);
  await cached('b', load);

  // Act
  await cached('c', load);
  const b = await cached('b', load);
  const a = await cached('a', load);

  // Assess
  expect([b, a, loads]).toEqual([2, 4, 4]);
});
