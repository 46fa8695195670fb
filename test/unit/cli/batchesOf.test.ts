/** The import's batches (cli/bulk/batchesOf.ts): the lines' order kept, the size and password bounds never broken. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchesOf } from '../../../cli/bulk/batchesOf.js';

const isPassword = (item: string) => item.startsWith('p');

describe('batchesOf', () => {
  it('closes a batch at the size bound, or before the password that would be one too many', () => {
    const items = ['k1', 'p1', 'p2', 'k2', 'p3', 'k3', 'k4', 'p4'];

    const batches = batchesOf(items, isPassword, { size: 4, passwords: 2 });

    expect(batches).toEqual([
      ['k1', 'p1', 'p2', 'k2'],
      ['p3', 'k3', 'k4', 'p4'],
    ]);
    expect(batchesOf(['p1', 'p2', 'p3', 'k1'], isPassword, { size: 100, passwords: 2 })).toEqual([
      ['p1', 'p2'],
      ['p3', 'k1'],
    ]);
    expect(batchesOf([], isPassword, { size: 100, passwords: 10 })).toEqual([]);
    expect(() => batchesOf(items, isPassword, { size: 0, passwords: 1 })).toThrow(RangeError);
  });

  it('keeps every item once, in order, within both bounds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { maxLength: 400 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 10 }),
        (kinds, size, passwords) => {
          const items = kinds.map((password, i) => `${password ? 'p' : 'k'}${i}`);
          const batches = batchesOf(items, isPassword, { size, passwords });
          expect(batches.flat()).toEqual(items);
          for (const batch of batches) {
            expect(batch.length).toBeGreaterThan(0);
            expect(batch.length).toBeLessThanOrEqual(size);
            expect(batch.filter(isPassword).length).toBeLessThanOrEqual(passwords);
          }
        },
      ),
    );
  });
});
