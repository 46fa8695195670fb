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

export interface ClientState {
  readonly id: Uint8Array;
  /** Topic keys (32 bytes) and previous-key slots (40 bytes), by lowercase hex name. */
  readonly topicKeys: readonly (readonly [string, Uint8Array])[];
  readonly identity: Identity;
  readonly receivingTopic: string;
}
