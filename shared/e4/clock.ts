/**
 * Time as E4 needs it. e4go compares timestamps (whole seconds) against a nanosecond clock, so a message exactly
 * at the edge of its window is valid only when the sub-second part of "now" is zero. A millisecond double cannot
 * express that at today's epoch, so an instant is whole seconds plus nanoseconds.
 */
import { E4Error, E4ErrorCode } from './errors.js';

export interface Instant {
  /** Whole Unix seconds. */
  readonly seconds: number;
  /** Sub-second part, 0 <= nanos < 1e9. */
  readonly nanos: number;
}

/** Returns the current instant; inject one to test or to replay recorded traffic. */
export type Clock = () => Instant;

export const systemClock: Clock = () => {
  const ms = Date.now();
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
};

/** A clock frozen at the given instant (seconds, plus optional nanoseconds). */
export function fixedClock(seconds: number, nanos = 0): Clock {
  const instant = { seconds, nanos };
  return () => instant;
}

const TWO_POW_32 = 0x1_0000_0000;

/**
 * Reads the 8-byte little-endian timestamp at `offset` as e4go does: an int64 of Unix seconds. Values of 2^63 and
 * above are negative in Go (hence "too old"); they are returned as -1.
 */
export function readTimestamp(bytes: Uint8Array, offset: number): number {
  const lo =
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
  const hi =
    (bytes[offset + 4]! | (bytes[offset + 5]! << 8) | (bytes[offset + 6]! << 16) | (bytes[offset + 7]! << 24)) >>> 0;
  if (hi >= 0x8000_0000) return -1;
  return hi * TWO_POW_32 + lo;
}

/**
 * Checks that `timestamp` (whole seconds) lies in [now - maxAgeSeconds, now + futureToleranceSeconds], with e4go's
 * nanosecond semantics at both edges. Throws {@link E4Error} TIMESTAMP_IN_FUTURE or TIMESTAMP_TOO_OLD.
 */
export function checkTimestamp(
  timestamp: number,
  now: Instant,
  maxAgeSeconds: number,
  futureToleranceSeconds = 0,
): void {
  if (timestamp > now.seconds + futureToleranceSeconds) {
    throw new E4Error(E4ErrorCode.TimestampInFuture, 'timestamp received is in the future');
  }
  const oldest = now.seconds - maxAgeSeconds;
  if (timestamp < oldest || (timestamp === oldest && now.nanos > 0)) {
    throw new E4Error(E4ErrorCode.TimestampTooOld, 'timestamp too old');
  }
}
