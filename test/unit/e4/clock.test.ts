import { describe, expect, it } from 'vitest';
import {
  checkTimestamp,
  E4Error,
  E4ErrorCode,
  fixedClock,
  MAX_KEY_TRANSITION_SECONDS,
  MAX_MESSAGE_AGE_SECONDS,
  readTimestamp,
  systemClock,
  writeUint64LE,
} from '../../../shared/e4/index.js';

const NOW = 1_700_000_060;

function outcome(run: () => void): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof E4Error) return error.code;
    throw error;
  }
}

describe('checkTimestamp: e4go semantics (whole-second timestamp against a nanosecond clock)', () => {
  // [label, timestamp, now nanos, future tolerance, expected]
  const rows: Array<[string, number, number, number, string]> = [
    ['ts = now', NOW, 0, 0, 'ok'],
    ['ts = now, now has nanos', NOW, 999_999_999, 0, 'ok'],
    ['ts = now + 1 (no future tolerance at all)', NOW + 1, 0, 0, E4ErrorCode.TimestampInFuture],
    ['ts = now + 1, now at .999999999', NOW + 1, 999_999_999, 0, E4ErrorCode.TimestampInFuture],
    ['ts = now - 600, now at .000000000', NOW - 600, 0, 0, 'ok'],
    ['ts = now - 600, now at .000000001', NOW - 600, 1, 0, E4ErrorCode.TimestampTooOld],
    ['ts = now - 600, now at .5', NOW - 600, 500_000_000, 0, E4ErrorCode.TimestampTooOld],
    ['ts = now - 599, now at .999999999', NOW - 599, 999_999_999, 0, 'ok'],
    ['ts = now - 601', NOW - 601, 0, 0, E4ErrorCode.TimestampTooOld],
    ['ts = 0', 0, 0, 0, E4ErrorCode.TimestampTooOld],
    ['ts = -1 (an int64 of 2^63 or more)', -1, 0, 0, E4ErrorCode.TimestampTooOld],
    ['ts = 2^53 - 1', Number.MAX_SAFE_INTEGER, 0, 0, E4ErrorCode.TimestampInFuture],
    ['tolerance 30: ts = now + 30', NOW + 30, 0, 30, 'ok'],
    ['tolerance 30: ts = now + 30, now has nanos', NOW + 30, 700, 30, 'ok'],
    ['tolerance 30: ts = now + 31', NOW + 31, 0, 30, E4ErrorCode.TimestampInFuture],
    ['tolerance 30 does not widen the past: ts = now - 601', NOW - 601, 0, 30, E4ErrorCode.TimestampTooOld],
  ];

  for (const [label, timestamp, nanos, tolerance, expected] of rows) {
    it(`${label} -> ${expected}`, () => {
      // Prepare
      const now = { seconds: NOW, nanos };

      // Act
      const result = outcome(() => checkTimestamp(timestamp, now, MAX_MESSAGE_AGE_SECONDS, tolerance));

      // Assess
      expect(result).toBe(expected);
    });
  }

  it('uses the window it is given (3600 s for a previous topic key)', () => {
    // Prepare
    const now = { seconds: NOW, nanos: 0 };
    const later = { seconds: NOW, nanos: 1 };

    // Act + Assess
    expect(outcome(() => checkTimestamp(NOW - 3600, now, MAX_KEY_TRANSITION_SECONDS))).toBe('ok');
    expect(outcome(() => checkTimestamp(NOW - 3600, later, MAX_KEY_TRANSITION_SECONDS))).toBe(
      E4ErrorCode.TimestampTooOld,
    );
    expect(outcome(() => checkTimestamp(NOW - 3601, now, MAX_KEY_TRANSITION_SECONDS))).toBe(
      E4ErrorCode.TimestampTooOld,
    );
  });

  it("throws e4go's messages", () => {
    // Prepare
    const now = { seconds: NOW, nanos: 0 };

    // Act + Assess
    expect(() => checkTimestamp(NOW + 1, now, 600)).toThrow(
      expect.objectContaining({ name: 'E4Error', message: 'timestamp received is in the future' }),
    );
    expect(() => checkTimestamp(NOW - 601, now, 600)).toThrow(
      expect.objectContaining({ name: 'E4Error', message: 'timestamp too old' }),
    );
  });
});

describe('readTimestamp: LE64 read as a Go int64', () => {
  function le64(hex: string): Uint8Array {
    return Uint8Array.from(Buffer.from(hex, 'hex'));
  }

  it('reads ordinary values, at an offset', () => {
    // Prepare
    const bytes = new Uint8Array(12).fill(0xaa);
    writeUint64LE(bytes, 3, 1_700_000_000);

    // Act
    const value = readTimestamp(bytes, 3);

    // Assess
    expect(value).toBe(1_700_000_000);
  });

  it('reads values above 2^32 and up to 2^53 - 1 exactly', () => {
    // Act + Assess
    expect(readTimestamp(le64('0000000001000000'), 0)).toBe(2 ** 32);
    expect(readTimestamp(le64('ffffffffffff1f00'), 0)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('returns -1 (too old) for 2^63 and above, which are negative in Go', () => {
    // Prepare
    const values = ['0000000000000080', '0100000000000080', 'ffffffffffffffff', '00f1536500000080'];

    for (const hex of values) {
      // Act
      const value = readTimestamp(le64(hex), 0);

      // Assess
      expect(value).toBe(-1);
      expect(outcome(() => checkTimestamp(value, { seconds: NOW, nanos: 0 }, 600))).toBe(E4ErrorCode.TimestampTooOld);
    }
  });

  it('reads 2^63 - 1 as a (far) future value, not a negative one', () => {
    // Act
    const value = readTimestamp(le64('ffffffffffffff7f'), 0);

    // Assess
    expect(value).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(outcome(() => checkTimestamp(value, { seconds: NOW, nanos: 0 }, 600))).toBe(E4ErrorCode.TimestampInFuture);
  });
});

describe('clocks', () => {
  it('fixedClock returns the instant it was given', () => {
    // Prepare
    const clock = fixedClock(NOW, 42);

    // Act
    const instant = clock();

    // Assess
    expect(instant).toEqual({ seconds: NOW, nanos: 42 });
    expect(fixedClock(NOW)()).toEqual({ seconds: NOW, nanos: 0 });
  });

  it('systemClock returns whole seconds and a sub-second part in range, consistent with Date.now', () => {
    // Prepare
    const before = Math.floor(Date.now() / 1000);

    // Act
    const instant = systemClock();

    // Assess
    const after = Math.floor(Date.now() / 1000);
    expect(Number.isInteger(instant.seconds)).toBe(true);
    expect(instant.seconds).toBeGreaterThanOrEqual(before);
    expect(instant.seconds).toBeLessThanOrEqual(after);
    expect(Number.isInteger(instant.nanos)).toBe(true);
    expect(instant.nanos).toBeGreaterThanOrEqual(0);
    expect(instant.nanos).toBeLessThan(1e9);
  });
});
