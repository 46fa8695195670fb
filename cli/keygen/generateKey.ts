/**
 * The keys of `e4c2 keygen`, as e4go's e4keygen makes them: a symmetric key (32 random bytes), an Ed25519 key pair
 * (the private key in Go's 64-byte form, seed ‖ public key; the public key 32 bytes) or a Curve25519 key pair (32
 * random bytes, not clamped: X25519 clamps; the public key X25519(private, 9)).
 */
import { randomEd25519KeyPair, randomKey, x25519PublicKey } from '../../shared/e4/node/index.js';

export const KEY_TYPES = ['symmetric', 'ed25519', 'curve25519'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface GeneratedKey {
  readonly privateKey: Uint8Array;
  /** Absent for a symmetric key. */
  readonly publicKey?: Uint8Array;
}

export function generateKey(type: KeyType): GeneratedKey {
  switch (type) {
    case 'symmetric':
      return { privateKey: randomKey() };
    case 'ed25519':
      return randomEd25519KeyPair();
    case 'curve25519': {
      const privateKey = randomKey();
      return { privateKey, publicKey: x25519PublicKey(privateKey) };
    }
  }
}
