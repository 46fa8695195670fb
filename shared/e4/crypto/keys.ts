/**
 * Key validation, random keys and IDs, Ed25519/X25519 conversions (docs/protocol.md, section 2) and password
 * derivation (2.3). Validation failures are {@link E4Error} INVALID_KEY with e4go's wording; no message carries key
 * bytes.
 */
import { ED25519_TORSION_SUBGROUP, ed25519, x25519 } from '@noble/curves/ed25519.js';
import { hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import { equalBytes, isAllZero, isWellFormedString, utf8 } from '../bytes.js';
import {
  CURVE25519_KEY_LEN,
  ED25519_PRIVATE_KEY_LEN,
  ED25519_PUBLIC_KEY_LEN,
  ID_LEN,
  KEY_LEN,
  PASSWORD_MIN_LEN,
} from '../constants.js';
import { E4Error, E4ErrorCode } from '../errors.js';
import { e4Argon2i } from './argon2i.js';
import type { CryptoEngine } from './CryptoEngine.js';

function invalidKey(message: string): E4Error {
  return new E4Error(E4ErrorCode.InvalidKey, message);
}

function checkBytes(value: unknown, what: string): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new TypeError(`invalid ${what}: expected a Uint8Array`);
}

const SMALL_ORDER = ED25519_TORSION_SUBGROUP.map((h) => hexToBytes(h));

/**
 * True for the canonical encodings of the 8 points of small order. Such a public key lets anyone forge signatures
 * that verify (for the identity point, any S = r with R = rB verifies).
 */
export function isSmallOrderEncoding(publicKey: Uint8Array): boolean {
  return SMALL_ORDER.some((point) => equalBytes(point, publicKey));
}

/** A 32-byte symmetric key, not all zeros. */
export function validateSymKey(key: unknown): asserts key is Uint8Array {
  checkBytes(key, 'symmetric key');
  if (key.length !== KEY_LEN) throw invalidKey(`invalid symmetric key length, got ${key.length}, expected ${KEY_LEN}`);
  if (isAllZero(key)) throw invalidKey('invalid symmetric key, all zeros');
}

/**
 * A 64-byte Ed25519 private key in Go's format (seed ‖ public key), not all zeros, whose public half is the public
 * key of its seed (e4go does not check the last point; a mismatched key would sign differently in Go and here).
 */
export function validateEd25519PrivateKey(key: unknown): asserts key is Uint8Array {
  checkBytes(key, 'ed25519 private key');
  if (key.length !== ED25519_PRIVATE_KEY_LEN) {
    throw invalidKey(`invalid ed25519 private key length, got ${key.length}, expected ${ED25519_PRIVATE_KEY_LEN}`);
  }
  if (isAllZero(key)) throw invalidKey('invalid ed25519 private key, all zeros');
  if (!equalBytes(ed25519.getPublicKey(key.subarray(0, 32)), key.subarray(32))) {
    throw invalidKey('invalid ed25519 private key, public half does not match the seed');
  }
}

/** A 32-byte Ed25519 public key, not all zeros, that decodes (strictly) to a curve point of large order. */
export function validateEd25519PublicKey(key: unknown): asserts key is Uint8Array {
  checkBytes(key, 'ed25519 public key');
  if (key.length !== ED25519_PUBLIC_KEY_LEN) {
    throw invalidKey(`invalid ed25519 public key length, got ${key.length}, expected ${ED25519_PUBLIC_KEY_LEN}`);
  }
  if (isAllZero(key)) throw invalidKey('invalid ed25519 public key, all zeros');
  if (!ed25519.utils.isValidPublicKey(key, false)) throw invalidKey('invalid ed25519 public key, not a curve point');
  if (ed25519.Point.fromBytes(key, false).isSmallOrder()) throw invalidKey('invalid ed25519 public key, small order');
}

/** A 32-byte Curve25519 key (public or private), not all zeros. */
export function validateCurve25519Key(key: unknown, what = 'curve25519 key'): asserts key is Uint8Array {
  checkBytes(key, what);
  if (key.length !== CURVE25519_KEY_LEN) {
    throw invalidKey(`invalid ${what} length, got ${key.length}, expected ${CURVE25519_KEY_LEN}`);
  }
  if (isAllZero(key)) throw invalidKey(`invalid ${what}, all zeros`);
}

