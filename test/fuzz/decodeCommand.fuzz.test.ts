/**
 * Fuzzing of decodeCommand on random bytes: mostly a known opcode with a length at or near a valid one (so that
 * decoding gets past the first checks), also any opcode and length, and views into larger buffers. It returns a
 * command or throws an E4Error INVALID_COMMAND (empty, unknown opcode) or INVALID_COMMAND_LENGTH; what it returns
 * re-encodes to the same bytes and does not alias the input.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodeCommand, E4ErrorCode, encodeCommand } from '../../shared/e4/node/index.js';
import { sameBytes } from '../support/byteMutations.js';
import { fuzzRuns, fuzzTimeout, outcome } from '../support/fuzzRuns.js';

/** Argument lengths of the eight commands: 16, 0, 32 or 64, 48, 16, 0, 48, 32. */
const VALID_LENGTHS: readonly (readonly number[])[] = [[16], [0], [32, 64], [48], [16], [0], [48], [32]];

const argLengthArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, 16, 32, 48, 64) },
  { weight: 2, arbitrary: fc.constantFrom(1, 15, 17, 31, 33, 47, 49, 63, 65) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 300 }) },
);
const opcodeArb = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 7 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
);

/** A plaintext, passed as a view into a larger buffer (offsets at odd places) or as its own array. */
const inputArb = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(opcodeArb, argLengthArb)
      .chain(([opcode, length]) =>
        fc.uint8Array({ minLength: length, maxLength: length }).map((args) => Uint8Array.of(opcode, ...args)),
      ),
  },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 100, size: 'max' }) },
);
const viewArb = fc.record({
  plaintext: inputArb,
  before: fc.uint8Array({ maxLength: 7 }),
  after: fc.uint8Array({ maxLength: 7 }),
});

describe('fuzz: decodeCommand', () => {
  const runs = fuzzRuns();
  it(
    `returns a command that re-encodes to the input, or throws an E4Error with the right code (${runs} runs)`,
    () => {
      fc.assert(
        fc.property(viewArb, ({ plaintext, before, after }) => {
          // Prepare
          const buffer = Uint8Array.from([...before, ...plaintext, ...after]);
          const view = buffer.subarray(before.length, before.length + plaintext.length);

          // Act
          const result = outcome(() => decodeCommand(view));

          // Assess
          const opcode = plaintext[0];
          const lengths = opcode === undefined ? undefined : VALID_LENGTHS[opcode];
          if (!result.ok) {
            const expected = lengths === undefined ? E4ErrorCode.InvalidCommand : E4ErrorCode.InvalidCommandLength;
            assert.equal(result.error.code, expected);
            return;
          }
          assert.ok(lengths?.includes(plaintext.length - 1), 'decoded a plaintext of the wrong length');
          assert.ok(sameBytes(encodeCommand(result.value), plaintext), 'does not re-encode to the input');
          // The command holds copies: clearing the input changes nothing.
          buffer.fill(0);
          assert.ok(sameBytes(encodeCommand(result.value), plaintext), 'the command aliases the input');
        }),
        { numRuns: runs },
      );
    },
    fuzzTimeout(runs, 0.05),
  );
});
