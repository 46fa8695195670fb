/**
 * The web UI's second slice in Debian's Chromium against local mode serving it: create a policy over a prefix (its
 * matches and schedule previewed), run it now and follow its operations (one list read a poll, every few seconds,
 * stopped once they end: Chromium's requests counted), edit it, find its audit entry and export
 * the filtered log as JSON lines; create an API key (token shown once, usable), rotate it (the old token refused) and
 * revoke it (refused from then on);
 * clients and topics searched by name prefix (a client by id); the token shown cleared by "I have copied it" or its
 * key's revocation; more than 100 names refused by the bulk link form; the export stopped by a repeated next link;
 * the devices behind on the dashboard, 25 then the rest, a look stopped after 5 requests of short pages (said) and
 * when the dashboard is left;
 * the C2 key rotated with live progress and a client public key sent; links made and taken off in bulk; the
 * dashboard's next policy runs. On every page and dialog visited axe-core finds no serious or critical violation, and
 * the console shows no error. Skipped without /usr/bin/chromium, except in CI.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalC2Server } from '../../local/startLocal.js';
import { type AnyJson, callLocalApi, requestLocalApi } from '../support/localApi.js';
import { recordSecret } from '../support/recordedSecrets.js';
import { serverMissing } from '../support/serverMissing.js';
import { chromiumMissing, expectAccessible, signIn, type UiBrowser } from './uiBrowser.js';
import { ed25519PublicKey, go as goTo, startWebUiOnLocal, type WebUiOnLocal } from './webUiOnLocal.js';

let web: WebUiOnLocal | undefined;
let server: LocalC2Server;
let ui: UiBrowser;
let page: Page;
let policyId: string;

const go = (path: string) => goTo(page, path);

describe.skipIf(serverMissing(chromiumMissing()))('web UI operator pages', () => {
  beforeAll(async () => {
    web = await startWebUiOnLocal();
    ({ server, ui, page } = web);
    for (const topic of ['fleet/a', 'fleet/b', 'other/c']) {
      expect((await requestLocalApi(server, 'POST', '/v1/topics', { topic })).status).toBe(201);
    }
    for (const name of ['sensor-1', 'sensor-2']) {
      expect((await requestLocalApi(server, 'POST', '/v1/clients', { name, generateKey: true })).status).toBe(201);
    }
    for (const name of ['signer', 'verifier']) {
      const answer = await requestLocalApi(server, 'POST', '/v1/clients', {
        name,
        mode: 'pubkey',
        publicKey: ed25519PublicKey(),
      });
      expect(answer.status).toBe(201);
    }
    await signIn(page, server.webUiUrl!, server.adminKey!);
  }, 90_000);

  afterAll(async () => {
    await web?.close();
  });

  it('searches clients and topics by name prefix, and a client by its id', async () => {
    await page.getByRole('link', { name: 'Clients' }).first().click();
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    const names = () => page.locator('tbody tr td:first-child').allTextContents();
    await page.getByLabel('Find clients by name prefix or id').fill('sens');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(async () => (await names()).sort()).toEqual(['sensor-1', 'sensor-2']);
    await expectAccessible(page, 'clients page, searched');
    const signer = await requestLocalApi<AnyJson>(server, 'GET', '/v1/clients?name=signer');
    await page.getByLabel('Find clients by name prefix or id').fill(signer.json.items[0].id);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(names).toEqual(['signer']);
    await page.getByLabel('Find clients by name prefix or id').fill('nobody');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No client whose name starts with nobody, or with that id.').waitFor();

    await page.getByRole('link', { name: 'Topics' }).first().click();
    await page.getByRole('heading', { name: 'Topics', level: 1 }).waitFor();
    await page.getByLabel('Find topics by name prefix or hash').fill('fleet/');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(async () => (await names()).sort()).toEqual(['fleet/a', 'fleet/b']);
    await expectAccessible(page, 'topics page, searched');
    await page.getByLabel('Find topics by name prefix or hash').fill('other/c');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(names).toEqual(['other/c']);
  });

  it('creates a policy over a prefix, previewing what it matches and when it runs', async () => {
    await page.getByRole('link', { name: 'Policies' }).first().click();
    await page.getByRole('heading', { name: 'Policies', level: 1 }).waitFor();
    await page.getByText('None yet.').waitFor();
    await expectAccessible(page, 'policies page');

    await page.getByLabel('Name', { exact: true }).fill('rotate the fleet');
    await page.getByLabel('Target', { exact: true }).selectOption('topicPrefix');
    await page.getByLabel('Topic', { exact: true }).fill('fleet/');
    await expect.poll(() => page.getByTestId('prefix-preview').textContent()).toBe('Matches 2 today: fleet/a, fleet/b');
    await page.getByLabel('Preset').selectOption({ label: 'Every day' });
    expect(await page.getByLabel('Schedule expression').inputValue()).toBe('rate(1 day)');
    expect(await page.getByTestId('schedule-preview').textContent()).toMatch(/^Runs every day; next at /);
    await page.getByLabel('When the key reaches an age').check();
    await page.getByLabel('Age (days)').fill('90');
    await expectAccessible(page, 'policy form, filled');
    await page.getByRole('button', { name: 'Create policy' }).click();

    await page.getByRole('heading', { name: 'rotate the fleet' }).waitFor();
    policyId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2]!);
    expect(await page.getByTestId('policy-schedule').textContent()).toContain('rate(1 day)');
    expect(await page.getByTestId('next-runs').locator('li').count()).toBe(5);
    await page.getByText('when the key is 90 days old').waitFor();
    const stored = await requestLocalApi<AnyJson>(server, 'GET', `/v1/policies/${policyId}`);
    expect(stored.json).toMatchObject({
      target: { topicPrefix: 'fleet/' },
      action: 'rotate-topic-key',
      schedule: { expression: 'rate(1 day)' },
      events: [{ type: 'key.age', days: 90 }],
      enabled: true,
    });
    await expectAccessible(page, 'policy page');
  });

  it('runs the policy now, follows its operations to their end with one read a poll, and lists the run', async () => {
    // Every read of operations the page makes, from the run on.
    const reads: { at: number; url: string }[] = [];
    const onRequest = (request: { url(): string }) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/v1/operations')) reads.push({ at: Date.now(), url: url.pathname + url.search });
    };
    await page.getByRole('button', { name: 'Run now' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('rotate-topic-key now for every target it names today');
    await expectAccessible(page, 'run dialog');
    page.on('request', onRequest);
    try {
      await dialog.getByRole('button', { name: 'Run' }).click();
      const table = page
        .getByRole('region', { name: /^Operations of the run of / })
        .getByRole('region', { name: 'Operations table' });
      const succeeded = () => table.getByRole('row').filter({ hasText: 'succeeded' }).count();
      await expect.poll(succeeded, { timeout: 20_000 }).toBe(2);
      expect((await table.getByRole('cell').allTextContents()).filter((text) => text.startsWith('fleet/'))).toEqual(
        expect.arrayContaining(['fleet/a', 'fleet/b']),
      );
      // None running: the polling has stopped.
      const polled = reads.length;
      await page.waitForTimeout(4000);
      expect(reads.length).toBe(polled);
    } finally {
      page.off('request', onRequest);
    }
    // One list read of the run's operations a poll, every few seconds: never a read per operation.
    expect(reads.length).toBeGreaterThan(0);
    for (const read of reads) expect(read.url).toMatch(/^\/v1\/operations\?(?=.*policy=)(?=.*run=)/);
    for (let i = 1; i < reads.length; i++) expect(reads[i]!.at - reads[i - 1]!.at).toBeGreaterThan(2000);
    const runRow = page.getByRole('row').filter({ hasText: 'manual' });
    await runRow.getByText('started').waitFor();
    expect(await runRow.getByRole('button', { name: '2 operations' }).getAttribute('aria-pressed')).toBe('true');
    await expectAccessible(page, 'policy page, run shown');
    for (const topic of ['fleet/a', 'fleet/b', 'other/c']) {
      const found = await requestLocalApi<AnyJson>(server, 'GET', `/v1/topics?topic=${encodeURIComponent(topic)}`);
      expect(found.json.items[0].keyVersion, topic).toBe(topic === 'other/c' ? 1 : 2);
    }
  });

  it('edits the policy to a cron preset, shown in words with its next runs', async () => {
    await page.getByRole('button', { name: 'Edit' }).click();
    const editor = page.getByRole('form', { name: 'Edit the policy' });
    expect(await editor.getByLabel('Topic', { exact: true }).inputValue()).toBe('fleet/');
    await editor.getByLabel('Preset').selectOption({ label: 'Every day at 03:00' });
    expect(await editor.getByTestId('schedule-preview').textContent()).toContain(
      "the policy's page lists its next runs",
    );
    await expectAccessible(page, 'policy editor');
    await editor.getByRole('button', { name: 'Save the policy' }).click();
    await expect.poll(() => page.getByTestId('policy-schedule').textContent()).toContain('cron(0 3 * * ? *)');
    expect(await page.getByTestId('policy-schedule').textContent()).toContain('03:00');
    const runs = await page.getByTestId('next-runs').locator('li').allTextContents();
    expect(runs).toHaveLength(5);
  });

  it('refuses a bad schedule with the API error, on the page', async () => {
    await page.getByRole('link', { name: 'Policies' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('broken');
    await page.getByLabel('Target', { exact: true }).selectOption('allTopics');
    await page.getByLabel('Schedule expression').fill('rate(0 minutes)');
    expect(await page.getByTestId('schedule-preview').textContent()).toBe('A rate is at least 1 minute.');
    await page.getByRole('button', { name: 'Create policy' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/\(\w+\)$/);
    // The browser logs the refused request; that one error is expected, any other is not.
    expect(ui.consoleErrors).toEqual([expect.stringContaining('status of 400')]);
    ui.consoleErrors.length = 0;
    const policies = await requestLocalApi<AnyJson>(server, 'GET', '/v1/policies');
    expect(policies.json.items.map((p: AnyJson) => p.name)).toEqual(['rotate the fleet']);
  });

  it("shows the policy's next runs on the dashboard", async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const section = page.getByRole('region', { name: 'Next policy runs' });
    await section.getByRole('link', { name: 'rotate the fleet' }).first().waitFor();
    expect(await section.getByRole('listitem').count()).toBe(5);
  });

  it("finds the policy's audit entry by filters and exports the filtered log as JSON lines", async () => {
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await page.getByRole('cell', { name: 'policy.create' }).waitFor();
    await expectAccessible(page, 'audit page');

    // A type without a name is not sent (the API refuses one without the other): the name is asked for
    await page.getByLabel('Target type').selectOption('policy');
    await page.getByRole('button', { name: 'Filter' }).click();
    expect(
      await page.getByLabel('Target name').evaluate((input: HTMLInputElement) => input.validity.valueMissing),
    ).toBe(true);
    await page.getByLabel('Target name').fill(policyId);
    await page.getByRole('button', { name: 'Filter' }).click();
    const actions = ['policy.update', 'policy.run', 'policy.create']; // newest first: created, run by hand, edited
    await expect.poll(() => page.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual(actions);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export as JSON lines' }).click(),
    ]);
    const lines = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
    const events = lines.map((line) => JSON.parse(line));
    expect(events.every((event) => event.target.type === 'policy' && event.target.name === policyId)).toBe(true);
    expect(events.map((event) => event.action)).toEqual([...actions].reverse()); // oldest first
    expect(events).toHaveLength(actions.length);
    await page.getByText(`${events.length} events exported (oldest first)`).waitFor();

    // A server repeating its next link cannot be caused with the real one: past the real first page, the browser is
    // answered a page whose next link names the cursor it was asked for, and the export stops instead of looping.
    let repeated = 0;
    await page.route('**/v1/events/export?**', async (route) => {
      const url = new URL(route.request().url());
      const asked = url.searchParams.get('cursor');
      url.searchParams.set('cursor', 'repeated');
      const link = `<${url.pathname}${url.search}>; rel="next"`;
      if (asked === null) {
        const response = await route.fetch();
        await route.fulfill({ response, headers: { ...response.headers(), link } });
      } else {
        repeated += 1;
        await route.fulfill({ status: 200, contentType: 'application/x-ndjson', body: '', headers: { link } });
      }
    });
    await page.getByRole('button', { name: 'Export as JSON lines' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('The export repeated a page');
    expect(repeated).toBe(1); // the repeated cursor asked once, then no more
    await page.unroute('**/v1/events/export?**');
  });

  it('creates an API key, its token shown once and working, rotates it, then revokes it behind a dialog', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByRole('cell', { name: /\(signed in\)$/ }).waitFor();
    await expectAccessible(page, 'API keys page');

    await page.getByLabel('Key name').fill('ci-robot');
    await page.getByLabel('Scope').selectOption('read-only');
    await page.getByRole('button', { name: 'Create key' }).click();
    const token = (await page.getByTestId('api-token').textContent())!;
    recordSecret(token);
    expect(token).toMatch(/^e4c2\.local\.[0-9a-f]{16}\./);
    expect((await callLocalApi(server, 'GET', '/v1/topics', undefined, token)).status).toBe(200);
    await page.getByRole('cell', { name: 'ci-robot', exact: true }).waitFor();
    await expectAccessible(page, 'API keys page, token shown');

    await page.getByRole('button', { name: 'Rotate ci-robot' }).click();
    expect(await page.getByRole('dialog').textContent()).toContain('the current one is refused from now on');
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    await expect.poll(() => page.getByTestId('api-token').textContent()).not.toBe(token);
    const rotated = (await page.getByTestId('api-token').textContent())!;
    recordSecret(rotated);
    expect((await callLocalApi(server, 'GET', '/v1/topics', undefined, token)).status).toBe(401);
    expect((await callLocalApi(server, 'GET', '/v1/topics', undefined, rotated)).status).toBe(200);

    await page.getByRole('button', { name: 'Revoke ci-robot' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('It cannot be undone.');
    await expectAccessible(page, 'revoke dialog');
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    const row = page.getByRole('row').filter({ hasText: 'ci-robot' });
    await row.getByText('revoked').waitFor();
    expect(await row.getByRole('button').count()).toBe(0);
    expect(await page.getByTestId('api-token').count()).toBe(0); // its token left the page with it
    expect((await callLocalApi(server, 'GET', '/v1/topics', undefined, rotated)).status).toBe(401);
    expect(await page.getByTestId('scope').textContent()).toBe('admin'); // still signed in with the admin key

    // A token shown stays until it is said copied.
    await page.getByLabel('Key name').fill('ci-robot-2');
    await page.getByRole('button', { name: 'Create key' }).click();
    const second = (await page.getByTestId('api-token').textContent())!;
    recordSecret(second);
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByTestId('api-token').count()).toBe(0);
    expect(await page.getByText(second).count()).toBe(0);
    expect((await callLocalApi(server, 'GET', '/v1/topics', undefined, second)).status).toBe(200);
  });

  it('rotates the C2 key with live progress and sends a client public key to a device', async () => {
    await page.getByRole('link', { name: 'Public keys' }).click();
    await page.getByRole('heading', { name: 'Public keys', level: 1 }).waitFor();
    expect(await page.getByTestId('c2-fingerprint').textContent()).toMatch(/^[0-9a-f]{16}$/);
    expect(await page.getByTestId('c2-version').textContent()).toBe('v1');
    await page.getByRole('link', { name: 'verifier' }).waitFor();
    await expectAccessible(page, 'public keys page');
    const before = await page.getByTestId('c2-public-key').textContent();

    await page.getByRole('button', { name: 'Rotate the C2 key' }).click();
    expect(await page.getByRole('dialog').textContent()).toContain('(v2)');
    await expectAccessible(page, 'C2 rotation dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    await page.locator('.operation[data-status="succeeded"]').waitFor({ timeout: 20_000 });
    await expect.poll(() => page.getByTestId('c2-version').textContent()).toBe('v2');
    expect(await page.getByTestId('c2-public-key').textContent()).not.toBe(before);

    await page.getByLabel('Device (client name)').fill('verifier');
    await page.getByLabel('Source client (whose public key)').fill('signer');
    await page.getByRole('button', { name: 'Send its public key' }).click();
    expect(await page.getByRole('dialog').textContent()).toContain('verifier will accept messages signed by signer');
    await page.getByRole('dialog').getByRole('button', { name: 'Send' }).click();
    await page.getByRole('status').filter({ hasText: 'Sent to verifier' }).waitFor();

    await page.getByLabel('Device (client name)').fill('nobody');
    await page.getByRole('button', { name: 'Remove every public key' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('No client named nobody.');
  });

  it('links clients to a topic in bulk, reporting a name that matches none, and takes the selected off', async () => {
    const topic = await requestLocalApi<AnyJson>(server, 'GET', '/v1/topics?topic=other%2Fc');
    await go(`/topics/${topic.json.items[0].hash}`);
    await page.getByRole('heading', { name: 'other/c' }).waitFor();
    await page.getByLabel('Link clients (their names, one a line)').fill('sensor-1\nnobody\nsensor-2');
    await page.getByRole('button', { name: 'Link', exact: true }).click();
    await page.getByText('nobody: no client of that name').waitFor();
    await page.getByRole('link', { name: 'sensor-2' }).waitFor();
    expect(await page.getByLabel('Link clients (their names, one a line)').inputValue()).toBe('nobody');
    await expectAccessible(page, 'topic page, linked in bulk');

    // More than 100 names: refused whole, the text kept, none linked.
    const many = ['verifier', ...Array.from({ length: 100 }, (_, i) => `nobody-${i}`)].join('\n');
    await page.getByLabel('Link clients (their names, one a line)').fill(many);
    await page.getByRole('button', { name: 'Link', exact: true }).click();
    await page.getByText('At most 100 names at once: 101 given, none linked.').waitFor();
    expect(await page.getByLabel('Link clients (their names, one a line)').inputValue()).toBe(many);
    expect(await page.getByRole('link', { name: 'verifier' }).count()).toBe(0);
    await expectAccessible(page, 'topic page, too many names');
    await page.getByLabel('Link clients (their names, one a line)').fill('');

    await page.getByLabel('Select sensor-1').check();
    await page.getByLabel('Select sensor-2').check();
    await page.getByRole('button', { name: 'Take the 2 selected off' }).click();
    expect(await page.getByRole('dialog').textContent()).toContain('For each of sensor-1, sensor-2 in turn');
    await page.getByRole('dialog').getByRole('button', { name: 'Unlink' }).click();
    await expect.poll(() => page.locator('.operation[data-status="succeeded"]').count(), { timeout: 20_000 }).toBe(2);
    await page.getByText('No client yet').waitFor();

    await page.getByRole('link', { name: 'Topics' }).first().click();
    const row = page.getByRole('row').filter({ hasText: 'fleet/a' });
    await expect.poll(() => row.locator('td').nth(1).textContent()).toBe('0');
  });

  it('puts a client on topics in bulk from its page', async () => {
    const client = await requestLocalApi<AnyJson>(server, 'GET', '/v1/clients?name=sensor-1');
    await go(`/clients/${client.json.items[0].id}`);
    await page.getByRole('heading', { name: 'sensor-1' }).waitFor();
    await page.getByLabel('Put on topics (their names, one a line)').fill('fleet/a\nfleet/b');
    await page.getByRole('button', { name: 'Put on the topics' }).click();
    await page.getByRole('link', { name: 'fleet/b' }).waitFor();
    await expectAccessible(page, 'client page, linked in bulk');
    const topics = await requestLocalApi<AnyJson>(server, 'GET', `/v1/clients/${client.json.items[0].id}/topics`);
    expect(topics.json.items.map((t: AnyJson) => t.topic).sort()).toEqual(['fleet/a', 'fleet/b']);
  });

  it('lists the devices behind 25 at a time on the dashboard, the rest on "more"', async () => {
    const crowd = await requestLocalApi<AnyJson>(server, 'POST', '/v1/topics', { topic: 'crowd/x' });
    expect(crowd.status).toBe(201);
    for (let i = 0; i < 26; i += 1) {
      const created = await requestLocalApi<AnyJson>(server, 'POST', '/v1/clients', {
        name: `crowd-${String(i).padStart(2, '0')}`,
        generateKey: true,
      });
      expect(created.status).toBe(201);
      const linked = await requestLocalApi(
        server,
        'PUT',
        `/v1/topics/${crowd.json.hash}/clients/${created.json.client.id}`,
      );
      expect(linked.status).toBeLessThan(300);
    }
    const all = await requestLocalApi<AnyJson>(server, 'GET', '/v1/devices-behind?limit=100');
    expect(all.json.items.length).toBeGreaterThan(26); // the crowd, never connected, and the sensors linked above

    await go('/');
    const behind = page.getByRole('region', { name: 'Devices behind' });
    const rows = behind.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(25);
    await behind.getByRole('button', { name: 'More devices behind' }).click();
    await expect.poll(() => rows.count()).toBe(all.json.items.length);
    expect(await behind.getByRole('button', { name: 'More devices behind' }).count()).toBe(0);
    expect(await rows.filter({ hasText: 'crowd-25' }).locator('td').nth(2).textContent()).toBe(
      'crowd/x: none confirmed, v1 current',
    );
    await expectAccessible(page, 'dashboard, more devices behind');
  });

  it('stops following short devices-behind pages after 5 requests, saying so, and when the dashboard is left', async () => {
    // A large tenant that is up to date answers page after page of nothing with a cursor (1,000 links read each):
    // more records than the test can write in its time, so its answers are given here (the one stand-in of the file).
    const requests: number[] = [];
    let delayMs = 0;
    await page.route('**/v1/devices-behind*', async (route) => {
      requests.push(Date.now());
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      await route
        .fulfill({ status: 200, contentType: 'application/json', json: { items: [], cursor: `b${'0'.repeat(32)}` } })
        .catch(() => {}); // aborted meanwhile: the page was left
    });
    try {
      await go('/operations');
      await page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
      await go('/');
      const behind = page.getByRole('region', { name: 'Devices behind' });
      await behind.getByTestId('behind-stopped').waitFor();
      expect(await behind.getByTestId('behind-stopped').textContent()).toContain('stopped after 5 requests (0 found)');
      await page.waitForTimeout(500);
      expect(requests).toHaveLength(5);
      await behind.getByRole('button', { name: 'More devices behind' }).waitFor();

      // Left while it follows pages: no request after.
      requests.length = 0;
      delayMs = 400;
      await go('/operations');
      await go('/');
      await expect.poll(() => requests.length).toBeGreaterThan(0);
      await go('/operations');
      await page.getByRole('heading', { name: 'Operations', level: 1 }).waitFor();
      const left = requests.length;
      await page.waitForTimeout(2000);
      expect(requests.length).toBe(left);
      expect(left).toBeLessThan(5);
    } finally {
      await page.unroute('**/v1/devices-behind*');
    }
    expect(ui.consoleErrors).toEqual([]);
  });

  it('stays accessible on a phone, its wide tables scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, ready] of [
      ['/', 'Recent events'],
      [`/policies/${policyId}`, 'Runs'],
      ['/audit', 'Export as JSON lines'],
      ['/api-keys', 'New API key'],
    ] as const) {
      await go(path);
      await page.getByText(ready).first().waitFor();
      await page.locator('table').first().waitFor();
      await expectAccessible(page, `${path} on a phone`);
    }
    expect(ui.consoleErrors).toEqual([]);
  });
});
