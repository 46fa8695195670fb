/**
 * The proxy's configuration file: the full example of docs/proxy.md parses; defaults; JSON as well as YAML; every
 * problem reported at once with its field and line; a local proxy needs an identity, a gateway its devices; paths
 * resolved against the file's folder; secrets read from a file or a variable, named (never shown) when missing.
 * Downstream passwords: a hash or a secret per identity, not both; a local proxy listens off loopback only with one;
 * hashes made by `hashPassword` check the right password only; a gateway device's `<name>.passwd` is read.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProxyConfig } from '../../../proxy/config/parseProxyConfig.js';
import { readSecret } from '../../../proxy/config/readSecret.js';
import { DownstreamCredential } from '../../../proxy/DownstreamCredential.js';
import { identityFiles } from '../../../proxy/ProxyIdentity.js';
import { hashPassword, isPasswordHash, verifyPassword } from '../../../proxy/passwordHash.js';

const docsExample = (mode: string) => {
  const text = readFileSync(new URL('../../../docs/proxy.md', import.meta.url), 'utf8');
  return new RegExp(`\`\`\`yaml\\n(# ${mode} proxy[^\\n]*\\n[\\s\\S]*?)\`\`\``).exec(text)?.[1];
};

/** The error `run` throws; the test fails when it throws none. */
function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('parseProxyConfig', () => {
  it('parses the full examples of docs/proxy.md', () => {
    const local = docsExample('local');
    const gateway = docsExample('gateway');
    expect(local).toBeDefined();
    expect(gateway).toBeDefined();
    const config = parseProxyConfig(local!, 'proxy.yaml', 'local', '/etc/e4c2');
    expect(config.identity?.state).toMatch(/^\/etc\/e4c2\//);
    expect(config.upstream.url).toMatch(/^mqtts:/);
    const devices = parseProxyConfig(gateway!, 'gateway.yaml', 'gateway', '/etc/e4c2').devices;
    expect(devices?.list?.[0]?.passwordHash).toMatch(/^scrypt\$/);
  });

  it('takes a downstream password hash or secret per identity, not both; resolves a password file', () => {
    const base = { upstream: { url: 'mqtt://b' }, topics: { protect: ['a'] } };
    const hash = 'scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
    const list = [{ name: 'd', state: 'd.json', password: { file: 'd.password' } }];
    const parsed = parseProxyConfig(JSON.stringify({ ...base, devices: { list } }), 'g.json', 'gateway', '/srv');
    expect(parsed.devices?.list?.[0]?.password).toEqual({ file: '/srv/d.password' });
    const both = { ...base, devices: { list: [{ ...list[0], passwordHash: hash }] } };
    expect(errorOf(() => parseProxyConfig(JSON.stringify(both), 'g.json', 'gateway', '/')).message).toContain(
      'not both',
    );
    const bad = { ...base, identity: { state: 's.json', passwordHash: 'md5$abc' } };
    expect(errorOf(() => parseProxyConfig(JSON.stringify(bad), 'p.json', 'local', '/')).message).toContain(
      'identity.passwordHash',
    );
  });

  it('lets a local proxy listen off loopback only with a downstream password', () => {
    const base = { upstream: { url: 'mqtt://b' }, topics: { protect: ['a'] }, listen: { host: '0.0.0.0' } };
    const open = errorOf(() =>
      parseProxyConfig(JSON.stringify({ ...base, identity: { state: 's.json' } }), 'p.json', 'local', '/'),
    );
    expect(open.message).toContain('listen.host');
    const guarded = { ...base, identity: { state: 's.json', password: { env: 'PROXY_DOWNSTREAM' } } };
    expect(parseProxyConfig(JSON.stringify(guarded), 'p.json', 'local', '/').listen.host).toBe('0.0.0.0');
    for (const host of ['127.0.0.1', '::1', 'localhost']) {
      const local = { ...base, listen: { host }, identity: { state: 's.json' } };
      expect(parseProxyConfig(JSON.stringify(local), 'p.json', 'local', '/').listen.host).toBe(host);
    }
  });

  it('takes listen.tls: paths resolved, mTLS only with a CA, devices mapped by certificate CN only with mTLS', () => {
    const base = { upstream: { url: 'mqtt://b' }, topics: { protect: ['a'] }, devices: { folder: 'd' } };
    const tls = { cert: 'gw.crt', key: { file: 'gw.key' } };
    const parsed = parseProxyConfig(JSON.stringify({ ...base, listen: { tls } }), 'g.json', 'gateway', '/srv');
    expect(parsed.listen.tls).toEqual({
      cert: '/srv/gw.crt',
      key: { file: '/srv/gw.key' },
      requireClientCertificate: false,
    });
    const mutual = { ...tls, ca: 'devices-ca.crt', requireClientCertificate: true };
    const byCn = { ...base, listen: { tls: mutual }, devices: { folder: 'd', mapBy: 'certificateCn' } };
    expect(parseProxyConfig(JSON.stringify(byCn), 'g.json', 'gateway', '/srv').listen.tls?.ca).toBe(
      '/srv/devices-ca.crt',
    );

    const noCa = { ...base, listen: { tls: { ...tls, requireClientCertificate: true } } };
    expect(errorOf(() => parseProxyConfig(JSON.stringify(noCa), 'g.json', 'gateway', '/')).message).toMatch(
      /listen\.tls\.ca.*requireClientCertificate needs ca/,
    );
    const noKey = { ...base, listen: { tls: { cert: 'gw.crt' } } };
    expect(errorOf(() => parseProxyConfig(JSON.stringify(noKey), 'g.json', 'gateway', '/')).message).toContain(
      'listen.tls.key',
    );
    for (const listen of [{}, { tls }]) {
      const cnWithout = { ...base, listen, devices: { folder: 'd', mapBy: 'certificateCn' } };
      expect(errorOf(() => parseProxyConfig(JSON.stringify(cnWithout), 'g.json', 'gateway', '/')).message).toContain(
        'devices.mapBy',
      );
    }
  });

  it('fills the defaults and reads JSON too; resolves relative paths against the base folder', () => {
    const text = JSON.stringify({
      upstream: { url: 'mqtt://broker:1883', password: { file: 'secret.txt' } },
      identity: { state: 'me.json' },
      topics: { protect: ['a/#'] },
    });
    expect(parseProxyConfig(text, 'p.json', 'local', '/srv')).toEqual({
      listen: { host: '127.0.0.1', port: 1884 },
      upstream: { url: 'mqtt://broker:1883', password: { file: '/srv/secret.txt' }, clean: false, keepalive: 30 },
      identity: { state: '/srv/me.json' },
      topics: { protect: ['a/#'], unconfigured: 'drop' },
      metrics: { intervalSeconds: 60 },
    });
  });

  it('reports every bad field at once, with its line', () => {
    const text = [
      'listen:',
      '  port: 99999',
      'upstream:',
      '  url: http://broker',
      '  password: hunter2',
      'identity: { state: me.json }',
      'topics:',
      '  protect: [ok/#, bad/#/x]',
      '  unconfigured: ignore',
      'colour: blue',
    ].join('\n');
    const error = errorOf(() => parseProxyConfig(text, 'p.yaml', 'local', '/'));
    expect(error.name).toBe('ProxyConfigError');
    const lines = error.message.split('\n').slice(1);
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}- listen\.port \(line 2\): /),
        expect.stringMatching(/^ {2}- upstream\.url \(line 4\): .*mqtt:\/\//),
        expect.stringMatching(/^ {2}- upstream\.password \(line 5\): /),
        expect.stringMatching(/^ {2}- topics\.protect\[1\] \(line 8\): an MQTT topic filter/),
        expect.stringMatching(/^ {2}- topics\.unconfigured \(line 9\): /),
        expect.stringMatching(/colour/),
      ]),
    );
    expect(lines).toHaveLength(6);
    expect(error.message).not.toContain('hunter2'); // a value is never repeated
  });

  it('names a missing field, a YAML syntax error by its line, the section a mode needs', () => {
    const missing = errorOf(() => parseProxyConfig('identity: { state: a.json }\n', 'p.yaml', 'local', '/'));
    expect(missing.message).toContain('upstream (line 1): required (object)');
    const syntax = errorOf(() => parseProxyConfig('upstream:\n  url: [unclosed\n', 'p.yaml', 'local', '/'));
    expect(syntax.message).toMatch(/line \d+: /);
    const base = { upstream: { url: 'mqtt://b' }, topics: { protect: ['a'] } };
    const noIdentity = errorOf(() => parseProxyConfig(JSON.stringify(base), 'p.json', 'local', '/'));
    expect(noIdentity.message).toContain('identity: required by a local proxy');
    const noDevices = errorOf(() => parseProxyConfig(JSON.stringify(base), 'p.json', 'gateway', '/'));
    expect(noDevices.message).toContain('devices: required by a gateway proxy');
    const empty = JSON.stringify({ ...base, devices: { mapBy: 'username' } });
    expect(errorOf(() => parseProxyConfig(empty, 'p.json', 'gateway', '/')).message).toContain(
      'give a folder or a list',
    );
  });
});

