/**
 * The C2 key vault over the real local keyring (a temp file); the keyring is wrapped only to count its calls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalKeyring } from '../../../shared/adapters/local/LocalKeyring.js';
import { C2ErrorCode } from '../../../shared/c2/errors.js';
import type { KeyBinding, MasterKeyProvider } from '../../../shared/c2/ports.js';
import { EnvelopeKeyVault } from '../../../shared/c2/vault/EnvelopeKeyVault.js';
import { bytesToHex, randomKey, toBase64 } from '../../../shared/e4/index.js';
import { nodeEngine, pureEngine } from '../../../shared/e4/node/index.js';
import { codeOfAsync } from '../../support/codeOf.js';

const dir = mkdtempSync(join(tmpdir(), 'e4c2-vault-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** The real keyring, counting the calls the vault makes to it. */
async function countedKeyring(): Promise<MasterKeyProvider & { calls: { generate: number; decrypt: number } }> {
  const keyring = await LocalKeyring.open(join(dir, `keyring-${files++}`));
  const calls = { generate: 0, decrypt: 0 };
  return {
    calls,
    generateDataKey: (tenant) => {
      calls.generate++;
      return keyring.generateDataKey(tenant);
    },
    decryptDataKey: (tenant, wrapped) => {
      calls.decrypt++;
      return keyring.decryptDataKey(tenant, wrapped);
    },
  };
}

const binding = (overrides: Partial<KeyBinding> = {}): KeyBinding => ({
  tenantId: 'tenant-a',
  kind: 'client',
  name: 'device-0001',
  version: 1,
  ...overrides,
});

describe.each([pureEngine, nodeEngine].map((e) => [e.name, e] as const))(
  'EnvelopeKeyVault (%s engine)',
  (_n, engine) => {
    it('wraps and unwraps a key bound to its record; a new vault on the same keyring opens it', async () => {
      // Prepare
      const keyring = await countedKeyring();
      const key = randomKey();

      // Act
      const wrapped = await new EnvelopeKeyVault(keyring, { engine }).wrap(key, binding());
      const opened = await new EnvelopeKeyVault(keyring, { engine }).unwrap(wrapped, binding());

      // Assess
      expect(opened).toEqual(key);
      expect(bytesToHex(wrapped)).not.toContain(bytesToHex(key));
    });

    it.each([
      ['another record name', { name: 'device-0002' }],
      ['another kind', { kind: 'topic' }],
      ['another version', { version: 2 }],
    ])('a wrapped key moved to %s does not open (KEY_INTEGRITY)', async (_label, other) => {
      const vault = new EnvelopeKeyVault(await countedKeyring(), { engine });
      const wrapped = await vault.wrap(randomKey(), binding());
      expect(await codeOfAsync(() => vault.unwrap(wrapped, binding(other)))).toBe(C2ErrorCode.KeyIntegrity);
    });

    it("a wrapped key copied to another tenant does not open (the data key is the first tenant's)", async () => {
      const vault = new EnvelopeKeyVault(await countedKeyring(), { engine });
      const wrapped = await vault.wrap(randomKey(), binding());
      expect(await codeOfAsync(() => vault.unwrap(wrapped, binding({ tenantId: 'tenant-b' })))).toBe(
        C2ErrorCode.KeyUnavailable,
      );
    });

    it('tampered, truncated or foreign bytes are refused with KEY_INTEGRITY or KEY_UNAVAILABLE, never another error', async () => {
      const vault = new EnvelopeKeyVault(await countedKeyring(), { engine });
      const wrapped = await vault.wrap(randomKey(), binding());
      const variants: Uint8Array[] = [new Uint8Array(0), new Uint8Array([2, 0, 0]), wrapped.subarray(0, 20)];
      for (let i = 0; i < wrapped.length; i += 7) {
        const flipped = wrapped.slice();
        flipped[i]! ^= 0x10;
        variants.push(flipped);
      }
      for (const bad of variants) {
        expect([C2ErrorCode.KeyIntegrity, C2ErrorCode.KeyUnavailable]).toContain(
          await codeOfAsync(() => vault.unwrap(bad, binding())),
        );
      }
    });

    it('rotating a topic of 1,000 clients costs O(1) keyring calls: one data key made, none opened', async () => {
      // Prepare: 1,000 client keys stored by one vault (the C2 that enrolled them)
      const keyring = await countedKeyring();
      const enrolment = new EnvelopeKeyVault(keyring, { engine });
      const clients = await Promise.all(
        Array.from({ length: 1000 }, async (_, i) => enrolment.wrap(randomKey(), binding({ name: `device-${i}` }))),
      );
      const afterEnrolment = { ...keyring.calls };

      // Act: a fresh vault (a new Lambda) unwraps every client key and wraps the new topic key
      const vault = new EnvelopeKeyVault(keyring, { engine });
      await Promise.all(clients.map((wrapped, i) => vault.unwrap(wrapped, binding({ name: `device-${i}` }))));
      await vault.wrap(randomKey(), binding({ kind: 'topic', name: 'sensors/temp', version: 2 }));

      // Assess
      expect(afterEnrolment).toEqual({ generate: 1, decrypt: 0 });
      expect(keyring.calls).toEqual({ generate: 2, decrypt: 1 });
    });

    it('makes a new data key once the current one is older than the limit', async () => {
      // Prepare
      const keyring = await countedKeyring();
      let now = 1_000_000;
      const vault = new EnvelopeKeyVault(keyring, { engine, clock: () => now, dataKeyMaxAgeMs: 60_000 });
      const first = await vault.wrap(randomKey(), binding());

      // Act
      now += 59_999;
      await vault.wrap(randomKey(), binding());
      now += 2;
      const later = await vault.wrap(randomKey(), binding());

      // Assess: two data keys made, and the old wrap still opens
      expect(keyring.calls.generate).toBe(2);
      expect(bytesToHex(later.subarray(3, 52))).not.toBe(bytesToHex(first.subarray(3, 52)));
      expect(await vault.unwrap(first, binding())).toHaveLength(32);
    });

    it('error messages carry no key bytes', async () => {
      const vault = new EnvelopeKeyVault(await countedKeyring(), { engine });
      const key = randomKey();
      const wrapped = await vault.wrap(key, binding());
      let message = '';
      try {
        await vault.unwrap(wrapped, binding({ version: 9 }));
      } catch (error) {
        message = `${(error as Error).message} ${JSON.stringify(error)}`;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(bytesToHex(key).slice(0, 12));
      expect(message).not.toContain(toBase64(key).slice(0, 12));
    });

    it('refuses a malformed binding with a TypeError', async () => {
      const vault = new EnvelopeKeyVault(await countedKeyring(), { engine });
      for (const bad of [{ tenantId: '' }, { name: '' }, { version: -1 }, { version: 1.5 }]) {
        await expect(vault.wrap(randomKey(), binding(bad))).rejects.toBeInstanceOf(TypeError);
      }
    });
  },
);