/** A 16-byte identifier. */
export function validateId(id: unknown): asserts id is Uint8Array {
  if (!(id instanceof Uint8Array) || id.length !== ID_LEN) {
    throw new E4Error(
      E4ErrorCode.InvalidId,
      `invalid id length, got ${id instanceof Uint8Array ? id.length : typeof id}, expected ${ID_LEN}`,
    );
  }
}

export function randomKey(): Uint8Array {
  return randomBytes(KEY_LEN);
}

export function randomId(): Uint8Array {
  return randomBytes(ID_LEN);
}

/** A new Ed25519 key pair; the private key in Go's 64-byte format. */
export function randomEd25519KeyPair(): { privateKey: Uint8Array; publicKey: Uint8Array } {
  return ed25519PrivateKeyFromSeed(randomBytes(32));
}

/** Go-format Ed25519 private key (seed ‖ public) and public key from a 32-byte seed. */
export function ed25519PrivateKeyFromSeed(seed: Uint8Array): { privateKey: Uint8Array; publicKey: Uint8Array } {
  const publicKey = ed25519.getPublicKey(seed);
  const privateKey = new Uint8Array(ED25519_PRIVATE_KEY_LEN);
  privateKey.set(seed);
  privateKey.set(publicKey, 32);
  return { privateKey, publicKey };
}

/** The X25519 private key of an Ed25519 key: clamp(SHA-512(seed)[0:32]) (extra25519.PrivateKeyToCurve25519). */
export function ed25519PrivateToCurve25519(privateKey: Uint8Array): Uint8Array {
  return ed25519.utils.toMontgomerySecret(privateKey.subarray(0, 32));
}

/**
 * The X25519 public key of an Ed25519 public key: u = (1 + y) / (1 - y) (extra25519.PublicKeyToCurve25519, which
 * panics where this throws INVALID_KEY: a key that is not a point of large order).
 */
export function ed25519PublicToCurve25519(publicKey: Uint8Array): Uint8Array {
  validateEd25519PublicKey(publicKey);
  return ed25519.utils.toMontgomery(publicKey);
}

/**
 * The key of the public-key command channel: SHA3-256(X25519(...)). Client side: (own Ed25519 private key, the C2's
 * Curve25519 public key). The C2 computes the same key with {@link c2CommandKey}.
 */
export function clientCommandKey(engine: CryptoEngine, privateKey: Uint8Array, c2PublicKey: Uint8Array): Uint8Array {
  return sharedKey(engine, ed25519PrivateToCurve25519(privateKey), c2PublicKey);
}

/** C2 side of {@link clientCommandKey}: (the C2's Curve25519 private key, the client's Ed25519 public key). */
export function c2CommandKey(engine: CryptoEngine, c2PrivateKey: Uint8Array, clientPublicKey: Uint8Array): Uint8Array {
  return sharedKey(engine, c2PrivateKey, ed25519PublicToCurve25519(clientPublicKey));
}

function sharedKey(engine: CryptoEngine, privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  let shared: Uint8Array;
  try {
    shared = engine.x25519(privateKey, publicKey);
  } catch (cause) {
    throw new E4Error(E4ErrorCode.InvalidKey, 'invalid curve25519 key, no shared secret', { cause });
  }
  if (isAllZero(shared)) throw invalidKey('invalid curve25519 key, no shared secret');
  return engine.sha3(shared);
}

/** The Curve25519 public key of a 32-byte private key: X25519(private, 9) (as `e4keygen -type curve25519`). */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey);
}

function passwordBytes(password: string): Uint8Array {
  if (typeof password !== 'string' || !isWellFormedString(password)) {
    throw new E4Error(E4ErrorCode.InvalidPassword, 'invalid password: password must be valid UTF-8');
  }
  const bytes = utf8(password);
  if (bytes.length < PASSWORD_MIN_LEN) {
    throw new E4Error(
      E4ErrorCode.InvalidPassword,
      `invalid password: password must be at least ${PASSWORD_MIN_LEN} characters`,
    );
  }
  return bytes;
}

/** Symmetric key from a password: Argon2i(t=1, m=64 MiB, p=4, empty salt) (e4go `DeriveSymKey`). */
export function deriveSymKey(password: string): Uint8Array {
  return e4Argon2i(passwordBytes(password));
}

/** Ed25519 key from a password: the same Argon2i output used as the seed (e4go `Ed25519PrivateKeyFromPassword`). */
export function ed25519KeyFromPassword(password: string): { privateKey: Uint8Array; publicKey: Uint8Array } {
  return ed25519PrivateKeyFromSeed(deriveSymKey(password));
}
