/**
 * The proxy's configuration file: the full example of docs/proxy.md parses; defaults; JSON as well as YAML; every
 * problem reported at once with its field and line; a local proxy needs an identity, a gateway its devices; paths
 * resolved against the file's folder; secrets read from a file or a variable, named (never shown) when missing.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProxyConfig } from '../../../proxy/config/parseProxyConfig.js';
import { readSecret } from '../../../proxy/config/readSecret.js';

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
    expect(parseProxyConfig(gateway!, 'gateway.yaml', 'gateway', '/etc/e4c2').devices).toBeDefined();
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
