/**
 * Ed25519 on libsodium (the optional sodium-native) against OpenSSL and noble: the same signatures (Ed25519 is
 * deterministic), the same verdicts on valid and mutated inputs, the default Node engine on libsodium when it is
 * installed, and the fallback to OpenSSL where it cannot be loaded (the library bundled into a folder outside the
 * project, where no node_modules holds sodium-native: a real absence, no mock). CI installs sodium-native with
 * `npm ci` (optional dependency): there its absence fails this file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { ed25519PrivateKeyFromSeed, validateEd25519PublicKey } from '../../../shared/e4/crypto/keys.js';
import { pureEngine } from '../../../shared/e4/crypto/pureEngine.js';
import { createNodeEngine, nodeEd25519Backend, nodeEngine } from '../../../shared/e4/node/nodeEngine.js';
import { loadSodiumEd25519 } from '../../../shared/e4/node/sodiumEd25519.js';
import { pseudoRandomBytes } from '../../support/fuzzDevices.js';

const sodium = createNodeEngine({ ed25519: 'libsodium' });
const openssl = createNodeEngine({ ed25519: 'openssl' });
/** The group order L of Ed25519, little-endian, to make a non-canonical S (S + L). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function addL(signature: Uint8Array): Uint8Array {
  const out = new Uint8Array(signature);
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(signature[32 + i]!);
  s += L;
  for (let i = 0; i < 32; i++) {
    out[32 + i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

describe('Ed25519 on libsodium', () => {
  it('is what the default Node engine uses when sodium-native is installed', () => {
    expect(loadSodiumEd25519()).toBeDefined();
    expect(nodeEd25519Backend()).toBe('libsodium');
    expect(sodium.name).toBe('node ed25519-libsodium');
    expect(openssl.name).toBe('node ed25519-openssl');
  });

  it('signs exactly as OpenSSL and noble do, at every message length up to 300 bytes', () => {
    for (let n = 0; n <= 300; n++) {
      const { privateKey, publicKey } = ed25519PrivateKeyFromSeed(pseudoRandomBytes(32, n));
      const message = pseudoRandomBytes(n, 1000 + n);
      const signature = sodium.sign(privateKey, message);
      expect(signature).toEqual(openssl.sign(privateKey, message));
      expect(signature).toEqual(pureEngine.sign(privateKey, message));
      expect(nodeEngine.sign(privateKey, message)).toEqual(signature);
      expect(sodium.verify(publicKey, message, signature)).toBe(true);
    }
  });

  it('signs with the seed, not with a public half that does not belong to it', () => {
    const { privateKey } = ed25519PrivateKeyFromSeed(pseudoRandomBytes(32, 7));
    const other = ed25519PrivateKeyFromSeed(pseudoRandomBytes(32, 8));
    const forged = new Uint8Array(privateKey);
    forged.set(other.publicKey, 32);
    const message = pseudoRandomBytes(64, 9);
    expect(sodium.sign(forged, message)).toEqual(openssl.sign(privateKey, message));
  });

  it('refuses what OpenSSL refuses: every one-bit change of signature, message or key, a non-canonical S, bad lengths', () => {
    const { privateKey, publicKey } = ed25519PrivateKeyFromSeed(pseudoRandomBytes(32, 11));
    const message = pseudoRandomBytes(40, 12);
    const signature = sodium.sign(privateKey, message);
    const flip = (bytes: Uint8Array, bit: number) => {
      const out = new Uint8Array(bytes);
      out[bit >>> 3]! ^= 1 << (bit & 7);
      return out;
    };
    for (let bit = 0; bit < 512; bit++) {
      const bad = flip(signature, bit);
      expect(sodium.verify(publicKey, message, bad)).toBe(false);
      expect(openssl.verify(publicKey, message, bad)).toBe(false);
    }
    for (let bit = 0; bit < 256; bit++) {
      expect(sodium.verify(flip(publicKey, bit), message, signature)).toBe(false);
    }
    for (let bit = 0; bit < 320; bit++) {
      expect(sodium.verify(publicKey, flip(message, bit), signature)).toBe(false);
    }
    const nonCanonical = addL(signature);
    expect(sodium.verify(publicKey, message, nonCanonical)).toBe(false);
    expect(openssl.verify(publicKey, message, nonCanonical)).toBe(false);
    expect(nonCanonical).not.toEqual(signature);
    expect(sodium.verify(publicKey.subarray(0, 31), message, signature)).toBe(false);
    expect(sodium.verify(publicKey, message, signature.subarray(0, 63))).toBe(false);
    expect(sodium.verify(new Uint8Array(32), message, signature)).toBe(false);
  });

  it('refuses the universal forgery under a small-order public key that OpenSSL accepts; such keys are refused before', () => {
    // The identity point as public key, R = identity, S = 0: [S]B = R + [k]A holds for every message (cofactorless)
    const identity = new Uint8Array(32);
    identity[0] = 1;
    const forgery = new Uint8Array(64);
    forgery.set(identity);
    const message = pseudoRandomBytes(20, 13);
    expect(openssl.verify(identity, message, forgery)).toBe(true);
    expect(sodium.verify(identity, message, forgery)).toBe(false);
    // A client never holds such a key: SetPubKey and the C2 key go through this check
    expect(() => validateEd25519PublicKey(identity)).toThrow(/small order/);
  });

  describe('where sodium-native cannot be loaded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'e4c2-no-sodium-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('the Node engine falls back to OpenSSL, and asking for libsodium is a TypeError', async () => {
      await build({
        entryPoints: ['shared/e4/node/index.ts'],
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile: join(dir, 'e4.mjs'),
        logLevel: 'silent',
      });
      const script = `
        import { createNodeEngine, ed25519PrivateKeyFromSeed, nodeEd25519Backend, nodeEngine } from './e4.mjs';
        const { privateKey, publicKey } = ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(7));
        const message = new Uint8Array(10);
        const signature = nodeEngine.sign(privateKey, message);
        let thrown = 'none';
        try { createNodeEngine({ ed25519: 'libsodium' }); } catch (e) { thrown = e.constructor.name; }
        console.log(JSON.stringify({
          backend: nodeEd25519Backend(),
          verified: nodeEngine.verify(publicKey, message, signature),
          signature: Buffer.from(signature).toString('hex'),
          thrown,
        }));`;
      const out = JSON.parse(
        execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir }).toString(),
      );
      const { privateKey } = ed25519PrivateKeyFromSeed(new Uint8Array(32).fill(7));
      expect(out).toEqual({
        backend: 'openssl',
        verified: true,
        signature: Buffer.from(sodium.sign(privateKey, new Uint8Array(10))).toString('hex'),
        thrown: 'TypeError',
      });
    });
  });
});
