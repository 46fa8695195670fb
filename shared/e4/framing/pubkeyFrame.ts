/**
 * Public-key framing of messages (docs/protocol.md, section 4): timestamp (8) ‖ signer id (16) ‖ SIV tag (16) ‖ ciphertext ‖
 * Ed25519 signature (64) over everything before it. The AES-SIV associated data is the timestamp only.
 */
import { bytesToHex, writeUint64LE } from '../bytes.js';
import { checkTimestamp, type Instant, readTimestamp } from '../clock.js';
import {
  ED25519_SIGNATURE_LEN,
  ID_LEN,
  MAX_MESSAGE_AGE_SECONDS,
  PUBKEY_OVERHEAD,
  TIMESTAMP_LEN,
} from '../constants.js';
import type { CryptoEngine, SivKey } from '../crypto/CryptoEngine.js';
import { E4Error, E4ErrorCode } from '../errors.js';
import { allocateFrame } from './allocateFrame.js';

const SIV_OFFSET = TIMESTAMP_LEN + ID_LEN;
/** Shortest frame e4go does not reject with "invalid length of protected message": timestamp ‖ signature. */
const MIN_LEN_CHECKED_BY_E4GO = TIMESTAMP_LEN + ED25519_SIGNATURE_LEN;

export function protectPubKey(
  siv: SivKey,
  engine: CryptoEngine,
  payload: Uint8Array,
  timestamp: number,
  signerId: Uint8Array,
  privateKey: Uint8Array,
): Uint8Array {
  const signedLength = SIV_OFFSET + 16 + payload.length;
  const out = allocateFrame(signedLength + ED25519_SIGNATURE_LEN);
  writeUint64LE(out, 0, timestamp);
  out.set(signerId, TIMESTAMP_LEN);
  siv.sealInto(out.subarray(0, TIMESTAMP_LEN), payload, out, SIV_OFFSET);
  out.set(engine.sign(privateKey, out.subarray(0, signedLength)), signedLength);
  return out;
}

/**
 * Checks everything but the decryption: length, timestamp, signer, signature. e4go rejects frames of up to 72
 * bytes as "invalid length"; frames of 73..103 bytes cannot hold a SIV tag, and are refused here as "ciphertext too
 * short" before any crypto (e4go reaches the same error after the signature check, or panics below 88 bytes).
 */
export function checkPubKeyFrame(
  engine: CryptoEngine,
  message: Uint8Array,
  now: Instant,
  futureToleranceSeconds: number,
  signerKey: (idHex: string) => Uint8Array | undefined,
): void {
  if (message.length <= MIN_LEN_CHECKED_BY_E4GO) {
    throw new E4Error(E4ErrorCode.InvalidProtectedLength, 'invalid length of protected message');
  }
  checkTimestamp(readTimestamp(message, 0), now, MAX_MESSAGE_AGE_SECONDS, futureToleranceSeconds);
  if (message.length < PUBKEY_OVERHEAD) {
    throw new E4Error(E4ErrorCode.CiphertextTooShort, 'ciphertext too short');
  }
  const publicKey = signerKey(bytesToHex(message.subarray(TIMESTAMP_LEN, SIV_OFFSET)));
  if (!publicKey) throw new E4Error(E4ErrorCode.SignerUnknown, 'signer public key not found');
  const signedLength = message.length - ED25519_SIGNATURE_LEN;
  if (!engine.verify(publicKey, message.subarray(0, signedLength), message.subarray(signedLength))) {
    throw new E4Error(E4ErrorCode.InvalidSignature, 'invalid signature');
  }
}

/** Decrypts a checked frame; AUTHENTICATION_FAILED when the topic key is wrong or the bytes were changed. */
export function openPubKeyFrame(siv: SivKey, message: Uint8Array): Uint8Array {
  const payload = siv.open(
    message.subarray(0, TIMESTAMP_LEN),
    message.subarray(SIV_OFFSET, message.length - ED25519_SIGNATURE_LEN),
  );
  if (!payload) throw new E4Error(E4ErrorCode.AuthenticationFailed, 'siv: authentication failed');
  return payload;
}

/** The signer id of a public-key frame (the first 24 bytes must be present). */
export function signerIdOf(message: Uint8Array): Uint8Array {
  return message.subarray(TIMESTAMP_LEN, SIV_OFFSET);
}
