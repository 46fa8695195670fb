/**
 * `e4c2 enrolment` as a subprocess against local mode: a window opened (its token shown once, and it enrols a device
 * over the API), listed, shown, closed (its token refused from then on); usage errors and an unknown window.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomKey, toBase64 } from '../../shared/e4/index.js';
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
      ['enrolment', 'open', '--max-count', '2', '--minutes', '30', '--name', 'line 1', '--json'],
      c2.env,
    );
    const { window, token } = opened.json<{ window: Window; token: string }>();
    recordSecret(token);
    const first = await enrol(token, 'tofu-cli-1');
    const listed = await e4c2(['enrolment', 'list'], c2.env);
    const shown = (await e4c2(['enrolment', 'get', window.id, '--json'], c2.env)).json<Window>();
    const closed = await e4c2(['enrolment', 'close', window.id, '--json'], c2.env);
    const after = await enrol(token, 'tofu-cli-2');

    // Assess
    expect(opened.code).toBe(0);
    expect(opened.stderr).toContain('shown once');
    expect(window).toMatchObject({ status: 'open', maxCount: 2, enrolled: 0 });
    expect(first.status).toBe(201);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${window.id}\\s+line 1\\s+open\\s+1/2`, 'm'));
    expect(shown).toMatchObject({ id: window.id, enrolled: 1 });
    expect(closed.json<Window>()).toMatchObject({ id: window.id, status: 'closed' });
    expect(after.status).toBe(401);
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
