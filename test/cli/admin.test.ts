/**
 * The CLI's administration, run as a subprocess against local mode: `e4c2 login` (stdin) stores a working profile
 * (0600 in a 0700 folder) that later commands use without any E4C2_ variable, a key the C2 refuses writes nothing;
 * profiles list never shows a key; API keys created, rotated, revoked; tenants with the platform key; and local mode
 * (`npm start`'s program) writing its keys as profiles on its first start.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CliC2, e4c2, startCliC2 } from '../support/cliRun.js';
import { runProcess, stopProcesses } from '../support/processes.js';
import { recordSecret } from '../support/recordedSecrets.js';

interface CreatedKey {
  keyId: string;
  scope: string;
  status: string;
  token: string;
}

let c2: CliC2;
beforeAll(async () => {
  c2 = await startCliC2();
});
afterAll(() => c2?.close());
afterEach(() => stopProcesses());

const mode = (path: string) => statSync(path).mode & 0o777;
/** Only the configuration file: no URL, no key, no profile from the environment. */
const configOnly = (file: string) => ({ E4C2_CONFIG: file });

describe('e4c2 login, logout, profiles', () => {
  it('login reads the key from stdin, checks it, stores a 0600 profile in a 0700 folder that later commands use', async () => {
    const file = join(c2.dir, 'login', 'e4c2', 'config.json');
    const adminKey = c2.env.E4C2_API_KEY!;

    const login = await e4c2(['login', '--api-url', `${c2.server.apiUrl}/v1/`, '--with-token'], configOnly(file), {
      input: `${adminKey}\n`,
    });

    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Logged in to ${c2.server.apiUrl} as tenant "${c2.server.tenantId}": admin key`);
    expect(login.stdout).toContain(`Profile "default" written to ${file}.`);
    expect(login.stdout + login.stderr).not.toContain(adminKey);
    expect(mode(file)).toBe(0o600);
    expect(mode(join(c2.dir, 'login', 'e4c2'))).toBe(0o700);
    expect(mode(join(c2.dir, 'login'))).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      profiles: { default: { apiUrl: c2.server.apiUrl, apiKey: adminKey } },
    });
    const clients = await e4c2(['clients', 'list', '--json'], configOnly(file));
    expect(clients).toMatchObject({ code: 0 });
    expect(clients.json()).toEqual([]);

    // A second profile, and the list of them: the one in use marked, never a key
    const other = await e4c2(
      ['login', '--profile', 'other', '--api-url', c2.server.apiUrl, '--with-token', '--json'],
      configOnly(file),
      { input: adminKey },
    );
    expect(other.json()).toMatchObject({ profile: 'other', kind: 'tenant', scope: 'admin', file });
    const table = await e4c2(['profiles', 'list'], configOnly(file));
    expect(table.stdout).toMatch(/^\* +default +http:\/\/127\.0\.0\.1:\d+ +local +[0-9a-f]{16}$/m);
    expect(table.stdout).not.toContain(adminKey.split('.')[3]);
    const listed = await e4c2(['profiles', 'list', '--json', '--profile', 'other'], configOnly(file));
    expect(listed.json()).toEqual([
      { name: 'default', default: false, apiUrl: c2.server.apiUrl, tenant: 'local', keyId: adminKey.split('.')[2] },
      { name: 'other', default: true, apiUrl: c2.server.apiUrl, tenant: 'local', keyId: adminKey.split('.')[2] },
    ]);
    expect(listed.stdout).not.toContain(adminKey.split('.')[3]);

    // logout removes the profile; a second logout finds none
    expect(await e4c2(['logout', '--profile', 'other'], configOnly(file))).toMatchObject({ code: 0 });
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).profiles)).toEqual(['default']);
    expect(mode(file)).toBe(0o600);
    const again = await e4c2(['logout', '--profile', 'other'], configOnly(file));
    expect(again).toMatchObject({ code: 4, stderr: `e4c2: no profile "other" in ${file}\n` });
  }, 120_000);

  it('a key the C2 refuses exits 3 and writes nothing; no key, no URL or no stdin are usage errors', async () => {
    const file = join(c2.dir, 'refused', 'config.json');
    const refused = `${c2.env.E4C2_API_KEY!.slice(0, -4)}AAAA`;

    const bad = await e4c2(['login', '--api-url', c2.server.apiUrl, '--with-token'], configOnly(file), {
      input: refused,
    });
    const empty = await e4c2(['login', '--api-url', c2.server.apiUrl, '--with-token'], configOnly(file));
    const notAKey = await e4c2(['login', '--api-url', c2.server.apiUrl, '--with-token'], configOnly(file), {
      input: 'hunter2',
    });
    const noUrl = await e4c2(['login', '--with-token'], configOnly(file), { input: c2.env.E4C2_API_KEY! });
    const noTty = await e4c2(['login', '--api-url', c2.server.apiUrl], configOnly(file));

    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^e4c2: UNAUTHORIZED: .*\(profile "default" not written\)\n$/);
    expect(bad.stderr).not.toContain(refused);
    expect(empty).toMatchObject({ code: 2, stderr: 'e4c2: no API key given\n' });
    expect(notAKey.code).toBe(2);
    expect(notAKey.stderr).toContain('not an e4c2 API key');
    expect(notAKey.stderr).not.toContain('hunter2');
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('--api-url is required');
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('--with-token');
    expect(existsSync(file)).toBe(false);
  }, 120_000);
});

describe('e4c2 keys', () => {
  it('creates, lists, gets, rotates and revokes API keys; a rotated or revoked token is refused', async () => {
    const created = await e4c2(['keys', 'create', '--name', 'ci', '--scope', 'operator', '--json'], c2.env);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain('shown once');
    const key = created.json<CreatedKey>();
    expect(key).toMatchObject({ scope: 'operator', status: 'active' });
    const asKey = { ...c2.env, E4C2_API_KEY: key.token };
    expect((await e4c2(['clients', 'list'], asKey)).code).toBe(0);

    // An operator key logs in, its scope told apart from an admin's
    const file = join(c2.dir, 'operator.json');
    const login = await e4c2(['login', '--api-url', c2.server.apiUrl, '--with-token', '--json'], configOnly(file), {
      input: key.token,
    });
    expect(login.json()).toMatchObject({ keyId: key.keyId, scope: 'operator or read-only' });

    const listed = (await e4c2(['keys', 'list', '--all', '--json'], c2.env)).json<CreatedKey[]>();
    expect(listed.map((k) => k.keyId)).toContain(key.keyId);
    expect(JSON.stringify(listed)).not.toContain(key.token);
    const table = await e4c2(['keys', 'get', key.keyId], c2.env);
    expect(table.stdout).toMatch(/^name: +ci$/m);

    const rotated = await e4c2(['keys', 'rotate', key.keyId, '--json'], c2.env);
    const newKey = rotated.json<CreatedKey>();
    expect(newKey.keyId).toBe(key.keyId);
    expect(newKey.token).not.toBe(key.token);
    expect(rotated.stderr).toContain('shown once');
    expect((await e4c2(['clients', 'list'], asKey)).code).toBe(3);

    const revoked = await e4c2(['keys', 'revoke', key.keyId], c2.env);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked API key ${key.keyId} ("ci").\n` });
    expect((await e4c2(['keys', 'get', key.keyId, '--json'], c2.env)).json()).toMatchObject({ status: 'revoked' });
    expect((await e4c2(['clients', 'list'], { ...c2.env, E4C2_API_KEY: newKey.token })).code).toBe(3);

    // Mistakes: a malformed id (no request), an unknown one, a bad expiry, a bad scope
    expect((await e4c2(['keys', 'get', 'nope'], c2.env)).code).toBe(2);
    expect(await e4c2(['keys', 'get', '0000000000000000'], c2.env)).toMatchObject({
      code: 4,
      stderr: 'e4c2: NOT_FOUND: no API key 0000000000000000\n',
    });
    const expiry = await e4c2(['keys', 'create', '--name', 'x', '--scope', 'admin', '--expires-at', 'soon'], c2.env);
    expect(expiry.code).toBe(2);
    expect((await e4c2(['keys', 'create', '--name', 'x', '--scope', 'root'], c2.env)).code).toBe(2);
  }, 180_000);

  it('rotating the key of the profile in use stores its new token in the profile', async () => {
    const file = join(c2.dir, 'rotate.json');
    const second = (
      await e4c2(['keys', 'create', '--name', 'second admin', '--scope', 'admin', '--json'], c2.env)
    ).json<CreatedKey>();
    await e4c2(['login', '--api-url', c2.server.apiUrl, '--with-token'], configOnly(file), { input: second.token });

    const rotated = await e4c2(['keys', 'rotate', second.keyId], configOnly(file));

    expect(rotated.code).toBe(0);
    expect(rotated.stderr).toContain('Profile "default" now holds the new token.');
    const stored = JSON.parse(readFileSync(file, 'utf8')).profiles.default.apiKey as string;
    recordSecret(stored);
    expect(stored).not.toBe(second.token);
    expect(rotated.stdout).toContain(stored);
    expect((await e4c2(['keys', 'get', second.keyId], configOnly(file))).code).toBe(0);
  }, 120_000);
});

