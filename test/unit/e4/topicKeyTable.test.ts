/**
 * TopicKeyTable: the slab of topic keys, its previous-key slots and its LRU cache of AES-SIV contexts. The SIV
 * contexts are checked by what they do: a frame sealed with the table's context must equal one sealed under the
 * expected key by a fresh context.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopicKeyTable } from '../../../shared/e4/client/TopicKeyTable.js';
import {
  bytesToHex,
  type CryptoEngine,
  protectSymKey,
  protectSymmetric,
  pureEngine,
  type SivKey,
} from '../../../shared/e4/index.js';
import { nodeEngine } from '../../../shared/e4/node/index.js';

const TIMESTAMP = 1_700_000_000;
const PAYLOAD = new TextEncoder().encode('sensor reading 21.5');

const name = (i: number): string => i.toString(16).padStart(32, '0');
const keyOf = (i: number): Uint8Array => {
  const key = new Uint8Array(32);
  for (let j = 0; j < 32; j++) key[j] = (i * 31 + j * 7 + 1) & 0xff;
  key[0] = (i & 0xff) | 1; // never all zeros
  key[1] = (i >>> 8) & 0xff;
  return key;
};

/** What the SIV context encrypts to, compared with a fresh context of the expected key. */
function sealsWith(siv: SivKey | undefined, key: Uint8Array, engine: CryptoEngine): boolean {
  if (!siv) return false;
  const actual = protectSymmetric(siv, PAYLOAD, TIMESTAMP);
  const expected = protectSymKey(PAYLOAD, key, { timestamp: TIMESTAMP, engine });
  return bytesToHex(actual) === bytesToHex(expected);
}

/** The real engine, counting the SIV contexts it builds. */
function countingEngine(base: CryptoEngine): CryptoEngine & { built: string[] } {
  const built: string[] = [];
  return {
    ...base,
    built,
    sivKey: (key: Uint8Array) => {
      built.push(bytesToHex(key));
      return base.sivKey(key);
    },
  };
}

describe('TopicKeyTable: keys', () => {
  it('set / get / has / size / delete', () => {
    // Prepare
    const table = new TopicKeyTable(pureEngine);

    // Act
    table.set(name(1), keyOf(1));
    table.set(name(2), keyOf(2));
    table.delete(name(1));
    table.delete(name(99)); // absent: no effect

    // Assess
    expect(table.size).toBe(1);
    expect(table.has(name(1))).toBe(false);
    expect(table.has(name(2))).toBe(true);
    expect(table.get(name(1))).toBeUndefined();
    expect(table.get(name(2))).toEqual(keyOf(2));
  });

  it('replaces the key of a topic already present without growing', () => {
    // Prepare
    const table = new TopicKeyTable(pureEngine);
    table.set(name(1), keyOf(1));

    // Act
    table.set(name(1), keyOf(2));

    // Assess
    expect(table.size).toBe(1);
    expect(table.get(name(1))).toEqual(keyOf(2));
  });

  it('copies keys in and out: the caller cannot change a stored key', () => {
    // Prepare
    const table = new TopicKeyTable(pureEngine);
    const key = keyOf(5);
    table.set(name(5), key);

    // Act
    key.fill(0);
    table.get(name(5))!.fill(0);

    // Assess
    expect(table.get(name(5))).toEqual(keyOf(5));
  });

  it('reuses freed slots without disturbing the other keys', () => {
    // Prepare
    const table = new TopicKeyTable(pureEngine);
    for (let i = 0; i < 10; i++) table.set(name(i), keyOf(i));

    // Act
    for (const i of [2, 5, 7]) table.delete(name(i));
    for (const i of [100, 101, 102, 103]) table.set(name(i), keyOf(i));

    // Assess
    expect(table.size).toBe(11);
    for (const i of [0, 1, 3, 4, 6, 8, 9, 100, 101, 102, 103]) expect(table.get(name(i))).toEqual(keyOf(i));
    for (const i of [2, 5, 7]) expect(table.has(name(i))).toBe(false);
  });

  it('keeps every key when it grows far past its initial slab', () => {
    // Prepare
    const table = new TopicKeyTable(pureEngine);
    const count = 1000;

    // Act
    for (let i = 0; i < count; i++) table.set(name(i), keyOf(i));

    // Assess
    expect(table.size).toBe(count);
    for (let i = 0; i < count; i++) expect(table.get(name(i))).toEqual(keyOf(i));
  });

  it('clear() drops keys and previous-key slots, and the table works afterwards', () => {
    // Prepare
    const table = new TopicKeyTable(pureEngine);
    for (let i = 0; i < 40; i++) table.set(name(i), keyOf(i));
    table.setOld(name(500), new Uint8Array(40).fill(1));

    // Act
    table.clear();
    table.set(name(7), keyOf(70));

    // Assess
    expect(table.size).toBe(1);
    expect(table.getOld(name(500))).toBeUndefined();
    expect(table.siv(name(1))).toBeUndefined();
    expect(table.entries()).toEqual([[name(7), keyOf(70)]]);
  });

  it('behaves as a map under any sequence of operations (model check)', () => {
    type Op =
      | { op: 'set'; topic: number; key: number }
      | { op: 'delete'; topic: number }
      | { op: 'setOld'; topic: number; key: number }
      | { op: 'deleteOld'; topic: number }
      | { op: 'clear' };
    const topic = fc.integer({ min: 0, max: 40 });
    const key = fc.integer({ min: 0, max: 1000 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), topic, key }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), topic }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('setOld' as const), topic, key }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteOld' as const), topic }) },
      { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
    );
    const oldName = (i: number) => `f${name(i).slice(1)}`;
    const oldValue = (k: number) => new Uint8Array([...keyOf(k), 1, 2, 3, 4, 5, 6, 7, 8]);

    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.integer({ min: 1, max: 4 }), (ops, cacheSize) => {
        // Prepare
        const table = new TopicKeyTable(pureEngine, cacheSize);
        const keys = new Map<string, Uint8Array>();
        const olds = new Map<string, Uint8Array>();

        // Act
        for (const step of ops) {
          if (step.op === 'set') {
            table.set(name(step.topic), keyOf(step.key));
            keys.set(name(step.topic), keyOf(step.key));
            table.siv(name(step.topic)); // populate the cache as the client does
          } else if (step.op === 'delete') {
            table.delete(name(step.topic));
            keys.delete(name(step.topic));
          } else if (step.op === 'setOld') {
            table.setOld(oldName(step.topic), oldValue(step.key));
            olds.set(oldName(step.topic), oldValue(step.key));
          } else if (step.op === 'deleteOld') {
            table.deleteOld(oldName(step.topic));
            olds.delete(oldName(step.topic));
          } else {
            table.clear();
            keys.clear();
            olds.clear();
          }
        }

        // Assess
        expect(table.size).toBe(keys.size);
        for (const [topicName, value] of keys) {
          expect(table.get(topicName)).toEqual(value);
          expect(sealsWith(table.siv(topicName), value, pureEngine)).toBe(true);
        }
        const expected = [...keys, ...olds].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        expect(table.entries()).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});

