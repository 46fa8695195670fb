/**
 * Stand-alone symmetric protection under a raw key (e4go `ProtectSymKey` / `UnprotectSymKey`): what the C2 uses to
 * protect commands, and what tests use to build frames.
 */
import { type Clock, type Instant, systemClock } from '../clock.js';
import type { CryptoEngine } from '../crypto/CryptoEngine.js';
import { getDefaultEngine } from '../crypto/defaultEngine.js';
import { validateSymKey } from '../crypto/keys.js';
import { protectSymmetric, unprotectSymmetric } from './symmetricFrame.js';

export interface ProtectOptions {
  engine?: CryptoEngine;
  /** Unix seconds to stamp the frame with; defaults to the clock's current second. */
  timestamp?: number;
  clock?: Clock;
}

export interface UnprotectOptions {
  engine?: CryptoEngine;
  /** The instant to check the timestamp against; defaults to the clock's. */
  now?: Instant;
  clock?: Clock;
  futureToleranceSeconds?: number;
}

export function protectSymKey(payload: Uint8Array, key: Uint8Array, options: ProtectOptions = {}): Uint8Array {
  validateSymKey(key);
  if (!(payload instanceof Uint8Array)) throw new TypeError('protectSymKey: payload must be a Uint8Array');
  const engine = options.engine ?? getDefaultEngine();
  const timestamp = options.timestamp ?? (options.clock ?? systemClock)().seconds;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new RangeError('protectSymKey: timestamp must be a non-negative integer');
  }
  return protectSymmetric(engine.sivKey(key), payload, timestamp);
}

export function unprotectSymKey(message: Uint8Array, key: Uint8Array, options: UnprotectOptions = {}): Uint8Array {
  validateSymKey(key);
  if (!(message instanceof Uint8Array)) throw new TypeError('unprotectSymKey: message must be a Uint8Array');
  const engine = options.engine ?? getDefaultEngine();
  const now = options.now ?? (options.clock ?? systemClock)();
  return unprotectSymmetric(engine.sivKey(key), message, now, options.futureToleranceSeconds ?? 0);
}

/** Protects a command plaintext (see the command builders) under a client's command key. */
export const protectCommand = protectSymKey;
