/**
 * The proof a device gives, at fleet provisioning, that it holds its E4 key: bound to the certificate it asks for
 * (the new certificate's id, 64 hex digits), so that a proof seen once opens no other certificate. The message is
 * `e4c2-fleet-provisioning:<certificateId>` (UTF-8; the prefix keeps it apart from anything else a key signs or
 * authenticates). A symmetric client answers HMAC-SHA256(its identity key, message), a public-key client its Ed25519
 * signature of the message; either as lowercase hex. examples/fleetProvisioning.ts computes it on the device.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { type CryptoEngine, equalBytes, getDefaultEngine, hexToBytes, utf8 } from '../../e4/index.js';
import type { ClientRecord } from '../ports.js';

export const PROOF_CONTEXT = 'e4c2-fleet-provisioning:';
const CERTIFICATE_ID = /^[0-9a-f]{64}$/;
const PROOF_HEX = { symmetric: /^[0-9a-f]{64}$/, pubkey: /^[0-9a-f]{128}$/ } as const;

/** The bytes a proof is over; TypeError for a certificate id that is not 64 lowercase hex digits. */
export function proofMessage(certificateId: string): Uint8Array {
  if (typeof certificateId !== 'string' || !CERTIFICATE_ID.test(certificateId)) {
    throw new TypeError('certificateId must be 64 lowercase hex digits');
  }
  return utf8(`${PROOF_CONTEXT}${certificateId}`);
}

/**
 * Whether `proof` (hex) proves `key` for that certificate: `key` is the client's identity key (symmetric) or its
 * Ed25519 public key (public-key mode), checked with the E4 engine's (strict) Ed25519 verification. Constant time in
 * the proof for the HMAC; false for a proof of the wrong shape.
 */
export function proofHolds(
  mode: ClientRecord['mode'],
  key: Uint8Array,
  certificateId: string,
  proof: string,
  engine: CryptoEngine = getDefaultEngine(),
): boolean {
  if (typeof proof !== 'string' || !PROOF_HEX[mode].test(proof)) return false;
  const message = proofMessage(certificateId);
  const given = hexToBytes(proof);
  if (mode === 'symmetric') {
    const expected = hmac(sha256, key, message);
    const holds = equalBytes(expected, given);
    expected.fill(0);
    return holds;
  }
  try {
    return engine.verify(key, message, given);
  } catch {
    return false;
  }
}
