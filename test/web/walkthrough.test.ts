/**
 * The web UI in Debian's Chromium (playwright-core, no browser download) against local mode serving it: sign in with
 * the admin key, create a client (its generated key and broker password read from the page run a real device over
 * MQTT), create a topic, link the client, rotate the key and watch the progress reach 100 % as the device confirms,
 * then, the device offline, rotate again: the dashboard shows it behind (v2 confirmed, v3 current) until it comes back
 * and confirms; then unlink it; an enrolment key refused at sign-in, an operator key shown as operator;
 * on every page visited axe-core finds no serious or critical violation, and the console shows no error (a CSP
 * violation included). Skipped without /usr/bin/chromium, except in CI.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalC2Server } from '../../local/startLocal.js';
import { E4Client, fromBase64 } from '../../shared/e4/node/index.js';
import { type AnyJson, requestLocalApi } from '../support/localApi.js';
import { recordSecret } from '../support/recordedSecrets.js';
import { serverMissing } from '../support/serverMissing.js';
import { connectDevice, type TestDevice } from '../support/testDevice.js';
import { expectAccessible as accessible, chromiumMissing, type UiBrowser } from './uiBrowser.js';
import { startWebUiOnLocal, type WebUiOnLocal } from './webUiOnLocal.js';

let web: WebUiOnLocal | undefined;
let server: LocalC2Server;
let ui: UiBrowser;
let page: Page;
let device: TestDevice | undefined;
let credentials: { username: string; password: string };

describe.skipIf(serverMissing(chromiumMissing()))('web UI walkthrough', () => {
  beforeAll(async () => {
    web = await startWebUiOnLocal();
    ({ server, ui, page } = web);
  }, 90_000);

  afterAll(async () => {
    await device?.end().catch(() => {});
    await web?.close();
  });

  const expectAccessible = (what: string) => accessible(page, what);

  it('signs in with an API key and shows the tenant and scope', async () => {
    await page.goto(server.webUiUrl!);
    await expectAccessible('sign-in page');
    await page.getByLabel('API key').fill('not a key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not a tenant API key');

    await page.getByLabel('API key').fill(server.adminKey!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(await page.getByTestId('tenant').textContent()).toBe('local');
    expect(await page.getByTestId('scope').textContent()).toBe('admin');
    // Held in the tab's session storage, never in the address.
    expect(page.url()).not.toContain(server.adminKey!);
    expect(await page.evaluate(() => sessionStorage.getItem('e4c2.apiKey'))).toBe(server.adminKey);
    await page.getByText('Recent events').waitFor();
    await expectAccessible('dashboard');
  });

  it('creates a client with a generated key, shown once, that a real device uses', async () => {
    await page.getByRole('link', { name: 'Clients' }).first().click();
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('ui-device-1');
    await page.getByRole('button', { name: 'Create client' }).click();
    const key = (await page.getByTestId('generated-key').textContent())!;
    const password = (await page.getByTestId('mqtt-password').textContent())!;
    const username = (await page.getByTestId('mqtt-username').textContent())!;
    recordSecret(key);
    recordSecret(password);
    await page.getByRole('cell', { name: 'ui-device-1' }).waitFor();
    await expectAccessible('clients page');

    const client = await E4Client.create({ mode: 'symmetric', key: fromBase64(key)!, name: 'ui-device-1' });
    credentials = { username, password };
    device = await connectDevice(client, server.mqttUrl, 'ui-device-1', { credentials });
  });

  it('creates a topic, links the client, rotates the key and follows the progress to 100 %', async () => {
    await page.getByRole('link', { name: 'Topics' }).first().click();
    await page.getByLabel('Topic', { exact: true }).fill('ui/sensors');
    await page.getByRole('button', { name: 'Create topic' }).click();
    await page.getByRole('heading', { name: 'ui/sensors' }).waitFor();
    expect(await page.getByTestId('key-version').textContent()).toBe('v1');

    await page.getByLabel('Link clients (their names, one a line)').fill('ui-device-1');
    await page.getByRole('button', { name: 'Link' }).click();
    await page.getByRole('link', { name: 'ui-device-1' }).waitFor();
    await device!.commandsApplied(1); // SetTopicKey v1
    await expectAccessible('topic page');

    await page.getByRole('button', { name: 'Rotate the key' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('A new key (v2) is made and sent to the 1 clients');
    await expectAccessible('rotation dialog');
    await dialog.getByRole('button', { name: 'Rotate' }).click();
    await page.locator('.operation[data-status="succeeded"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('.operation .counts').textContent()).toContain('100 %');
    await device!.commandsApplied(2); // SetTopicKey v2
    await expect.poll(() => page.getByTestId('key-version').textContent()).toBe('v2');
  });

  it('shows the device behind on the dashboard after a rotation while it is offline, until it comes back', async () => {
    const topicUrl = page.url();
    await device!.end();
    await page.getByRole('button', { name: 'Rotate the key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    // The key is v3 once the operation made it; the device, offline, confirmed v2 only.
    await expect
      .poll(
        async () =>
          (await requestLocalApi<AnyJson>(server, 'GET', '/v1/topics?topic=ui%2Fsensors')).json.items[0].keyVersion,
        { timeout: 20_000 },
      )
      .toBe(3);

    await page.getByRole('link', { name: 'Dashboard' }).click();
    const behind = page.getByRole('region', { name: 'Devices behind' });
    const row = behind.getByRole('row').filter({ hasText: 'ui-device-1' });
    await expect
      .poll(async () => {
        await page.reload();
        await behind
          .getByText(/^None:|ui-device-1/)
          .first()
          .waitFor();
        return row.count();
      })
      .toBe(1);
    expect(await row.locator('td').nth(2).textContent()).toBe('ui/sensors: v2 confirmed, v3 current');
    expect(await row.getByRole('link', { name: 'ui-device-1' }).getAttribute('href')).toMatch(
      /^\/clients\/[0-9a-f]{32}$/,
    );
    await expectAccessible('dashboard, a device behind');

    // It comes back: resynced, it confirms v3 and leaves the list.
    device = await connectDevice(device!.client, server.mqttUrl, 'ui-device-1', { credentials });
    await device.commandsApplied(1); // SetTopicKey v3
    await expect
      .poll(
        async () => {
          await page.reload();
          await behind
            .getByText(/^None:|ui-device-1/)
            .first()
            .waitFor();
          return row.count();
        },
        { timeout: 15_000 },
      )
      .toBe(0);
    await behind.getByText('None: every device confirmed its current keys.').waitFor();
    await page.goto(topicUrl);
    await page.getByRole('heading', { name: 'ui/sensors' }).waitFor();
  });

  it('shows the client with its topic, its operations and each action behind a dialog', async () => {
    await page.getByRole('link', { name: 'ui-device-1' }).click();
    await page.getByRole('heading', { name: 'ui-device-1' }).waitFor();
    await page.getByRole('link', { name: 'ui/sensors' }).waitFor();
    await expectAccessible('client page');
    await page.getByRole('button', { name: 'Delete' }).click();
    expect(await page.getByRole('dialog').textContent()).toContain('It cannot be undone.');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

    await page.getByRole('link', { name: 'Operations' }).first().click();
    await page.getByRole('link', { name: 'topic.rotate' }).first().click();
    await page.getByRole('cell', { name: 'ui-device-1' }).waitFor();
    await expectAccessible('operation page');
  });

  it('unlinks the client after saying what will happen, and follows the operation to its end', async () => {
    await page.getByRole('link', { name: 'Topics' }).first().click();
    await page.getByRole('link', { name: 'ui/sensors' }).click();
    await page.getByRole('button', { name: 'Unlink ui-device-1' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('the device is told to forget the topic');
    const applied = device!.commands.length;
    await dialog.getByRole('button', { name: 'Unlink' }).click();
    await page.locator('.operation[data-status="succeeded"]').waitFor({ timeout: 20_000 });
    await page.getByText('No client yet').waitFor();
    await device!.commandsApplied(applied + 1); // RemoveTopic
    expect(await page.title()).toMatch(/^Topics: [0-9a-f]+ · e4c2$/);
  });

  it('signs out (the key leaves the session) and a reload of a page of the UI works', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'ui/sensors' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('e4c2.apiKey'))).toBeNull();
    expect(ui.consoleErrors).toEqual([]);
  });

  it('refuses an enrolment key at sign-in, and shows an operator key as operator', async () => {
    const keyOf = async (scope: string) => {
      const created = await requestLocalApi<AnyJson>(server, 'POST', '/v1/keys/api', { name: `ui-${scope}`, scope });
      expect(created.status).toBe(201);
      recordSecret(created.json.token);
      return created.json.token as string;
    };
    await page.getByLabel('API key').fill(await keyOf('enrol'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('This is an enrolment key');
    expect(await page.evaluate(() => sessionStorage.getItem('e4c2.apiKey'))).toBeNull();
    await expectAccessible('sign-in page, enrolment key refused');

    await page.getByLabel('API key').fill(await keyOf('operator'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(await page.getByTestId('scope').textContent()).toBe('operator');
    expect(await page.getByTestId('tenant').textContent()).toBe('local');
    expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    await page.getByText('Recent events').waitFor();
    expect(ui.consoleErrors).toEqual([]);
  });
});
