/**
 * The web UI in Debian's Chromium against local mode serving it: a factory device claimed in the claim dialog by its
 * code onto a topic (the batch registered through the API with the platform key): the client listed and flagged for
 * a new identity key on its page, its broker password shown once; the same code again refused (CLAIM_USED), a typo'd
 * code (INVALID_INPUT) and an unknown one (NOT_FOUND) refused with the API's message in the dialog; the code never in
 * the address or session storage; a read-only key not offered the claim. Then a topic's rotation that waits on an
 * offline device: one real device (the TypeScript library over the local broker) confirms, a client never connected
 * does not: the topic page shows the new key being delivered, 1 of 2 confirmed, the offline client pending, and the
 * operation linked; the offline device back, confirming through its resync, the rotation's operation counts it
 * confirmed (its device `confirmedVia` the resync, linked on the operation's page) and is no longer shown. The dialog
 * cannot be closed (Esc, Cancel) while a claim is in flight, so its answer (the broker password, shown once) is not
 * dropped. axe-core on every page and dialog; no console error but the refused requests'. Skipped without
 * /usr/bin/chromium, except in CI.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalC2Server } from '../../local/startLocal.js';
import { CLAIM_CODE_ALPHABET, newClaimCode } from '../../shared/c2/factory/claimCode.js';
import { E4Client, fromBase64, toBase64 } from '../../shared/e4/node/index.js';
import { type AnyJson, requestLocalApi } from '../support/localApi.js';
import { recordSecret } from '../support/recordedSecrets.js';
import { serverMissing } from '../support/serverMissing.js';
import { connectDevice, type TestDevice } from '../support/testDevice.js';
import { chromiumMissing, expectAccessible, signIn, type UiBrowser } from './uiBrowser.js';
import { go as goTo, startWebUiOnLocal, type WebUiOnLocal } from './webUiOnLocal.js';

let web: WebUiOnLocal | undefined;
let server: LocalC2Server;
let ui: UiBrowser;
let page: Page;
let device: TestDevice | undefined;
let code: string;

const go = (path: string) => goTo(page, path);

/** `code` with its first character changed: a typo its check character catches. */
function typo(of: string): string {
  const first = of[0]!;
  return CLAIM_CODE_ALPHABET[(CLAIM_CODE_ALPHABET.indexOf(first) + 1) % 32] + of.slice(1);
}

