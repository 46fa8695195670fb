/**
 * The primitives the protocol needs, behind one interface so that the same core runs on the pure (noble) engine
 * in browsers and edge runtimes, and on the node:crypto engine in Node. Both are checked by one test suite.
 */

/** AES-SIV (RFC 5297) under E4's double key K‖K with exactly one associated-data item, for one key. */
export interface SivKey {
  /** Writes V ‖ C (16 + plaintext.length bytes) into `out` at `offset`. */
  sealInto(ad: Uint8Array, plaintext: Uint8Array, out: Uint8Array, offset: number): void;
  /** Decrypts V ‖ C (at least 16 bytes); returns undefined when the tag does not authenticate. */
  open(ad: Uint8Array, sivAndCiphertext: Uint8Array): Uint8Array | undefined;
}

export interface CryptoEngine {
  readonly name: string;
  /** A cached AES-SIV context for a valid 32-byte key (validation is the caller's job). */
  sivKey(key: Uint8Array): SivKey;
  /** Ed25519 signature with a Go-format private key (seed ‖ public key, 64 bytes). */
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Strict RFC 8032 Ed25519 verification; false for any malformed input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  /** X25519(privateKey, publicKey); throws on a low-order result. */
  x25519(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** SHA3-256. */
  sha3(data: Uint8Array): Uint8Array;
}
