/**
 * proofHolds (shared/c2/provisioning/provisioningProof.ts), the fleet provisioning hook's check of a device's key:
 * the proof a device makes (examples/fleetProvisioning.ts) holds for its certificate only; a random proof, or one made
 * for another certificate or with another key, never holds, in either mode.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fleetProvisioningProof } from '../../../examples/fleetProvisioning.js';
import { proofHolds } from '../../../shared/c2/provisioning/provisioningProof.js';
import { type Identity, randomEd25519KeyPair, randomKey } from '../../../shared/e4/index.js';

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
const symmetricKey = randomKey();
const pair = randomEd25519KeyPair();
const symmetric: Identity = { mode: 'symmetric', key: symmetricKey };
const pubkey: Identity = {
  mode: 'pubkey',
  privateKey: pair.privateKey,
  signerId: new Uint8Array(16),
  c2PublicKey: new Uint8Array(32),
  pubKeys: new Map(),
};
const cases = [
  { mode: 'symmetric', identity: symmetric, verifying: symmetricKey },
  { mode: 'pubkey', identity: pubkey, verifying: pair.publicKey },
] as const;

describe('proofHolds', () => {
  for (const { mode, identity, verifying } of cases) {
    it(`${mode}: holds for the device's proof of its certificate, never for another certificate's`, () => {
      fc.assert(
        fc.property(hex(64), hex(64), (certificateId, other) => {
          fc.pre(certificateId !== other);
          const proof = fleetProvisioningProof(identity, certificateId);
          expect(proofHolds(mode, verifying, certificateId, proof)).toBe(true);
          expect(proofHolds(mode, verifying, other, proof)).toBe(false);
        }),
        { numRuns: 200 },
      );
    });

    it(`${mode}: never holds for a random proof, of the right shape or not`, () => {
      fc.assert(
        fc.property(hex(64), fc.oneof(hex(64), hex(128), fc.string(), fc.constant('')), (certificateId, proof) => {
          expect(proofHolds(mode, verifying, certificateId, proof)).toBe(false);
        }),
        { numRuns: 1000 },
      );
    });
  }

  it("never holds for another key's proof", () => {
    const certificateId = 'a'.repeat(64);
    const otherKey = randomKey();
    expect(proofHolds('symmetric', otherKey, certificateId, fleetProvisioningProof(symmetric, certificateId))).toBe(
      false,
    );
    expect(
      proofHolds(
        'pubkey',
        randomEd25519KeyPair().publicKey,
        certificateId,
        fleetProvisioningProof(pubkey, certificateId),
      ),
    ).toBe(false);
  });
});
