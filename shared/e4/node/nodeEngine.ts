/**
 * The Node engine: AES-SIV with an OpenSSL path for larger payloads; Ed25519 on libsodium when the optional
 * `sodium-native` is installed (sodiumEd25519.ts), else on node:crypto; X25519 on node:crypto; key objects cached per
 * key array (a WeakMap, so they go away with the key); SHA3-256 on OpenSSL.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import type { CryptoEngine } from '../crypto/CryptoEngine.js';
import { NODE_SIV_THRESHOLD, NodeSivKey } from './NodeSivKey.js';
import { loadSodiumEd25519, sodiumLoadError } from './sodiumEd25519.js';

// DER prefixes of PKCS#8 private keys and SPKI public keys for raw 32-byte keys (RFC 8410).
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');

function cached(cache: WeakMap<Uint8Array, KeyObject>, key: Uint8Array, make: () => KeyObject): KeyObject {
  let object = cache.get(key);
  if (!object) {
    object = make();
    cache.set(key, object);
  }
  return object;
}

const signingKeys = new WeakMap<Uint8Array, KeyObject>();
const verifyingKeys = new WeakMap<Uint8Array, KeyObject>();
/** The C2 addresses many clients with one private key: its key object is made once. */
const agreementKeys = new WeakMap<Uint8Array, KeyObject>();

function privateKeyObject(prefix: Buffer, raw: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(prefix: Buffer, raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([prefix, raw]), format: 'der', type: 'spki' });
}

function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Ed25519 on OpenSSL through node:crypto. */
const opensslEd25519: Pick<CryptoEngine, 'sign' | 'verify'> = {
  sign: (privateKey, message) => {
    const key = cached(signingKeys, privateKey, () => privateKeyObject(ED25519_PKCS8, privateKey.subarray(0, 32)));
    return toBytes(nodeSign(null, message, key));
  },
  verify: (publicKey, message, signature) => {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      const key = cached(verifyingKeys, publicKey, () => publicKeyObject(ED25519_SPKI, publicKey));
      return nodeVerify(null, message, key, signature);
    } catch {
      return false;
    }
  },
};

/** Which library signs and verifies Ed25519 for the Node engine with `ed25519: 'auto'` in this process. */
export function nodeEd25519Backend(): 'libsodium' | 'openssl' {
  return loadSodiumEd25519() ? 'libsodium' : 'openssl';
}

export const nodeEngine: CryptoEngine = {
  name: 'node',
  sivKey: (key) => new NodeSivKey(key),
  sign: (privateKey, message) => (loadSodiumEd25519() ?? opensslEd25519).sign(privateKey, message),
  verify: (publicKey, message, signature) =>
    (loadSodiumEd25519() ?? opensslEd25519).verify(publicKey, message, signature),
  x25519: (privateKey, publicKey) => {
    const shared = diffieHellman({
      privateKey: cached(agreementKeys, privateKey, () => privateKeyObject(X25519_PKCS8, privateKey)),
      publicKey: publicKeyObject(X25519_SPKI, publicKey),
    });
    if (shared.every((b) => b === 0)) throw new RangeError('x25519: low-order public key');
    return toBytes(shared);
  },
  sha3: (data) => toBytes(createHash('sha3-256').update(data).digest()),
};

export interface NodeEngineOptions {
  /**
   * Payload size below which AES-SIV runs on the pure (table-based) context; default {@link NODE_SIV_THRESHOLD}
   * (fastest for devices). 0: every AES-SIV operation on OpenSSL whatever its size (the C2's choice: no
   * key-dependent table lookups in JavaScript).
   */
  readonly sivThreshold?: number;
  /**
   * Ed25519 implementation: `auto` (default) libsodium when `sodium-native` loads, else OpenSSL; `openssl` always
   * OpenSSL; `libsodium` libsodium or a TypeError when `sodium-native` cannot be loaded.
   */
  readonly ed25519?: 'auto' | 'openssl' | 'libsodium';
}

/** A Node engine with its own AES-SIV threshold (the default {@link nodeEngine} is unchanged). */
export function createNodeEngine(options: NodeEngineOptions = {}): CryptoEngine {
  const threshold = options.sivThreshold ?? NODE_SIV_THRESHOLD;
  const ed25519 = options.ed25519 ?? 'auto';
  let signer: Pick<CryptoEngine, 'sign' | 'verify'> = nodeEngine;
  if (ed25519 === 'openssl') signer = opensslEd25519;
  if (ed25519 === 'libsodium') {
    const sodium = loadSodiumEd25519();
    if (!sodium) {
      throw new TypeError('ed25519: libsodium was asked for but sodium-native cannot be loaded', {
        cause: sodiumLoadError(),
      });
    }
    signer = sodium;
  }
  return {
    ...nodeEngine,
    name: (threshold <= 0 ? 'node-openssl' : 'node') + (ed25519 === 'auto' ? '' : ` ed25519-${ed25519}`),
    sivKey: (key) => new NodeSivKey(key, threshold),
    sign: signer.sign,
    verify: signer.verify,
  };
}
