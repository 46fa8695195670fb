import { describe, expect, it } from 'vitest';
import { newOperationId, OPERATION_ID } from '../../../shared/c2/operations/newOperationId.js';

describe('newOperationId', () => {
  it('sorts by the clock first, then by its random part, in 26 Crockford base32 characters', () => {
    // Prepare
    const at = (ms: number, fill: number) => ({ clock: () => ms, random: (n: number) => new Uint8Array(n).fill(fill) });

    // Act
    const ids = [at(0, 0), at(1, 0), at(1, 255), at(1_799_999_999_999, 7), at(2 ** 48 - 1, 255)].map(newOperationId);

    // Assess
    expect(ids[0]).toBe('0'.repeat(26));
    expect(ids[4]).toBe(`7${'Z'.repeat(25)}`);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(OPERATION_ID);
  });

  it('refuses a clock it cannot encode (RangeError)', () => {
    expect(() => newOperationId({ clock: () => -1 })).toThrow(RangeError);
    expect(() => newOperationId({ clock: () => 2 ** 48 })).toThrow(RangeError);
    expect(() => newOperationId({ clock: () => 1.5 })).toThrow(RangeError);
  });
});
