/**
 * Ed25519 on libsodium through the optional dependency `sodium-native`, when it is installed: about 1.7x the
 * signing and verifying rate of OpenSSL 3.0 through node:crypto (docs/benchmarks.md). Its npm package carries
 * prebuilt binaries (linux-x64/arm64, macOS, Windows), so nothing compiles at install; where it is absent (not
 * installed, another platform, a bundle that left it out) {@link loadSodiumEd25519} returns undefined and the
 * engine keeps OpenSSL.
 *
 * Loaded on first use, not at import: a process that never signs nor verifies (the C2's functions) never loads the
 * addon. The loader is not named `require`, so that bundlers leave it alone instead of failing on a native module.
 *
 * Callers treat key arrays as immutable: the derived secret key is cached per array (a WeakMap, gone with the array) and
 * is not wiped, as node:crypto's cached KeyObjects are not.
 *
 * Verification is libsodium's default (strict RFC 8032: canonical S, canonical A and R, small-order A and R refused),
 * which refuses everything OpenSSL refuses, and more only for keys or signatures no honest signer makes; the vector
 * suite runs on it. Signing derives the secret key from the seed (cached per key array) rather than trusting the
 * public half of a Go-format key, as the OpenSSL path does.
 */
import { createRequire } from 'node:module';

/** The part of sodium-native used here. */
interface SodiumNative {
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

export interface SodiumEd25519 {
  /** Ed25519 signature with a Go-format private key (seed ‖ public key, 64 bytes). */
  sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /** Strict RFC 8032 verification; false for any malformed input. */
  verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

let loaded: SodiumEd25519 | null | undefined;
let loadError: unknown;

/** libsodium's Ed25519, or undefined when `sodium-native` cannot be loaded here. Tried once per process. */
export function loadSodiumEd25519(): SodiumEd25519 | undefined {
  if (loaded === undefined) {
    try {
      const load = createRequire(import.meta.url);
      loaded = sodiumEd25519(load('sodium-native') as SodiumNative);
    } catch (error) {
      loaded = null;
      loadError = error;
    }
  }
  return loaded ?? undefined;
}

/** Why `sodium-native` could not be loaded (after {@link loadSodiumEd25519} returned undefined). */
export function sodiumLoadError(): unknown {
  return loadError;
}

function sodiumEd25519(sodium: SodiumNative): SodiumEd25519 {
  /** libsodium's secret key (seed ‖ public key derived from the seed) per caller's private key array. */
  const secretKeys = new WeakMap<Uint8Array, Uint8Array>();
  const secretKeyOf = (privateKey: Uint8Array): Uint8Array => {
    let secretKey = secretKeys.get(privateKey);
    if (!secretKey) {
      secretKey = new Uint8Array(64);
      sodium.crypto_sign_seed_keypair(new Uint8Array(32), secretKey, privateKey.subarray(0, 32));
      secretKeys.set(privateKey, secretKey);
    }
    return secretKey;
  };
  return {
    sign(privateKey, message) {
      const signature = new Uint8Array(64);
      sodium.crypto_sign_detached(signature, message, secretKeyOf(privateKey));
      return signature;
    },
    verify(publicKey, message, signature) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      try {
        return sodium.crypto_sign_verify_detached(signature, message, publicKey);
      } catch {
        return false;
      }
    },
  };
}
