/** Which C2 the CLI calls with which key: a key goes only to the C2 it was given for. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../cli/CliError.js';
import { saveProfile } from '../../../cli/config/configFile.js';
import { resolveConnection } from '../../../cli/config/resolveConnection.js';

const dir = mkdtempSync(join(tmpdir(), 'e4c2-connection-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const E4C2_CONFIG = join(dir, 'config.json');
saveProfile(E4C2_CONFIG, 'default', { apiUrl: 'https://prod.example.com/', apiKey: 'e4c2.acme.0123456789abcdef.prod' });
saveProfile(E4C2_CONFIG, 'staging', {
  apiUrl: 'https://staging.example.com',
  apiKey: 'e4c2.acme.0123456789abcdef.stg',
});

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof CliError) return { exitCode: error.exitCode, message: error.message };
    throw error;
  }
  throw new Error('not refused');
};

describe('resolveConnection', () => {
  it("pairs a profile's key with the profile's URL", () => {
    expect(resolveConnection({}, { E4C2_CONFIG })).toEqual({
      apiUrl: 'https://prod.example.com',
      apiKey: 'e4c2.acme.0123456789abcdef.prod',
      profile: 'default',
    });
    expect(resolveConnection({ profile: 'staging' }, { E4C2_CONFIG }).apiKey).toBe('e4c2.acme.0123456789abcdef.stg');
    // the same URL spelt otherwise is the same C2
    expect(resolveConnection({ apiUrl: 'https://prod.example.com/v1' }, { E4C2_CONFIG }).profile).toBe('default');
  });

  it("never sends a profile's key to another URL", () => {
    const other = refusal(() => resolveConnection({ apiUrl: 'http://127.0.0.1:9' }, { E4C2_CONFIG }));
    expect(other.exitCode).toBe(3);
    expect(other.message).toContain('is for https://prod.example.com, not http://127.0.0.1:9');
    expect(refusal(() => resolveConnection({}, { E4C2_CONFIG, E4C2_API_URL: 'http://evil.example' })).exitCode).toBe(3);
  });

  it('sends E4C2_API_KEY only with the URL given with it, and an explicit profile wins over it', () => {
    const env = { E4C2_CONFIG, E4C2_API_KEY: 'e4c2.ci.0123456789abcdef.env' };
    expect(resolveConnection({}, { ...env, E4C2_API_URL: 'http://127.0.0.1:8080' })).toEqual({
      apiUrl: 'http://127.0.0.1:8080',
      apiKey: 'e4c2.ci.0123456789abcdef.env',
    });
    expect(refusal(() => resolveConnection({}, env)).message).toContain('E4C2_API_KEY goes with E4C2_API_URL');
    expect(resolveConnection({ profile: 'staging' }, env).apiKey).toBe('e4c2.acme.0123456789abcdef.stg');
  });

  it('sends no key when none is needed', () => {
    expect(resolveConnection({ apiUrl: 'http://127.0.0.1:9' }, { E4C2_CONFIG }, { keyRequired: false })).toEqual({
      apiUrl: 'http://127.0.0.1:9',
      profile: 'default',
    });
  });
});
