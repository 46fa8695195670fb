/**
 * The pure pieces of the CLI's administration: what a token says of itself, the limits of `name=value` words, the
 * profiles local mode writes (never over another C2's), and a profile's reading and removal.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiKeyTokenInfo } from '../../../cli/config/apiKeyToken.js';
import { profileNamed, readConfig, removeProfile, saveProfile, writeConfig } from '../../../cli/config/configFile.js';
import { localProfileName, writeLocalProfiles } from '../../../cli/config/localProfiles.js';
import { parseLimitAssignments } from '../../../cli/tenants/parseLimitAssignments.js';

const SECRET = 'A'.repeat(43);
const dir = mkdtempSync(join(tmpdir(), 'e4c2-cli-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('apiKeyTokenInfo', () => {
  it('reads the tenant or the platform and the key id, and nothing of a token of another shape', () => {
    expect(apiKeyTokenInfo(`e4c2.acme-1.0123456789abcdef.${SECRET}`)).toEqual({
      kind: 'tenant',
      tenant: 'acme-1',
      keyId: '0123456789abcdef',
    });
    expect(apiKeyTokenInfo(`e4c2p.0123456789abcdef.${SECRET}`)).toEqual({
      kind: 'platform',
      keyId: '0123456789abcdef',
    });
    for (const token of [
      '',
      'hunter2',
      `e4c2.acme.0123456789abcdef.${SECRET}x`,
      `e4c2.Acme.0123456789abcdef.${SECRET}`,
      `e4c2p.0123456789ABCDEF.${SECRET}`,
      `e4c2.acme.0123456789abcdef.${SECRET}\n`,
    ]) {
      expect(apiKeyTokenInfo(token)).toBeUndefined();
    }
  });
});

describe('parseLimitAssignments', () => {
  it('takes whole numbers and "default" (null) for the settable limits', () => {
    expect(parseLimitAssignments(['maxClients=10', 'maxTopics=default', 'maxPolicies=0'])).toEqual({
      maxClients: 10,
      maxTopics: null,
      maxPolicies: 0,
    });
    expect(parseLimitAssignments([])).toEqual({});
  });

  it('refuses other names, values and shapes as usage errors', () => {
    for (const words of [
      ['maxClients'],
      ['maxClients=1=2'],
      ['requestsPerMinute=5'],
      ['maxClients=-1'],
      ['maxClients=1.5'],
      ['maxClients='],
      ['maxClients=1', 'maxClients=2'],
      ['__proto__=1'],
    ]) {
      expect(() => parseLimitAssignments(words), words.join(' ')).toThrow(expect.objectContaining({ exitCode: 2 }));
    }
  });
});

describe('local mode profiles', () => {
  const local = 'http://127.0.0.1:8080';

  it('takes the preferred name when free or on the same C2, else the fallback', () => {
    const config = { profiles: { default: { apiUrl: 'https://c2.example.com', apiKey: 'k' } } };
    expect(localProfileName({ profiles: {} }, local, 'default', 'local')).toBe('default');
    expect(localProfileName(config, local, 'default', 'local')).toBe('local');
    expect(localProfileName(config, 'https://c2.example.com/v1/', 'default', 'local')).toBe('default');
  });

  it('writes the admin and platform keys in one 0600 file, keeping the other profiles', () => {
    const file = join(dir, 'local', 'config.json');
    saveProfile(file, 'default', { apiUrl: 'https://c2.example.com', apiKey: 'prod' });

    const written = writeLocalProfiles(file, { apiUrl: local, adminKey: 'admin', platformKey: 'platform' });

    expect(written).toEqual(['local', 'platform']);
    expect(readConfig(file).profiles).toEqual({
      default: { apiUrl: 'https://c2.example.com', apiKey: 'prod' },
      local: { apiUrl: local, apiKey: 'admin' },
      platform: { apiUrl: local, apiKey: 'platform' },
    });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(writeLocalProfiles(file, { apiUrl: local, adminKey: 'new admin' })).toEqual(['local']);
    expect(readConfig(file).profiles.local?.apiKey).toBe('new admin');
  });

  it('writes nothing without a key', () => {
    const file = join(dir, 'none', 'config.json');
    expect(writeLocalProfiles(file, { apiUrl: local })).toEqual([]);
    expect(() => statSync(file)).toThrow();
  });
});

describe('removeProfile', () => {
  it('removes one profile and says whether there was one', () => {
    const file = join(dir, 'remove.json');
    writeConfig(file, { profiles: { a: { apiUrl: 'http://a', apiKey: '1' }, b: { apiUrl: 'http://b', apiKey: '2' } } });
    expect(removeProfile(file, 'a')).toBe(true);
    expect(removeProfile(file, 'a')).toBe(false);
    expect(removeProfile(file, 'toString')).toBe(false);
    expect(profileNamed(readConfig(file), 'constructor')).toBeUndefined();
    expect(profileNamed(readConfig(file), 'b')).toEqual({ apiUrl: 'http://b', apiKey: '2' });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ profiles: { b: { apiUrl: 'http://b', apiKey: '2' } } });
  });
});
