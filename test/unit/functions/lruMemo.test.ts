import { describe, expect, it } from 'vitest';
import { lruMemo } from '../../../functions/lruMemo.js';

describe('lruMemo', () => {
  it('makes a value once per key, keeps the most recently used, and tells of each one dropped', () => {
    // Prepare
    const made: string[] = [];
    const dropped: string[] = [];
    const memo = lruMemo(
      2,
      (key) => {
        made.push(key);
        return { key };
      },
      (value) => dropped.push(value.key),
    );

    // Act
    const a = memo('a');
    memo('b');
    const again = memo('a'); // a is now the most recently used
    memo('c'); // drops b
    memo('b'); // made again, drops a

    // Assess
    expect(again).toBe(a);
    expect(made).toEqual(['a', 'b', 'c', 'b']);
    expect(dropped).toEqual(['b', 'a']);
  });

  it('keeps nothing of a make that threw', () => {
    let calls = 0;
    const memo = lruMemo(2, (key) => {
      calls++;
      if (key === 'bad') throw new TypeError('bad key');
      return key;
    });
    expect(() => memo('bad')).toThrow('bad key');
    expect(() => memo('bad')).toThrow('bad key');
    expect(calls).toBe(2);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => lruMemo(0, (key) => key)).toThrow(RangeError);
  });
});
