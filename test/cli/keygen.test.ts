/**
 * `e4c2 keygen` as a subprocess, without a C2: e4keygen's file layout (raw bytes, sizes, `.pub`, modes), key pairs
 * whose halves match, keys the device library accepts, no private key on stdout, and no file overwritten without
 * `--force`.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, E4Client, randomKey, x25519PublicKey } from '../../shared/e4/node/index.js';
import { e4c2 } from '../support/cliRun.js';
import { recordSecret } from '../support/recordedSecrets.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'e4c2-keygen-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

async function key(path: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(await readFile(path));
  recordSecret(bytes);
  return bytes;
}

describe('e4c2 keygen', () => {
  it('writes a symmetric key: 32 raw bytes, 0600, no .pub, that a device loads', async () => {
    const out = join(dir, 'device.key');
    const run = await e4c2(['keygen', '--out', out]);
    expect(run).toMatchObject({ code: 0, stdout: `Private key written to ${out}\n`, stderr: '' });
    const bytes = await key(out);
    expect(bytes.length).toBe(32);
    expect(await modeOf(out)).toBe(0o600);
    expect(await exists(`${out}.pub`)).toBe(false);
    const client = await E4Client.create({ mode: 'symmetric', name: 'alice', key: bytes });
    expect(client.mode).toBe('symmetric');
  });

  it('writes an Ed25519 pair: 64-byte Go private key (seed and public), 32-byte .pub that matches, loadable', async () => {
    const out = join(dir, 'alice.key');
    const run = await e4c2(['keygen', '--type', 'ed25519', '--out', out, '--json'], {});
    expect(run.code).toBe(0);
    const privateKey = await key(out);
    const publicKey = new Uint8Array(await readFile(`${out}.pub`));
    expect([privateKey.length, publicKey.length]).toEqual([64, 32]);
    expect([await modeOf(out), await modeOf(`${out}.pub`)]).toEqual([0o600, 0o644]);
    expect(ed25519.getPublicKey(privateKey.subarray(0, 32))).toEqual(publicKey);
    expect(privateKey.subarray(32)).toEqual(publicKey);
    expect(run.json()).toEqual({
      type: 'ed25519',
      files: { privateKey: out, publicKey: `${out}.pub` },
      publicKey: bytesToHex(publicKey),
    });
    expect(run.stdout).not.toContain(bytesToHex(privateKey.subarray(0, 32)));
    const client = await E4Client.create({
      mode: 'pubkey',
      name: 'alice',
      privateKey,
      c2PublicKey: x25519PublicKey(randomKey()),
    });
    expect(client.publicKey).toEqual(publicKey);
  });

  it('writes a Curve25519 pair: 32 raw bytes each, the public key X25519(private, 9)', async () => {
    const out = join(dir, 'c2.key');
    const run = await e4c2(['keygen', '--type', 'curve25519', '--out', out]);
    expect(run.code).toBe(0);
    const privateKey = await key(out);
    const publicKey = new Uint8Array(await readFile(`${out}.pub`));
    expect([privateKey.length, publicKey.length]).toEqual([32, 32]);
    expect(x25519.getPublicKey(privateKey)).toEqual(publicKey);
    expect(run.stdout).toBe(
      `Private key written to ${out}\nPublic key written to ${out}.pub\nPublic key: ${bytesToHex(publicKey)}\n`,
    );
    expect(run.stdout).not.toContain(bytesToHex(privateKey));
  });

  it('refuses to overwrite without --force (exit 1, nothing touched), overwrites with it', async () => {
    const out = join(dir, 'taken.key');
    await writeFile(`${out}.pub`, 'mine', { mode: 0o640 });
    const refused = await e4c2(['keygen', '--type', 'ed25519', '--out', out]);
    expect(refused).toMatchObject({ code: 1, stdout: '', stderr: `e4c2: ${out}.pub exists: --force overwrites it\n` });
    expect(await exists(out)).toBe(false); // the private key is not written either
    expect(await readFile(`${out}.pub`, 'utf8')).toBe('mine');

    await writeFile(out, 'old', { mode: 0o644 });
    const forced = await e4c2(['keygen', '--type', 'ed25519', '--out', out, '--force']);
    expect(forced.code).toBe(0);
    expect((await key(out)).length).toBe(64);
    expect((await readFile(`${out}.pub`)).length).toBe(32);
    expect([await modeOf(out), await modeOf(`${out}.pub`)]).toEqual([0o600, 0o644]);
  });

  it('is a usage error without --out or with an unknown type (exit 2)', async () => {
    expect((await e4c2(['keygen'])).code).toBe(2);
    const bad = await e4c2(['keygen', '--type', 'rsa', '--out', join(dir, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('symmetric, ed25519, curve25519');
  });
});
