/**
 * Contract of the MasterKeyProvider port, run against every adapter (the local keyring here; KMS on moto with the
 * AWS adapters): `masterKeyProviderContract(name, build)`.
 */
import { describe, expect, it } from 'vitest';
import { C2ErrorCode } from '../../shared/c2/errors.js';
import type { MasterKeyProvider } from '../../shared/c2/ports.js';
import { bytesToHex } from '../../shared/e4/index.js';
import { codeOfAsync } from '../support/codeOf.js';

export function masterKeyProviderContract(name: string, build: () => Promise<MasterKeyProvider>): void {
  describe(`MasterKeyProvider contract: ${name}`, () => {
    it('makes 32-byte data keys that open again for their tenant, and differ each time', async () => {
      // Prepare
      const provider = await build();

      // Act
      const a = await provider.generateDataKey('tenant-a');
      const b = await provider.generateDataKey('tenant-a');

      // Assess
      expect(a.plaintext).toHaveLength(32);
      expect(bytesToHex(a.plaintext)).not.toBe(bytesToHex(b.plaintext));
      expect(bytesToHex(a.wrapped)).not.toContain(bytesToHex(a.plaintext));
      expect(await provider.decryptDataKey('tenant-a', a.wrapped)).toEqual(a.plaintext);
      expect(await provider.decryptDataKey('tenant-a', b.wrapped)).toEqual(b.plaintext);
    });

    it("refuses to open another tenant's data key (KEY_UNAVAILABLE)", async () => {
      const provider = await build();
      const { wrapped } = await provider.generateDataKey('tenant-a');
      expect(await codeOfAsync(() => provider.decryptDataKey('tenant-b', wrapped))).toBe(C2ErrorCode.KeyUnavailable);
    });

    it('refuses a tampered, truncated or empty wrapped key (KEY_UNAVAILABLE)', async () => {
      const provider = await build();
      const { wrapped } = await provider.generateDataKey('tenant-a');
      const flipped = wrapped.slice();
      flipped[flipped.length - 1]! ^= 1;
      for (const bad of [flipped, wrapped.subarray(0, wrapped.length - 1), new Uint8Array(0)]) {
        expect(await codeOfAsync(() => provider.decryptDataKey('tenant-a', bad))).toBe(C2ErrorCode.KeyUnavailable);
      }
    });
  });
}
