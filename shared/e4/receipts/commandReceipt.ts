/**
 * Command receipts, an e4c2 extension of E4 (docs/protocol.md, section 11): once a device applied a command and saved
 * its state, it tells the C2 so on `e4/<hex id>/receipt`, naming the command by its hash. The plaintext is one version
 * byte (1) ‖ SHA3-256(the protected command frame, as received)[0:16], protected like a command (symmetric framing
 * under the device's command key, timestamp as associated data), so that only a holder of that key can confirm a
 * command, inside E4's time window. e4go devices send none, and the C2 needs none from them.
 */
import { CONTROL_TOPIC_PREFIX, HASH_LEN, SYMMETRIC_OVERHEAD } from '../constants.js';
import type { CryptoEngine } from '../crypto/CryptoEngine.js';
import { getDefaultEngine } from '../crypto/defaultEngine.js';
import { topicForId } from '../crypto/hash.js';
import { E4Error, E4ErrorCode } from '../errors.js';
import {
  type ProtectOptions,
  protectSymKey,
  type UnprotectOptions,
  unprotectSymKey,
} from '../framing/protectWithKey.js';

/** The only version of the receipt plaintext so far. */
export const RECEIPT_VERSION = 1;
/** Bytes of the command hash a receipt carries. */
export const COMMAND_HASH_LEN = HASH_LEN;
/** Bytes of a version 1 receipt plaintext. */
export const RECEIPT_LEN = 1 + COMMAND_HASH_LEN;
/** Bytes of a protected version 1 receipt (timestamp, SIV tag, plaintext). */
export const PROTECTED_RECEIPT_LEN = SYMMETRIC_OVERHEAD + RECEIPT_LEN;
export const RECEIPT_TOPIC_SUFFIX = '/receipt';

/** What a C2 can match to a subscription: `e4/+/receipt`. */
export const RECEIPT_TOPIC_FILTER = `${CONTROL_TOPIC_PREFIX}+${RECEIPT_TOPIC_SUFFIX}`;

/** The topic a device publishes its receipts on: `e4/<lowercase hex id>/receipt` (whatever its control topic). */
export function receiptTopic(id: Uint8Array): string {
  if (!(id instanceof Uint8Array)) throw new TypeError('receiptTopic: id must be a Uint8Array');
  return topicForId(id) + RECEIPT_TOPIC_SUFFIX;
}

/** The hash that names a command: SHA3-256 of its protected frame, exactly as sent and received, first 16 bytes. */
export function commandHash(frame: Uint8Array, engine: CryptoEngine = getDefaultEngine()): Uint8Array {
  if (!(frame instanceof Uint8Array)) throw new TypeError('commandHash: frame must be a Uint8Array');
  return engine.sha3(frame).slice(0, COMMAND_HASH_LEN);
}

/** The plaintext of a receipt: version ‖ command hash. */
export function encodeReceipt(hash: Uint8Array): Uint8Array {
  if (!(hash instanceof Uint8Array) || hash.length !== COMMAND_HASH_LEN) {
    throw new RangeError(`encodeReceipt: a command hash is ${COMMAND_HASH_LEN} bytes`);
  }
  const out = new Uint8Array(RECEIPT_LEN);
  out[0] = RECEIPT_VERSION;
  out.set(hash, 1);
  return out;
}

/** The command hash of a receipt plaintext; INVALID_RECEIPT for another version or length. */
export function decodeReceipt(plaintext: Uint8Array): Uint8Array {
  if (!(plaintext instanceof Uint8Array)) throw new TypeError('decodeReceipt: plaintext must be a Uint8Array');
  if (plaintext[0] !== RECEIPT_VERSION) {
    throw new E4Error(E4ErrorCode.InvalidReceipt, `unsupported receipt version ${plaintext[0] ?? '(empty)'}`);
  }
  if (plaintext.length !== RECEIPT_LEN) throw new E4Error(E4ErrorCode.InvalidReceipt, 'invalid receipt length');
  return plaintext.slice(1);
}

/** A receipt for the command of hash `hash`, protected under the device's command key `key`. */
export function protectReceipt(hash: Uint8Array, key: Uint8Array, options: ProtectOptions = {}): Uint8Array {
  return protectSymKey(encodeReceipt(hash), key, options);
}

/**
 * The command hash of a protected receipt, opened with the command key `key` (what a C2 does): the E4Errors of a
 * command (CIPHERTEXT_TOO_SHORT, TIMESTAMP_TOO_OLD, TIMESTAMP_IN_FUTURE, AUTHENTICATION_FAILED) or INVALID_RECEIPT.
 */
export function unprotectReceipt(message: Uint8Array, key: Uint8Array, options: UnprotectOptions = {}): Uint8Array {
  return decodeReceipt(unprotectSymKey(message, key, options));
}