describe.skipIf(serverMissing(chromiumMissing()))('web UI: factory claims and rotations waiting on devices', () => {
  beforeAll(async () => {
    web = await startWebUiOnLocal();
    ({ server, ui, page } = web);
    expect((await requestLocalApi(server, 'POST', '/v1/topics', { topic: 'line/1' })).status).toBe(201);
    const batch = await requestLocalApi<AnyJson>(
      server,
      'POST',
      '/v1/factory-batches',
      { name: 'run 1', devices: [{ name: 'factory-1', key: toBase64(new Uint8Array(randomBytes(32))) }] },
      server.platformKey,
    );
    expect(batch.status, JSON.stringify(batch.json)).toBe(201);
    code = batch.json.devices[0].code;
    recordSecret(code);
    await signIn(page, server.webUiUrl!, server.adminKey!);
  }, 90_000);

  afterAll(async () => {
    await device?.end().catch(() => {});
    await web?.close();
  });

  it('claims a factory device by its code onto a topic, in the claim dialog', async () => {
    await page.getByRole('link', { name: 'Clients' }).first().click();
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Claim a factory device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Claim a factory device' });
    const codeInput = dialog.getByLabel("Claim code (on the device's label)");
    expect(await codeInput.getAttribute('autocomplete')).toBe('off');
    expect(await codeInput.getAttribute('spellcheck')).toBe('false');
    await expectAccessible(page, 'claim dialog');

    await codeInput.fill(code.toLowerCase());
    await dialog.getByLabel('Put on topics (their names, one a line; optional)').fill('line/1');
    expect(page.url()).not.toContain(code.slice(0, 5));
    await dialog.getByRole('button', { name: 'Claim' }).click();
    const claimed = dialog.getByRole('status');
    await claimed.getByRole('link', { name: 'factory-1' }).waitFor();
    expect(await claimed.textContent()).toContain('It gets a new identity key on its first connection');
    expect(await dialog.getByTestId('claimed-topics').textContent()).toBe('Put on line/1.');
    const password = (await dialog.getByTestId('mqtt-password').textContent())!;
    recordSecret(password);
    expect(password.length).toBeGreaterThan(0);
    const id = (await dialog.getByTestId('claimed-id').textContent())!;
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    await expectAccessible(page, 'claim dialog, claimed');
    // The code is nowhere the tab keeps.
    expect(page.url()).not.toContain(code.slice(0, 5));
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify(history.state));
    expect(stored.toUpperCase()).not.toContain(code.slice(0, 5));

    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await page.getByRole('cell', { name: 'factory-1' }).waitFor();
    const client = await requestLocalApi<AnyJson>(server, 'GET', `/v1/clients/${id}`);
    expect(client.json).toMatchObject({ name: 'factory-1', rekeyOnReturn: true });
    const topics = await requestLocalApi<AnyJson>(server, 'GET', `/v1/clients/${id}/topics`);
    expect(topics.json.items.map((t: AnyJson) => t.topic)).toEqual(['line/1']);

    await page.getByRole('link', { name: 'factory-1' }).click();
    await page.getByRole('heading', { name: 'factory-1' }).waitFor();
    expect(await page.getByTestId('rekey-on-return').textContent()).toContain(
      'a new one is sent on its first connection',
    );
    await page.getByRole('link', { name: 'line/1' }).waitFor();
  });

  it("refuses a used, a typo'd and an unknown code with the API's message, in the dialog", async () => {
    await page.getByRole('link', { name: 'Clients' }).first().click();
    await page.getByRole('button', { name: 'Claim a factory device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Claim a factory device' });
    const codeInput = dialog.getByLabel("Claim code (on the device's label)");
    // Cleared when the dialog closed.
    expect(await codeInput.inputValue()).toBe('');
    const refusal = dialog.getByRole('alert');

    await codeInput.fill(code);
    await dialog.getByRole('button', { name: 'Claim' }).click();
    await expect.poll(() => refusal.textContent()).toBe('this claim code was used (CLAIM_USED)');
    await expectAccessible(page, 'claim dialog, refused');

    await codeInput.fill(typo(code));
    await dialog.getByRole('button', { name: 'Claim' }).click();
    await expect.poll(() => refusal.textContent()).toMatch(/^this claim code has a typo .*\(INVALID_INPUT\)$/);

    await codeInput.fill(newClaimCode((n) => new Uint8Array(randomBytes(n))));
    await dialog.getByRole('button', { name: 'Claim' }).click();
    await expect.poll(() => refusal.textContent()).toBe('no device has this claim code (NOT_FOUND)');

    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    // The browser logs each refused request; those are expected, any other error is not.
    expect(ui.consoleErrors).toHaveLength(3);
    expect(ui.consoleErrors.every((error) => /status of 40[049]/.test(error))).toBe(true);
    ui.consoleErrors.length = 0;
    const clients = await requestLocalApi<AnyJson>(server, 'GET', '/v1/clients');
    expect(clients.json.items.map((c: AnyJson) => c.name)).toEqual(['factory-1']);
  });

  it('cannot be closed (Esc, Cancel) while its claim is in flight: the password shown once is not dropped', async () => {
    const batch = await requestLocalApi<AnyJson>(
      server,
      'POST',
      '/v1/factory-batches',
      { name: 'run 2', devices: [{ name: 'factory-2', key: toBase64(new Uint8Array(randomBytes(32))) }] },
      server.platformKey,
    );
    expect(batch.status, JSON.stringify(batch.json)).toBe(201);
    const second: string = batch.json.devices[0].code;
    recordSecret(second);
    // The claim is held in the browser until Esc has been pressed, then goes on to the real server: the only way to
    // press a key while a local request is in flight (an interception that delays, nothing answered for the server).
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = false;
    let continued: Promise<void> | undefined;
    await page.route('**/v1/claims', (route) => {
      held = true;
      continued = released.then(() => route.continue()).catch(() => {});
    });
    try {
      await page.getByRole('link', { name: 'Clients' }).first().click();
      await page.getByRole('button', { name: 'Claim a factory device' }).click();
      const dialog = page.getByRole('dialog', { name: 'Claim a factory device' });
      await dialog.getByLabel("Claim code (on the device's label)").fill(second);
      await dialog.getByRole('button', { name: 'Claim' }).click();
      await expect.poll(() => held).toBe(true);
      await dialog.getByRole('button', { name: 'Claiming…' }).waitFor();
      await page.keyboard.press('Escape');
      expect(await dialog.getByRole('button', { name: 'Cancel' }).isDisabled()).toBe(true);
      await page.waitForTimeout(200);
      expect(await page.getByRole('dialog').count()).toBe(1);
      release();
      const password = (await dialog.getByTestId('mqtt-password').textContent())!;
      recordSecret(password);
      expect(password.length).toBeGreaterThan(0);
      await page.keyboard.press('Escape');
      await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    } finally {
      release();
      await continued;
      await page.unroute('**/v1/claims');
    }
    expect(ui.consoleErrors).toEqual([]);
  });

  it('shows on the topic page a rotation waiting on an offline device: 1 of 2 confirmed, the offline one pending', async () => {
    const topic = await requestLocalApi<AnyJson>(server, 'POST', '/v1/topics', { topic: 'rotate/me' });
    expect(topic.status).toBe(201);
    const online = await requestLocalApi<AnyJson>(server, 'POST', '/v1/clients', { name: 'online', generateKey: true });
    const offline = await requestLocalApi<AnyJson>(server, 'POST', '/v1/clients', {
      name: 'offline',
      generateKey: true,
    });
    expect([online.status, offline.status]).toEqual([201, 201]);
    const client = await E4Client.create({ mode: 'symmetric', key: fromBase64(online.json.key)!, name: 'online' });
    device = await connectDevice(client, server.mqttUrl, 'online', { credentials: online.json.mqtt });
    for (const id of [online.json.client.id, offline.json.client.id]) {
      expect((await requestLocalApi(server, 'PUT', `/v1/topics/${topic.json.hash}/clients/${id}`)).status).toBe(200);
    }
    await device.commandsApplied(1); // SetTopicKey v1

    await go(`/topics/${topic.json.hash}`);
    await page.getByRole('heading', { name: 'rotate/me' }).waitFor();
    await page.getByRole('link', { name: 'offline' }).waitFor();
    await page.getByRole('button', { name: 'Rotate the key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    await device.commandsApplied(2); // SetTopicKey v2, confirmed by a receipt

    const progress = page.getByTestId('rotation-progress');
    await expect
      .poll(() => progress.textContent(), { timeout: 20_000, interval: 500 })
      .toBe('key v2 being delivered — 1 of 2 devices confirmed');
    const pending = page.getByRole('list', { name: 'Devices not confirmed yet' });
    // Polled: the offline client's delivery may still be pending (its command not yet out) at the first look.
    await expect
      .poll(() => pending.getByRole('listitem').allTextContents(), { timeout: 10_000 })
      .toEqual(['offline sent, not confirmed']);
    const operations = await requestLocalApi<AnyJson>(server, 'GET', '/v1/operations?kind=topic.rotate');
    const operation = operations.json.items.find((op: AnyJson) => op.target.name === 'rotate/me');
    expect(await page.getByRole('link', { name: "The rotation's operation" }).getAttribute('href')).toBe(
      `/operations/${operation.id}`,
    );
    await expect.poll(() => page.getByTestId('key-version').textContent()).toBe('v2');
    await expectAccessible(page, 'topic page, rotation under way');

    // Shown as well to whoever opens the page later.
    await page.reload();
    await expect.poll(() => progress.textContent(), { timeout: 10_000 }).toContain('1 of 2 devices confirmed');

    // The offline device comes back: resynced (not by the rotation's operation), it confirms v2; the rotation is over.
    const late = await E4Client.create({ mode: 'symmetric', key: fromBase64(offline.json.key)!, name: 'offline' });
    const back = await connectDevice(late, server.mqttUrl, 'offline', { credentials: offline.json.mqtt });
    try {
      await back.commandsApplied(1); // SetTopicKey v2
      await expect
        .poll(
          async () => {
            await page.reload();
            await page.getByRole('heading', { name: 'rotate/me' }).waitFor();
            await page.waitForTimeout(500);
            return progress.count();
          },
          { timeout: 20_000, interval: 500 },
        )
        .toBe(0);
      // Gone because the rotation's operation says so: the device confirmed its key through the resync's operation.
      const after = await requestLocalApi<AnyJson>(server, 'GET', `/v1/operations/${operation.id}`);
      expect(after.json.counts).toMatchObject({ total: 2, confirmed: 2, sent: 0 });
      const devices = await requestLocalApi<AnyJson>(server, 'GET', `/v1/operations/${operation.id}/devices`);
      const came = devices.json.items.find((d: AnyJson) => d.client.name === 'offline');
      expect(came).toMatchObject({ state: 'confirmed', confirmedVia: expect.stringMatching(/^[0-9A-Z]{26}$/) });
      const resync = await requestLocalApi<AnyJson>(server, 'GET', `/v1/operations/${came.confirmedVia}`);
      expect(resync.json).toMatchObject({ kind: 'client.resync', target: { name: 'offline' } });
      // The rotation's page says so, and links the resync.
      await go(`/operations/${operation.id}`);
      const through = page.getByRole('cell', { name: 'confirmed (through a resync)' });
      await through.waitFor();
      expect(await through.getByRole('link', { name: 'a resync' }).getAttribute('href')).toBe(
        `/operations/${came.confirmedVia}`,
      );
      await expectAccessible(page, 'operation page, a device confirmed through a resync');
    } finally {
      await back.end();
    }
    expect(ui.consoleErrors).toEqual([]);
  });

  it('does not offer the claim to a read-only key', async () => {
    const created = await requestLocalApi<AnyJson>(server, 'POST', '/v1/keys/api', {
      name: 'ui-reader',
      scope: 'read-only',
    });
    expect(created.status).toBe(201);
    recordSecret(created.json.token);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, server.webUiUrl!, created.json.token);
    await page.getByRole('link', { name: 'Clients' }).first().click();
    await page.getByRole('cell', { name: 'factory-1' }).waitFor();
    expect(await page.getByRole('button', { name: 'Claim a factory device' }).count()).toBe(0);
    expect(ui.consoleErrors).toEqual([]);
  });
});
