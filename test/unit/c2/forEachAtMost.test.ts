import { describe, expect, it } from 'vitest';
import { forEachAtMost } from '../../../shared/c2/forEachAtMost.js';

describe('forEachAtMost', () => {
  it.each([
    [1, 5],
    [3, 10],
    [4, 2],
    [0, 3],
  ])('limit %i over %i items: every item once, never more than the limit at once', async (limit, count) => {
    // Prepare: tasks that finish in a shuffled order
    const items = Array.from({ length: count }, (_, i) => i);
    const seen: number[] = [];
    let inFlight = 0;
    let most = 0;
    // Act
    await forEachAtMost(limit, items, async (item) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, (item * 7) % 5));
      seen.push(item);
      inFlight--;
    });
    // Assess
    expect(seen.sort((a, b) => a - b)).toEqual(items);
    expect(most).toBe(Math.min(Math.max(1, limit), count));
  });

  it('does nothing for no item', async () => {
    let calls = 0;
    await forEachAtMost(4, [], async () => {
      calls++;
    });
    expect(calls).toBe(0);
  });

  it('on a failure takes no further item and settles every running task before it rejects with the first error', async () => {
    // Prepare: the 3rd item fails at once while the others are slow
    const items = Array.from({ length: 20 }, (_, i) => i);
    const started: number[] = [];
    let running = 0;
    // Act
    const outcome = forEachAtMost(4, items, async (item) => {
      started.push(item);
      if (item === 2) throw new Error('first');
      if (item === 3) throw new Error('second');
      running++;
      await new Promise((resolve) => setTimeout(resolve, 30));
      running--;
    });
    // Assess
    await expect(outcome).rejects.toThrow('first');
    expect(running).toBe(0);
    expect(started.sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
  });
});