describe('TopicKeyTable: previous-key slots', () => {
  it('are kept apart: not counted in size, not reported by has/get', () => {
    // Prepare
    const table = new TopicKeyTable(pureEngine);
    const slot = new Uint8Array(40).fill(4);

    // Act
    table.setOld(name(9), slot);

    // Assess
    expect(table.size).toBe(0);
    expect(table.has(name(9))).toBe(false);
    expect(table.get(name(9))).toBeUndefined();
    expect(table.getOld(name(9))).toEqual(new Uint8Array(40).fill(4));
  });

  it('setOld replaces an earlier slot, and deleteOld removes it', () => {
    // Prepare
    const table = new TopicKeyTable(pureEngine);
    table.setOld(name(9), new Uint8Array(40).fill(1));

    // Act
    table.setOld(name(9), new Uint8Array(40).fill(2));
    const replaced = table.getOld(name(9))?.slice(); // getOld returns the stored copy, which deleteOld wipes
    table.deleteOld(name(9));

    // Assess
    expect(replaced).toEqual(new Uint8Array(40).fill(2));
    expect(table.getOld(name(9))).toBeUndefined();
  });

  it('oldSiv(): a cached context of the previous key, rebuilt when the slot changes, gone when it is deleted', () => {
    // Prepare
    const engine = countingEngine(pureEngine);
    const table = new TopicKeyTable(engine);
    const slotValue = (key: Uint8Array) => {
      const value = new Uint8Array(40);
      value.set(key);
      return value;
    };
    table.setOld(name(9), slotValue(keyOf(1)));

    // Act
    const first = table.oldSiv(name(9));
    const again = table.oldSiv(name(9));
    table.setOld(name(9), slotValue(keyOf(2)));
    const replaced = table.oldSiv(name(9));
    table.deleteOld(name(9));

    // Assess
    expect(sealsWith(first, keyOf(1), pureEngine)).toBe(true);
    expect(again).toBe(first);
    expect(sealsWith(replaced, keyOf(2), pureEngine)).toBe(true);
    expect(engine.built).toHaveLength(2);
    expect(table.oldSiv(name(9))).toBeUndefined();
    // The current key of the same name is a different cache entry.
    table.set(name(9), keyOf(3));
    expect(sealsWith(table.siv(name(9)), keyOf(3), pureEngine)).toBe(true);
  });

  it('entries() merges keys and slots in one list sorted by hex name', () => {
    // Prepare
    const table = new TopicKeyTable(pureEngine);
    table.set('c0000000000000000000000000000000', keyOf(3));
    table.setOld('b0000000000000000000000000000000', new Uint8Array(40).fill(2));
    table.set('a0000000000000000000000000000000', keyOf(1));
    table.setOld('d0000000000000000000000000000000', new Uint8Array(40).fill(4));
    table.set('00000000000000000000000000000001', keyOf(0));

    // Act
    const entries = table.entries();

    // Assess
    expect(entries.map(([n]) => n)).toEqual([
      '00000000000000000000000000000001',
      'a0000000000000000000000000000000',
      'b0000000000000000000000000000000',
      'c0000000000000000000000000000000',
      'd0000000000000000000000000000000',
    ]);
    expect(entries[2]![1]).toEqual(new Uint8Array(40).fill(2));
    expect(entries[3]![1]).toEqual(keyOf(3));
  });

  it('entries() returns copies', () => {
    // Prepare
    const table = new TopicKeyTable(pureEngine);
    table.set(name(1), keyOf(1));
    table.setOld(name(2), new Uint8Array(40).fill(2));

    // Act
    for (const [, value] of table.entries()) value.fill(0);

    // Assess
    expect(table.get(name(1))).toEqual(keyOf(1));
    expect(table.getOld(name(2))).toEqual(new Uint8Array(40).fill(2));
  });
});

