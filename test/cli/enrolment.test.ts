/**
 * `e4c2 enrolment` as a subprocess against local mode: a window opened (its token shown once, and it enrols a device
 * over the API), listed, shown, closed (its token refused from then on); usage errors and an unknown window. And trust
 * on first use from the terminal: `e4c2 device enrol --token -` enrols a device with a window's token (no operator
 * key; a public-key device too, given the C2's public key), the device listens and gets its new identity key (key
 * version 2) then its topic's key; a closed window's token is ENROLMENT_CLOSED (exit 1); the token is never taken as
 * an argument's value.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, decodeState, hashIdAlias, randomKey, toBase64 } from '../../shared/e4/node/index.js';
import { type CliC2, e4c2, startCliC2 } from '../support/cliRun.js';
import { recordSecret } from '../support/recordedSecrets.js';

let c2: CliC2;
beforeAll(async () => {
  c2 = await startCliC2();
});
afterAll(() => c2?.close());

interface Window {
  id: string;
  status: string;
  enrolled: number;
  maxCount: number;
}

const enrol = (token: string, name: string) =>
  fetch(`${c2.server.apiUrl}/v1/enrol`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, key: toBase64(randomKey()) }),
  });

describe('e4c2 enrolment', () => {
  it('opens a window whose token enrols devices, lists, shows and closes it', async () => {
    // Act
    const opened = await e4c2(
      ['enrolment', 'open', '--max-count', '3', '--minutes', '30', '--name', 'line 1', '--json'],
      c2.env,
    );
    const { window, token } = opened.json<{ window: Window; token: string }>();
    recordSecret(token);
    const first = await enrol(token, 'tofu-cli-1');
    // A public-key device from the terminal: its key pair made here, the C2's public key given (no token reads it).
    const c2Key = await fetch(`${c2.server.apiUrl}/v1/keys/c2`, {
      headers: { authorization: `Bearer ${c2.env.E4C2_API_KEY}` },
    });
    const { publicKey } = (await c2Key.json()) as { publicKey: string };
    const pubkeyDevice = await e4c2(
      ['device', 'enrol', 'tofu-pk', '--pubkey', '--token', '-', '--c2-pubkey', publicKey, '--json'],
      { E4C2_API_URL: c2.server.apiUrl, E4C2_DEVICE_STATE: join(c2.dir, 'tofu-pk.json') },
      { input: token },
    );
    const listed = await e4c2(['enrolment', 'list'], c2.env);
    const shown = (await e4c2(['enrolment', 'get', window.id, '--json'], c2.env)).json<Window>();
    const closed = await e4c2(['enrolment', 'close', window.id, '--json'], c2.env);
    const after = await enrol(token, 'tofu-cli-2');

    // Assess
    expect(opened.code).toBe(0);
    expect(opened.stderr).toContain('shown once');
    expect(window).toMatchObject({ status: 'open', maxCount: 3, enrolled: 0 });
    expect(first.status).toBe(201);
    expect(pubkeyDevice).toMatchObject({ code: 0, stderr: '' });
    expect(pubkeyDevice.json()).toMatchObject({ client: { name: 'tofu-pk', mode: 'pubkey', rekeyOnReturn: true } });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${window.id}\\s+line 1\\s+open\\s+2/3`, 'm'));
    expect(shown).toMatchObject({ id: window.id, enrolled: 2 });
    expect(closed.json<Window>()).toMatchObject({ id: window.id, status: 'closed' });
    expect(after.status).toBe(401);
  });

  it('enrols a device with a window token from the terminal; it comes back, is re-keyed, then gets its topic key', {
    timeout: 90_000,
  }, async () => {
    // Prepare: a topic, a window onto it, and an environment with the C2's URL but no operator key.
    const topic = 'tofu/line-1';
    const created = await fetch(`${c2.server.apiUrl}/v1/topics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c2.env.E4C2_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ topic }),
    });
    expect(created.status).toBe(201);
    const opened = await e4c2(
      ['enrolment', 'open', '--max-count', '3', '--minutes', '10', '--mode', 'symmetric', '--topic', topic, '--json'],
      c2.env,
    );
    const { window, token } = opened.json<{ window: Window; token: string }>();
    recordSecret(token);
    const deviceEnv = { E4C2_API_URL: c2.server.apiUrl, E4C2_CONFIG: c2.env.E4C2_CONFIG! };
    const state = join(c2.dir, 'tofu-dev.json');
    const keyOf = async () => {
      const { identity } = decodeState(new Uint8Array(await readFile(state)));
      return identity.mode === 'symmetric' ? bytesToHex(identity.key) : '';
    };

    // Act: the device enrols itself, then comes back (listens) until its two commands arrive.
    const enrolled = await e4c2(
      ['device', 'enrol', 'tofu-dev', '--token', '-', '--state', state, '--json'],
      deviceEnv,
      {
        input: `${token}\n`,
      },
    );
    const enrolmentKey = await keyOf();
    recordSecret(enrolmentKey);
    const listen = await e4c2(['device', 'listen', '--state', state, '--count', '2', '--timeout', '30', '--json'], {
      ...deviceEnv,
      E4C2_MQTT_URL: c2.server.mqttUrl,
    });
    let client: { keyVersion: number; rekeyOnReturn?: boolean } | undefined;
    for (let tries = 0; tries < 50 && client?.keyVersion !== 2; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const response = await fetch(`${c2.server.apiUrl}/v1/clients/${bytesToHex(hashIdAlias('tofu-dev'))}`, {
        headers: { authorization: `Bearer ${c2.env.E4C2_API_KEY}` },
      });
      client = (await response.json()) as typeof client;
    }
    const newKey = await keyOf();
    recordSecret(newKey);

    // Act: a token in a file, the window closed; a token given as an argument.
    const tokenFile = join(c2.dir, 'tofu-token.txt');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    expect((await e4c2(['enrolment', 'close', window.id], c2.env)).code).toBe(0);
    const closed = await e4c2(
      ['device', 'enrol', 'tofu-late', '--token-file', tokenFile, '--state', join(c2.dir, 'tofu-late.json')],
      deviceEnv,
    );
    const inArgument = await e4c2(['device', 'enrol', 'tofu-arg', '--token', token], deviceEnv);

    // Assess: enrolled by the window with no operator key, flagged; re-keyed on its return, then its topic key.
    expect(enrolled).toMatchObject({ code: 0, stderr: '' });
    expect(enrolled.json()).toMatchObject({
      client: { name: 'tofu-dev', mode: 'symmetric', keyVersion: 1, rekeyOnReturn: true },
      state,
    });
    expect(listen).toMatchObject({ code: 0 });
    expect(
      listen.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([{ command: 'SetIDKey' }, { command: 'SetTopicKey' }]);
    expect(client).toMatchObject({ keyVersion: 2 });
    expect(client?.rekeyOnReturn).toBeUndefined();
    expect(newKey).not.toBe(enrolmentKey);
    // A closed window: exit 1, ENROLMENT_CLOSED, nothing made in the C2; a token as an argument: usage, not sent.
    expect(closed).toMatchObject({ code: 1, stdout: '' });
    expect(closed.stderr).toMatch(/^e4c2: ENROLMENT_CLOSED: the enrolment token was refused: its window is closed/);
    expect(inArgument).toMatchObject({ code: 2, stdout: '' });
    expect(inArgument.stderr).toContain('--token takes "-"');
    for (const run of [enrolled, listen, closed, inArgument]) expect(run.stdout + run.stderr).not.toContain(token);
  });

  it('refuses bad arguments (exit 2) and names an unknown window (exit 4)', async () => {
    const noDuration = await e4c2(['enrolment', 'open', '--max-count', '2'], c2.env);
    expect(noDuration.code).toBe(2);
    expect(noDuration.stderr).toContain('--minutes or --closes-at');
    expect((await e4c2(['enrolment', 'get', 'nope'], c2.env)).code).toBe(2);
    const unknown = await e4c2(['enrolment', 'close', '0123456789abcdef'], c2.env);
    expect(unknown).toMatchObject({ code: 4, stderr: 'e4c2: NOT_FOUND: no enrolment window 0123456789abcdef\n' });
  });
});