describe('readSecret', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'e4c2-secret-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads a file (one trailing newline removed) or a variable; names what is missing, never a value', async () => {
    await writeFile(join(dir, 'password'), 's3cret\n');
    expect(await readSecret({ file: join(dir, 'password') })).toBe('s3cret');
    expect(await readSecret({ env: 'PROXY_PASSWORD' }, { PROXY_PASSWORD: 'p' })).toBe('p');
    await expect(readSecret({ env: 'NOPE' }, {})).rejects.toThrow('the environment variable NOPE is not set');
    await expect(readSecret({ file: join(dir, 'none') })).rejects.toThrow(/cannot read the secret file .*none: ENOENT/);
  });
});

describe('downstream passwords', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'e4c2-passwd-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('hashes with scrypt and a random salt; checks the right password only', async () => {
    const hash = await hashPassword('right one');
    expect(isPasswordHash(hash)).toBe(true);
    expect(hash).not.toContain('right one');
    expect(await hashPassword('right one')).not.toBe(hash);
    expect(await verifyPassword(Buffer.from('right one'), hash)).toBe(true);
    expect(await verifyPassword(Buffer.from('right on'), hash)).toBe(false);
    expect(await verifyPassword(Buffer.from('right one'), 'scrypt$30$8$1$AAAA$AAAA')).toBe(false);
  });

  it("reads a gateway device's hash from <name>.passwd; a password secret; refuses an empty password", async () => {
    await writeFile(join(dir, 'dev.json'), '{}');
    await writeFile(join(dir, 'dev.passwd'), `${await hashPassword('pw')}\n`);
    const [file] = await identityFiles(
      parseProxyConfig(
        JSON.stringify({ upstream: { url: 'mqtt://b' }, topics: { protect: ['a'] }, devices: { folder: '.' } }),
        'g.json',
        'gateway',
        dir,
      ),
    );
    expect(file).toMatchObject({ name: 'dev', hashFile: join(dir, 'dev.passwd') });
    const fromFile = await DownstreamCredential.load(file!.credential, file!.hashFile);
    expect(await fromFile?.verify(Buffer.from('pw'))).toBe(true);
    expect(await fromFile?.verify(Buffer.from('pW'))).toBe(false);
    expect(await fromFile?.verify(undefined)).toBe(false);
    expect(await DownstreamCredential.load({}, join(dir, 'none.passwd'))).toBeUndefined();
    await writeFile(join(dir, 'bad.passwd'), 'hunter2\n');
    await expect(DownstreamCredential.load({}, join(dir, 'bad.passwd'))).rejects.toThrow(/holds no password hash/);
    const env = 'E4C2_TEST_DOWNSTREAM';
    process.env[env] = 'secret';
    const fromEnv = await DownstreamCredential.load({ password: { env } });
    expect(await fromEnv?.verify(Buffer.from('secret'))).toBe(true);
    expect(await fromEnv?.verify(Buffer.from('secreT'))).toBe(false);
    process.env[env] = '';
    await expect(DownstreamCredential.load({ password: { env } })).rejects.toThrow(/empty/);
    delete process.env[env];
  });
});
