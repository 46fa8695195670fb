/** The persistent state of a client, as e4go's state document holds it (docs/protocol.md, section 8). */
export interface SymmetricIdentity {
  readonly mode: 'symmetric';
  readonly key: Uint8Array;
}

export interface PubKeyIdentity {
  readonly mode: 'pubkey';
  /** Ed25519 private key, Go format (seed ‖ public). */
  readonly privateKey: Uint8Array;
  readonly signerId: Uint8Array;
  readonly c2PublicKey: Uint8Array;
  /** Ed25519 public keys of other clients, by lowercase hex id. */
  readonly pubKeys: ReadonlyMap<string, Uint8Array>;
}

export type Identity = SymmetricIdentity | PubKeyIdentity;

/**
 * Not in e4go: for each key slot, the timestamp (whole Unix seconds) of the command that last set or removed it;
 * a command older than its slot's watermark is refused (STALE_COMMAND). `ResetTopics` / `ResetPubKeys` set the floor
 * of their whole family. Saved as an extra top-level field of the state document (`Watermarks`), which e4go ignores.
 */
export interface Watermarks {
  /** By lowercase hex topic hash. */
  readonly topics?: ReadonlyMap<string, number>;
  readonly topicsFloor?: number;
  readonly idKey?: number;
  readonly c2Key?: number;
  /** By lowercase hex client id. */
  readonly pubKeys?: ReadonlyMap<string, number>;
  readonly pubKeysFloor?: number;
}

export interface ClientState {
  readonly id: Uint8Array;
  /** Topic keys (32 bytes) and previous-key slots (40 bytes), by lowercase hex name. */
  readonly topicKeys: readonly (readonly [string, Uint8Array])[];
  readonly identity: Identity;
  readonly receivingTopic: string;
  /** Absent when empty: the document is then exactly e4go's. */
  readonly watermarks?: Watermarks;
}
