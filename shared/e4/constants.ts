/** Sizes and limits of the E4 protocol (docs/protocol.md, section 1; e4go `crypto/const.go`). */
export const ID_LEN = 16;
export const KEY_LEN = 32;
export const TAG_LEN = 16;
export const HASH_LEN = 16;
export const TIMESTAMP_LEN = 8;
export const ED25519_PUBLIC_KEY_LEN = 32;
export const ED25519_PRIVATE_KEY_LEN = 64;
export const ED25519_SIGNATURE_LEN = 64;
export const CURVE25519_KEY_LEN = 32;
/** Validity window of a message or command timestamp into the past (e4go `MaxDelayDuration`). */
export const MAX_MESSAGE_AGE_SECONDS = 600;
/** How long the previous topic key keeps working after a rotation (e4go `MaxDelayKeyTransition`). */
export const MAX_KEY_TRANSITION_SECONDS = 3600;
/** e4go's `MaxTopicLen`; like e4go, the library does not enforce it. */
export const MAX_TOPIC_LEN = 512;
export const PASSWORD_MIN_LEN = 16;
export const CONTROL_TOPIC_PREFIX = 'e4/';
/** Bytes added by symmetric-key protection: timestamp and SIV tag. */
export const SYMMETRIC_OVERHEAD = TIMESTAMP_LEN + TAG_LEN;
/** Bytes added by public-key protection: timestamp, signer id, SIV tag and signature. */
export const PUBKEY_OVERHEAD = TIMESTAMP_LEN + ID_LEN + TAG_LEN + ED25519_SIGNATURE_LEN;
