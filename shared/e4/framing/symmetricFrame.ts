/**
 * Symmetric-key framing (docs/protocol.md, section 4), used for messages in symmetric mode and for commands in both
 * modes: timestamp (8, LE) ‖ SIV tag (16) ‖ ciphertext, with the timestamp as the only associated-data item.
 */

import { writeUint64LE } from '../bytes.js';
import { checkTimestamp, type Instant, readTimestamp } from '../clock.js';
import { MAX_MESSAGE_AGE_SECONDS, SYMMETRIC_OVERHEAD, TIMESTAMP_LEN } from '../constants.js';
import type { SivKey } from '../crypto/CryptoEngine.js';
import { E4Error, E4ErrorCode } from '../errors.js';
import { allocateFrame } from './allocateFrame.js';

export function protectSymmetric(siv: SivKey, payload: Uint8Array, timestamp: number): Uint8Array {
  const out = allocateFrame(SYMMETRIC_OVERHEAD + payload.length);
  writeUint64LE(out, 0, timestamp);
  siv.sealInto(out.subarray(0, TIMESTAMP_LEN), payload, out, TIMESTAMP_LEN);
  return out;
}

/**
 * Checks length and timestamp (before any decryption, as e4go does). Like e4go, a frame of 24 bytes or less (an
 * empty payload) is refused.
 */
export function checkSymmetricFrame(message: Uint8Array, now: Instant, futureToleranceSeconds: number): void {
  if (message.length <= SYMMETRIC_OVERHEAD) {
    throw new E4Error(E4ErrorCode.CiphertextTooShort, 'ciphertext too short');
  }
  checkTimestamp(readTimestamp(message, 0), now, MAX_MESSAGE_AGE_SECONDS, futureToleranceSeconds);
}

/** Decrypts a checked frame; AUTHENTICATION_FAILED when the key is wrong or the bytes were changed. */
export function openSymmetricFrame(siv: SivKey, message: Uint8Array): Uint8Array {
  const payload = siv.open(message.subarray(0, TIMESTAMP_LEN), message.subarray(TIMESTAMP_LEN));
  if (!payload) throw new E4Error(E4ErrorCode.AuthenticationFailed, 'siv: authentication failed');
  return payload;
}

export function unprotectSymmetric(
  siv: SivKey,
  message: Uint8Array,
  now: Instant,
  futureToleranceSeconds = 0,
): Uint8Array {
  checkSymmetricFrame(message, now, futureToleranceSeconds);
  return openSymmetricFrame(siv, message);
}
