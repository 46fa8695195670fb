/**
 * The pure engine: @noble/* only, for browsers, edge runtimes and as the reference the Node engine is checked
 * against.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha3_256 } from '@noble/hashes/sha3.js';
import type { CryptoEngine } from './CryptoEngine.js';
import { PureSivKey } from './PureSivKey.js';

export const pureEngine: CryptoEngine = {
  name: 'pure',
  sivKey: (key) => new PureSivKey(key),
  sign: (privateKey, message) => ed25519.sign(message, privateKey.subarray(0, 32)),
  verify: (publicKey, message, signature) => {
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
  x25519: (privateKey, publicKey) => x25519.getSharedSecret(privateKey, publicKey),
  sha3: (data) => sha3_256(data),
};
