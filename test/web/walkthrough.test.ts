/**
 * The web UI in Debian's Chromium (playwright-core, no browser download) against local mode serving it: sign in with
 * the admin key, create a client (its generated key and broker password read from the page run a real device over
 * MQTT), create a topic, link the client, rotate the key and watch the progress reach 100 % as the device confirms,
 * then unlink it;
 * on every page visited axe-core finds no serious or critical violation, and the console shows no error (a CSP
 * violation included). Skipped without /usr/bin/chromium, except in CI.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebUi } from '../../local/buildWebUi.js';
import { type LocalC2Server, startLocal } from '../../local/startLocal.js';
import { E4Client, fromBase64 } from '../../shared/e4/node/index.js';
import { recordSecret } from '../support/recordedSecrets.js';
import { serverMissing } from '../support/serverMissing.js';
import { connectDevice, type TestDevice } from '../support/testDevice.js';
import { expectAccessible as accessible, chromiumMissing, launchUiBrowser, type UiBrowser } from './uiBrowser.js';

let stateDir: string;
let server: LocalC2Server;
let ui: UiBrowser;
let page: Page;
let device: TestDevice | undefined;

describe.skipIf(serverMissing(chromiumMissing()))('web UI walkthrough', () => {
  beforeAll(async () => {
    const built = await buildWebUi();
    stateDir = await mkdtemp(join(tmpdir(), 'e4c2-web-'));
    server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, webUi: built.dir });
    recordSecret(server.adminKey!);
    ui = await launchUiBrowser();
    page = ui.page;
  }, 90_000);

  afterAll(async () => {
    await device?.end().catch(() => {});
    await ui?.browser.close().catch(() => {});
    await server?.close();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
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
    device = await connectDevice(client, server.mqttUrl, 'ui-device-1', { credentials: { username, password } });
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
    await page.getByRole('link', { name: 'topic.rotate' }).click();
    await page.getByRole('cell', { name: 'ui-device-1' }).waitFor();
    await expectAccessible('operation page');
  });

  it('unlinks the client after saying what will happen, and follows the operation to its end', async () => {
    await page.getByRole('link', { name: 'Topics' }).first().click();
    await page.getByRole('link', { name: 'ui/sensors' }).click();
    await page.getByRole('button', { name: 'Unlink ui-device-1' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('the device is told to forget the topic');
    await dialog.getByRole('button', { name: 'Unlink' }).click();
    await page.locator('.operation[data-status="succeeded"]').waitFor({ timeout: 20_000 });
    await page.getByText('No client yet').waitFor();
    await device!.commandsApplied(3); // RemoveTopic
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
});
