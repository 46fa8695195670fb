/** The import's worker pool (cli/bulk/forEachConcurrently.ts): its bound, its order, stopping and failures. */
import { describe, expect, it } from 'vitest';
import { forEachConcurrently } from '../../../cli/bulk/forEachConcurrently.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('forEachConcurrently', () => {
  it('runs every item, in order, never more than the bound at once', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await forEachConcurrently([...Array(20).keys()], 3, async (item) => {
      started.push(item);
      most = Math.max(most, ++running);
      await tick();
      running--;
    });
    expect(started).toEqual([...Array(20).keys()]);
    expect(most).toBe(3);
  });

  it('takes no item once stopped, and rethrows a failure after those running end', async () => {
    const done: number[] = [];
    await forEachConcurrently(
      [...Array(10).keys()],
      2,
      async (item) => {
        await tick();
        done.push(item);
      },
      () => done.length >= 4,
    );
    expect(done.length).toBeGreaterThanOrEqual(4);
    expect(done.length).toBeLessThanOrEqual(5);

    const finished: number[] = [];
    const failing = forEachConcurrently([1, 2, 3, 4, 5], 2, async (item) => {
      await tick();
      if (item === 2) throw new Error('two');
      finished.push(item);
    });
    await expect(failing).rejects.toThrow('two');
    expect(finished).toEqual([1, 3]);
  });
});