describe('e4c2 tenants', () => {
  it('creates, lists, suspends, resumes, limits and deletes a tenant with the platform key', async () => {
    const platform = { ...c2.env, E4C2_API_KEY: c2.server.platformKey! };

    const created = await e4c2(
      ['tenants', 'create', 'acme', '--name', 'Acme Corp', '--limit', 'maxClients=5', '--json'],
      platform,
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toContain('shown once');
    const answer = created.json<
      { tenant: { id: string }; limits: { limits: { maxClients: number } } } & {
        adminKey: CreatedKey;
      }
    >();
    expect(answer).toMatchObject({ tenant: { id: 'acme', displayName: 'Acme Corp', status: 'active' } });
    expect(answer.limits.limits.maxClients).toBe(5);
    const acme = { ...c2.env, E4C2_API_KEY: answer.adminKey.token };
    expect((await e4c2(['clients', 'list'], acme)).code).toBe(0);

    const list = await e4c2(['tenants', 'list'], platform);
    expect(list.stdout).toMatch(/^acme +Acme Corp +active /m);
    expect((await e4c2(['tenants', 'get', 'acme', '--json'], platform)).json()).toMatchObject({ status: 'active' });

    expect(await e4c2(['tenants', 'suspend', 'acme'], platform)).toMatchObject({
      code: 0,
      stdout: 'Tenant "acme" suspended.\n',
    });
    const suspended = await e4c2(['clients', 'list'], acme);
    expect(suspended).toMatchObject({ code: 3 });
    expect(suspended.stderr).toMatch(/^e4c2: TENANT_SUSPENDED: /);
    expect((await e4c2(['tenants', 'resume', 'acme', '--json'], platform)).json()).toMatchObject({ status: 'active' });
    expect((await e4c2(['clients', 'list'], acme)).code).toBe(0);

    const limits = await e4c2(['tenants', 'limits', 'acme', 'maxClients=7', 'maxTopics=3', '--json'], platform);
    expect(limits.json()).toMatchObject({ limits: { maxClients: 7, maxTopics: 3 } });
    const reset = await e4c2(['tenants', 'limits', 'acme', 'maxClients=default', '--json'], platform);
    expect(reset.json<{ limits: { maxClients: number; maxTopics: number } }>().limits).toMatchObject({
      maxTopics: 3,
    });
    expect(reset.json<{ limits: { maxClients: number } }>().limits.maxClients).not.toBe(7);
    const badLimit = await e4c2(['tenants', 'limits', 'acme', 'maxWidgets=1'], platform);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('"maxWidgets" is not a limit');

    // A tenant's key is not the platform's, and the platform's is no tenant's
    const notPlatform = await e4c2(['tenants', 'list'], acme);
    expect(notPlatform.code).toBe(3);
    expect((await e4c2(['clients', 'list'], platform)).code).toBe(3);

    const started = await e4c2(['tenants', 'delete', 'acme', '--json'], platform);
    expect(started.json()).toMatchObject({ tenant: 'acme', operation: { kind: 'tenant.delete' } });
    expect(started.stderr).toBe('Follow it: e4c2 tenants get acme\n');
    const deleted = await e4c2(['tenants', 'delete', 'acme', '--wait', '--json'], platform);
    expect(deleted.code).toBe(0);
    expect(deleted.json()).toMatchObject({ id: 'acme', status: 'deleted' });
    expect((await e4c2(['clients', 'list'], acme)).code).toBe(3);
    expect((await e4c2(['tenants', 'get', 'nobody'], platform)).code).toBe(4);
    expect((await e4c2(['tenants', 'get', 'Not_An_Id'], platform)).code).toBe(2);
  }, 180_000);

  it('a platform key logs in as the platform operator', async () => {
    const file = join(c2.dir, 'platform.json');
    const login = await e4c2(
      ['login', '--profile', 'platform', '--api-url', c2.server.apiUrl, '--with-token'],
      configOnly(file),
      { input: c2.server.platformKey! },
    );
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('as the platform operator: platform key');
    const listed = await e4c2(['tenants', 'list', '--profile', 'platform', '--json'], configOnly(file));
    expect(listed.code).toBe(0);
  }, 120_000);
});

describe('local mode writes its keys as CLI profiles', () => {
  it('on its first start: default (or local when default is another C2) and platform; not with --no-cli-profile', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'e4c2-cli-local-'));
    try {
      const file = join(folder, 'config', 'config.json');
      const start = (stateDir: string, args: string[] = []) =>
        runProcess(
          process.execPath,
          ['--import', 'tsx', 'local/main.ts', '--state-dir', stateDir, '--port', '0', '--mqtt-port', '0', ...args],
          { E4C2_CONFIG: file, E4C2_LOG_LEVEL: 'warn' },
        );

      // First start of a state folder, no configuration: default and platform
      const first = start(join(folder, 'one'));
      await first.waitFor('Ctrl-C stops.');
      expect(first.stdout()).toContain(`CLI profiles "default" and "platform" written to ${file}.`);
      first.child.kill('SIGINT');
      expect(await first.exited).toBe(0);
      recordSecret(JSON.parse(readFileSync(file, 'utf8')).profiles.default.apiKey);
      recordSecret(JSON.parse(readFileSync(file, 'utf8')).profiles.platform.apiKey);
      expect(mode(file)).toBe(0o600);

      // default pointing to another C2: it stays, the new key goes to "local"
      const config = JSON.parse(readFileSync(file, 'utf8'));
      config.profiles.default = { apiUrl: 'https://c2.example.com', apiKey: 'e4c2.prod.x' };
      delete config.profiles.platform;
      writeFileSync(file, JSON.stringify(config));
      const second = start(join(folder, 'two'));
      await second.waitFor('Ctrl-C stops.');
      expect(second.stdout()).toContain(`CLI profiles "local" and "platform" written to ${file}.`);
      const written = JSON.parse(readFileSync(file, 'utf8')).profiles;
      recordSecret(written.local.apiKey);
      recordSecret(written.platform.apiKey);
      expect(written.default).toEqual({ apiUrl: 'https://c2.example.com', apiKey: 'e4c2.prod.x' });
      const apiUrl = written.local.apiUrl as string;
      expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      // The profiles work, with no E4C2_ variable but the file
      expect((await e4c2(['clients', 'list', '--profile', 'local', '--json'], configOnly(file))).json()).toEqual([]);
      expect((await e4c2(['tenants', 'list', '--profile', 'platform'], configOnly(file))).code).toBe(0);
      second.child.kill('SIGINT');
      expect(await second.exited).toBe(0);

      // --no-cli-profile: a new admin key printed, nothing written
      const before = readFileSync(file, 'utf8');
      const third = start(join(folder, 'two'), ['--new-admin-key', '--no-cli-profile']);
      await third.waitFor('Ctrl-C stops.');
      expect(third.stdout()).toContain('Admin API key:');
      expect(third.stdout()).not.toContain('CLI profile');
      third.child.kill('SIGINT');
      expect(await third.exited).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(before);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }, 90_000);
});
