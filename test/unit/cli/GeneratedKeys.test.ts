/**
 * The generated-keys file of `clients import --generate-keys` (cli/bulk/GeneratedKeys.ts), on real files: mode 0600,
 * a key written before it is used and found again by the next import, a forgotten name given a new key.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GeneratedKeys } from '../../../cli/bulk/GeneratedKeys.js';
import { bytesToHex } from '../../../shared/e4/index.js';

const dir = mkdtempSync(join(tmpdir(), 'e4c2-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('GeneratedKeys', () => {
  it('writes each key before it is used (mode 0600), and gives it again when reopened', () => {
    // Prepare
    const path = join(dir, 'keys.csv');
    const keys = GeneratedKeys.open(path);

    // Act
    const a = keys.keyFor('a,"quoted"');
    const b = keys.keyFor('b');
    const written = readFileSync(path, 'utf8');
    keys.forget('b');
    keys.close();
    const again = GeneratedKeys.open(path);
    const a2 = again.keyFor('a,"quoted"');
    const b2 = again.keyFor('b');
    again.close();

    // Assess
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(written).toBe(`name,key\n"a,""quoted""",${bytesToHex(a.key)}\nb,${bytesToHex(b.key)}\n`);
    expect(a).toMatchObject({ reused: false });
    expect(a2).toEqual({ key: a.key, reused: true });
    expect(b2.reused).toBe(false);
    expect(b2.key).not.toEqual(b.key);
  });

  it('makes an existing file private and keeps its lines', () => {
    const path = join(dir, 'loose.csv');
    writeFileSync(path, `name,key\nz,${'ab'.repeat(32)}\n`, { mode: 0o644 });
    const keys = GeneratedKeys.open(path);
    expect(keys.keyFor('z')).toEqual({ key: new Uint8Array(32).fill(0xab), reused: true });
    keys.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
