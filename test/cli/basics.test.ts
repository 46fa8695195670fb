/**
 * The CLI's conventions, run as a subprocess against local mode: output formats, exit codes and messages of the
 * failures an operator meets (no configuration, a bad key, an unknown name, a C2 that is down, a usage mistake).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliC2, e4c2, startCliC2 } from '../support/cliRun.js';
import { freePort } from '../support/freePort.js';

let c2: CliC2;
beforeAll(async () => {
  c2 = await startCliC2();
});
afterAll(() => c2?.close());

describe('e4c2 CLI basics', () => {
  it('checks health without a key, in each output format', async () => {
    const url = { E4C2_API_URL: c2.server.apiUrl };
    expect(await e4c2(['health'], url)).toMatchObject({ code: 0, stdout: 'status: ok\n' });
    expect((await e4c2(['health', '--json'], url)).json()).toEqual({ status: 'ok' });
    expect(await e4c2(['health', '-o', 'yaml'], url)).toMatchObject({ code: 0, stdout: 'status: ok\n' });
  });

  it('lists clients as a table and as JSON', async () => {
    const empty = await e4c2(['clients', 'list'], c2.env);
    expect(empty).toMatchObject({ code: 0, stdout: '', stderr: 'No clients.\n' });
    expect((await e4c2(['clients', 'list', '--json'], c2.env)).json()).toEqual([]);
  });

  it('exits 3 without a configuration or with a key the C2 refuses', async () => {
    const none = await e4c2(['clients', 'list'], { E4C2_CONFIG: c2.env.E4C2_CONFIG! });
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('e4c2 login');
    const bad = await e4c2(['clients', 'list'], {
      ...c2.env,
      E4C2_API_KEY: `${c2.env.E4C2_API_KEY!.slice(0, -4)}AAAA`,
    });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/^e4c2: UNAUTHORIZED: /);
  });

  it('exits 4 for an unknown name, saying which', async () => {
    const run = await e4c2(['clients', 'get', 'nobody'], c2.env);
    expect(run).toMatchObject({ code: 4, stdout: '', stderr: 'e4c2: NOT_FOUND: no client "nobody"\n' });
  });

  it('exits 5 when the C2 cannot be reached', async () => {
    const port = await freePort();
    const run = await e4c2(['clients', 'list'], { ...c2.env, E4C2_API_URL: `http://127.0.0.1:${port}` });
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`cannot reach the C2 at http://127.0.0.1:${port}: ECONNREFUSED`);
  });

  it('exits 2 for a usage mistake, without a request', async () => {
    const unknown = await e4c2(['clients', 'lst'], c2.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'lst'");
    const badUrl = await e4c2(['clients', 'list'], { ...c2.env, E4C2_API_URL: 'ftp://x' });
    expect(badUrl).toMatchObject({ code: 2, stderr: 'e4c2: "ftp://x" is not an http(s) URL\n' });
    expect((await e4c2(['clients', 'list', '-o', 'xml'], c2.env)).code).toBe(2);
  });
});