for (const engine of [pureEngine, nodeEngine]) {
  describe(`TopicKeyTable: SIV contexts (${engine.name} engine)`, () => {
    it('siv() encrypts with the key of the topic, and is undefined for an unknown topic', () => {
      // Prepare
      const table = new TopicKeyTable(engine);
      table.set(name(1), keyOf(1));
      table.set(name(2), keyOf(2));

      // Act
      const one = table.siv(name(1));
      const two = table.siv(name(2));

      // Assess
      expect(sealsWith(one, keyOf(1), engine)).toBe(true);
      expect(sealsWith(two, keyOf(2), engine)).toBe(true);
      expect(table.siv(name(3))).toBeUndefined();
    });

    it('drops a cached context when the key changes: after set(k2), siv() encrypts with k2', () => {
      // Prepare
      const table = new TopicKeyTable(engine);
      table.set(name(1), keyOf(1));
      const before = table.siv(name(1));

      // Act
      table.set(name(1), keyOf(2));
      const after = table.siv(name(1));

      // Assess
      expect(sealsWith(before, keyOf(1), engine)).toBe(true);
      expect(sealsWith(after, keyOf(2), engine)).toBe(true);
    });

    it('drops a cached context when the topic is deleted and its slot reused by another topic', () => {
      // Prepare
      const table = new TopicKeyTable(engine);
      table.set(name(1), keyOf(1));
      table.siv(name(1));

      // Act
      table.delete(name(1));
      table.set(name(2), keyOf(2)); // takes the freed slot
      table.set(name(1), keyOf(3));

      // Assess
      expect(sealsWith(table.siv(name(2)), keyOf(2), engine)).toBe(true);
      expect(sealsWith(table.siv(name(1)), keyOf(3), engine)).toBe(true);
    });

    it('a context cached before the slab grew still encrypts with its key afterwards', () => {
      // Prepare
      const table = new TopicKeyTable(engine);
      table.set(name(0), keyOf(0));
      const cached = table.siv(name(0));

      // Act
      for (let i = 1; i < 100; i++) table.set(name(i), keyOf(i));
      const again = table.siv(name(0));

      // Assess
      expect(again).toBe(cached);
      expect(sealsWith(again, keyOf(0), engine)).toBe(true);
      expect(sealsWith(table.siv(name(99)), keyOf(99), engine)).toBe(true);
    });

    it('with a cache of 2, stays correct across many topics and evicts the least recently used', () => {
      // Prepare
      const counting = countingEngine(engine);
      const table = new TopicKeyTable(counting, 2);
      for (let i = 0; i < 50; i++) table.set(name(i), keyOf(i));

      // Act
      table.siv(name(0)); // builds 0         cache [0]
      table.siv(name(1)); // builds 1         cache [0, 1]
      table.siv(name(0)); // hit              cache [1, 0]
      table.siv(name(2)); // builds 2, evicts 1 -> [0, 2]
      table.siv(name(0)); // hit              cache [2, 0]
      table.siv(name(1)); // builds 1, evicts 2 -> [0, 1]
      const builtInSequence = counting.built.length;
      let allCorrect = true;
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 50; i++) allCorrect &&= sealsWith(table.siv(name(i)), keyOf(i), engine);
      }

      // Assess
      expect(builtInSequence).toBe(4);
      expect(counting.built.slice(0, 4)).toEqual([keyOf(0), keyOf(1), keyOf(2), keyOf(1)].map(bytesToHex));
      expect(allCorrect).toBe(true);
    });
  });
}
