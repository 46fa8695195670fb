/**
 * Typed errors of the E4 library. Every failure of the protocol (the kinds e4go reports, plus malformed state) is an
 * {@link E4Error} with a stable {@link E4ErrorCode}; bad arguments from the caller are `TypeError`/`RangeError`.
 * Messages never contain key bytes.
 */

/** Stable error codes, with the e4go error each one corresponds to. */
export const E4ErrorCode = {
  /** ErrTopicKeyNotFound: no key for the topic (protect or unprotect). */
  TopicKeyNotFound: 'TOPIC_KEY_NOT_FOUND',
  /** ErrTooShortCiphertext: a symmetric message or command too short to hold a SIV tag and a payload. */
  CiphertextTooShort: 'CIPHERTEXT_TOO_SHORT',
  /** ErrInvalidProtectedLen: a public-key message shorter than its fixed framing. */
  InvalidProtectedLength: 'INVALID_PROTECTED_LENGTH',
  /** ErrTimestampTooOld: outside the validity window (600 s for messages, 3600 s for the previous topic key). */
  TimestampTooOld: 'TIMESTAMP_TOO_OLD',
  /** ErrTimestampInFuture: later than now (plus the configured tolerance). */
  TimestampInFuture: 'TIMESTAMP_IN_FUTURE',
  /** miscreant ErrNotAuthentic: AES-SIV tag mismatch (wrong key or tampered bytes). */
  AuthenticationFailed: 'AUTHENTICATION_FAILED',
  /** ErrInvalidSignature: the Ed25519 signature of a public-key message does not verify. */
  InvalidSignature: 'INVALID_SIGNATURE',
  /** ErrPubKeyNotFound: the signer of a public-key message is unknown to this client. */
  SignerUnknown: 'SIGNER_UNKNOWN',
  /** ErrInvalidCommand: unknown opcode or empty command. */
  InvalidCommand: 'INVALID_COMMAND',
  /** "invalid <Command> length": a command whose argument has the wrong size. */
  InvalidCommandLength: 'INVALID_COMMAND_LENGTH',
  /** ErrUnsupportedOperation: a public-key command sent to a symmetric-key client. */
  UnsupportedOperation: 'UNSUPPORTED_OPERATION',
  /** Key validation failures: wrong length, all zeros, not a curve point. */
  InvalidKey: 'INVALID_KEY',
  /** "no public key exists for id": RemovePubKey of an id the client does not hold. */
  PublicKeyNotFound: 'PUBLIC_KEY_NOT_FOUND',
  /** "invalid old topic key length": a corrupted previous-key slot. */
  InvalidOldTopicKey: 'INVALID_OLD_TOPIC_KEY',
  /** A password shorter than 16 bytes or not valid UTF-8. */
  InvalidPassword: 'INVALID_PASSWORD',
  /** An identifier of the wrong length. */
  InvalidId: 'INVALID_ID',
  /** A saved client state that cannot be read. */
  InvalidState: 'INVALID_STATE',
  /** The storage port failed to read or write the state. */
  StorageFailed: 'STORAGE_FAILED',
  /** Not in e4go: `loadOrCreate` was given a configuration that contradicts the client saved in its store. */
  StateMismatch: 'STATE_MISMATCH',
  /**
   * Not in e4go: a command older than the one that last changed the same key (a replay, or a delivery out of order)
   * would roll the client back; refused, nothing changes.
   */
  StaleCommand: 'STALE_COMMAND',
  /** Not in e4go: `ready(topic)` gave up waiting for the topic's key. */
  ReadyTimeout: 'READY_TIMEOUT',
  /** Not in e4go: a command receipt (an e4c2 extension) of an unknown version or the wrong length. */
  InvalidReceipt: 'INVALID_RECEIPT',
} as const;

export type E4ErrorCode = (typeof E4ErrorCode)[keyof typeof E4ErrorCode];

/** The one error class of the library's protocol failures. */
export class E4Error extends Error {
  override readonly name = 'E4Error';
  readonly code: E4ErrorCode;

  constructor(code: E4ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** True when `error` is an {@link E4Error}, optionally of the given code. */
export function isE4Error(error: unknown, code?: E4ErrorCode): error is E4Error {
  return error instanceof E4Error && (code === undefined || error.code === code);
}
