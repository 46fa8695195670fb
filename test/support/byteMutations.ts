/**
 * Byte-level mutations for the fuzz suites: bit flips, truncation, extension and overwrites of a valid input, as
 * data (so that fast-check prints and shrinks them) applied by {@link mutate}.
 */
import fc from 'fast-check';

export type Mutation =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'truncate'; readonly to: number }
  | { readonly op: 'extend'; readonly tail: Uint8Array }
  | { readonly op: 'overwrite'; readonly at: number; readonly data: Uint8Array };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), to: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('extend' as const),
      tail: fc.uint8Array({ minLength: 1, maxLength: 64, size: 'max' }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('overwrite' as const),
      at: fc.nat(),
      data: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    }),
  },
);

export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.array(mutationArb, { minLength: 1, maxLength: 3 });

/** Applies the mutations in order; positions are taken modulo the current length. Returns a new array. */
export function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = input.slice();
  for (const m of mutations) {
    switch (m.op) {
      case 'flip':
        if (out.length > 0) out[m.at % out.length]! ^= 1 << m.bit;
        break;
      case 'truncate':
        if (out.length > 0) out = out.slice(0, m.to % out.length);
        break;
      case 'extend': {
        const longer = new Uint8Array(out.length + m.tail.length);
        longer.set(out);
        longer.set(m.tail, out.length);
        out = longer;
        break;
      }
      case 'overwrite':
        if (out.length > 0) {
          const at = m.at % out.length;
          out.set(m.data.subarray(0, out.length - at), at);
        }
        break;
    }
  }
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
