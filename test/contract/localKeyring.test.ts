import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalKeyring } from '../../shared/adapters/local/LocalKeyring.js';
import { C2ErrorCode } from '../../shared/c2/errors.js';
import { masterKeyProviderContract } from './masterKeyProvider.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'e4c2-keyring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

masterKeyProviderContract('LocalKeyring', () => LocalKeyring.open(join(dir, `keyring-${n++}`)));

describe('LocalKeyring: the keyring file', () => {
  it('is created with mode 0600 in a new folder, and reopening it opens what was wrapped before', async () => {
    // Prepare
    const path = join(dir, 'state', 'keyring');
    const first = await LocalKeyring.open(path);
    const { plaintext, wrapped } = await first.generateDataKey('tenant-a');

    // Act
    const reopened = await LocalKeyring.open(path);

    // Assess
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await reopened.decryptDataKey('tenant-a', wrapped)).toEqual(plaintext);
  });

  it('another keyring file cannot open the data keys of the first', async () => {
    const a = await LocalKeyring.open(join(dir, 'a'));
    const b = await LocalKeyring.open(join(dir, 'b'));
    const { wrapped } = await a.generateDataKey('tenant-a');
    await expect(b.decryptDataKey('tenant-a', wrapped)).rejects.toMatchObject({ code: C2ErrorCode.KeyUnavailable });
  });

  it('a keyring file of the wrong size is refused with KEY_UNAVAILABLE', async () => {
    const path = join(dir, 'short');
    writeFileSync(path, new Uint8Array(16).fill(7), { mode: 0o600 });
    await expect(LocalKeyring.open(path)).rejects.toMatchObject({ code: C2ErrorCode.KeyUnavailable });
  });
});
