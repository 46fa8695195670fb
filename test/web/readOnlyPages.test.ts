/**
 * A read-only sign-in sees no change it would be refused, in Debian's Chromium against local mode serving the UI: every
 * page (dashboard, clients, a client, topics, a topic, operations, an operation, policies, a policy, audit trail,
 * public keys) is first visited with the admin key, each change action found there (so the check could fail), then
 * with an operator key (the same, but no API keys link), then with a read-only key (both created through the API):
 * none of the actions is present, the layout says why, the page's reads (searches, the audit filter and its export)
 * still work, and axe-core finds no serious or critical violation. Skipped without /usr/bin/chromium, except in CI.
 */
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalC2Server } from '../../local/startLocal.js';
import { type AnyJson, requestLocalApi } from '../support/localApi.js';
import { recordSecret } from '../support/recordedSecrets.js';
import { serverMissing } from '../support/serverMissing.js';
import { chromiumMissing, expectAccessible, signIn, type UiBrowser } from './uiBrowser.js';
import { ed25519PublicKey, go as goTo, startWebUiOnLocal, type WebUiOnLocal } from './webUiOnLocal.js';

let web: WebUiOnLocal | undefined;
let server: LocalC2Server;
let ui: UiBrowser;
let page: Page;
let readOnlyKey: string;
const ids = { clientId: '', topicHash: '', operationId: '', policyId: '' };

const go = (path: string) => goTo(page, path);

interface Visit {
  readonly name: string;
  readonly path: () => string;
  /** Shown once the page's data is in (so an action missing is not merely not loaded yet). */
  readonly ready: (page: Page) => Locator;
  /** The change actions an admin sees on the page. */
  readonly actions: (page: Page) => Locator[];
  /** A read the page offers, done by the read-only key. */
  readonly read?: (page: Page) => Promise<void>;
}

const button = (p: Page, name: string) => p.getByRole('button', { name, exact: true });

const VISITS: readonly Visit[] = [
  {
    name: 'dashboard',
    path: () => '/',
    ready: (p) => p.getByRole('heading', { name: 'Dashboard', level: 1 }),
    actions: () => [],
  },
  {
    name: 'clients',
    path: () => '/clients',
    ready: (p) => p.getByRole('link', { name: 'sensor-1' }),
    actions: (p) => [
      p.getByRole('heading', { name: 'New client' }),
      p.getByLabel('Name', { exact: true }),
      button(p, 'Create client'),
      button(p, 'Claim a factory device'),
    ],
    read: async (p) => {
      await p.getByLabel('Find clients by name prefix or id').fill('sens');
      await button(p, 'Search').click();
      await expect.poll(() => p.locator('tbody tr td:first-child').allTextContents()).toEqual(['sensor-1']);
    },
  },
  {
    name: 'a client',
    path: () => `/clients/${ids.clientId}`,
    ready: (p) => p.getByRole('link', { name: 'fleet/a' }),
    actions: (p) => [
      button(p, 'Resync'),
      button(p, 'New identity key'),
      button(p, 'Reset'),
      button(p, 'Delete'),
      p.getByRole('checkbox', { name: 'Select fleet/a' }),
      p.getByLabel('Put on topics (their names, one a line)'),
      button(p, 'Put on the topics'),
    ],
  },
  {
    name: 'topics',
    path: () => '/topics',
    ready: (p) => p.getByRole('link', { name: 'fleet/a' }),
    actions: (p) => [
      p.getByRole('heading', { name: 'New topic' }),
      p.getByLabel('Topic', { exact: true }),
      button(p, 'Create topic'),
    ],
    read: async (p) => {
      await p.getByLabel('Find topics by name prefix or hash').fill('other/');
      await button(p, 'Search').click();
      await expect.poll(() => p.locator('tbody tr td:first-child').allTextContents()).toEqual(['other/c']);
    },
  },
  {
    name: 'a topic',
    path: () => `/topics/${ids.topicHash}`,
    ready: (p) => p.getByRole('link', { name: 'sensor-1' }),
    actions: (p) => [
      button(p, 'Rotate the key'),
      button(p, 'Delete'),
      p.getByRole('checkbox', { name: 'Select sensor-1' }),
      button(p, 'Unlink sensor-1'),
      p.getByLabel('Link clients (their names, one a line)'),
      button(p, 'Link'),
    ],
  },
  {
    name: 'operations',
    path: () => '/operations',
    ready: (p) => p.locator(`a[href="/operations/${ids.operationId}"]`),
    actions: () => [],
  },
  {
    name: 'an operation',
    path: () => `/operations/${ids.operationId}`,
    ready: (p) => p.getByRole('region', { name: 'Devices table' }).getByRole('link', { name: 'sensor-1' }),
    actions: (p) => [button(p, 'Retry')],
  },
  {
    name: 'policies',
    path: () => '/policies',
    ready: (p) => p.getByRole('link', { name: 'nightly' }),
    actions: (p) => [p.getByRole('heading', { name: 'New policy' }), button(p, 'Create policy')],
  },
  {
    name: 'a policy',
    path: () => `/policies/${ids.policyId}`,
    ready: (p) => p.getByTestId('next-runs'),
    actions: (p) => [button(p, 'Run now'), button(p, 'Edit'), button(p, 'Delete')],
  },
  {
    name: 'audit trail',
    path: () => '/audit',
    ready: (p) => p.getByRole('heading', { name: 'Audit trail', level: 1 }),
    actions: () => [],
    read: async (p) => {
      await p.getByLabel('Action').fill('client.');
      await button(p, 'Filter').click();
      await expect.poll(() => p.getByRole('cell', { name: /^topic\./ }).count()).toBe(0);
      await p
        .getByRole('cell', { name: /^client\./ })
        .first()
        .waitFor();
      const [download] = await Promise.all([p.waitForEvent('download'), button(p, 'Export as JSON lines').click()]);
      const lines = (await readFile((await download.path())!, 'utf8')).trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((line) => JSON.parse(line).action.startsWith('client.'))).toBe(true);
    },
  },
  {
    name: 'public keys',
    path: () => '/public-keys',
    ready: (p) => p.getByTestId('c2-fingerprint'),
    actions: (p) => [
      button(p, 'Rotate the C2 key'),
      p.getByLabel('Device (client name)'),
      button(p, 'Send its public key'),
      button(p, 'Remove its public key'),
      button(p, 'Remove every public key'),
    ],
  },
];

describe.skipIf(serverMissing(chromiumMissing()))('web UI for a read-only key', () => {
  beforeAll(async () => {
    web = await startWebUiOnLocal();
    ({ server, ui, page } = web);
    const topics: string[] = [];
    for (const topic of ['fleet/a', 'other/c']) {
      const created = await requestLocalApi<AnyJson>(server, 'POST', '/v1/topics', { topic });
      expect(created.status).toBe(201);
      topics.push(created.json.hash);
    }
    ids.topicHash = topics[0]!;
    const sensor = await requestLocalApi<AnyJson>(server, 'POST', '/v1/clients', {
      name: 'sensor-1',
      generateKey: true,
    });
    expect(sensor.status).toBe(201);
    recordSecret(sensor.json.key);
    ids.clientId = sensor.json.client.id;
    const signer = { name: 'signer', mode: 'pubkey', publicKey: ed25519PublicKey() };
    expect((await requestLocalApi(server, 'POST', '/v1/clients', signer)).status).toBe(201);
    const linked = await requestLocalApi(server, 'PUT', `/v1/topics/${ids.topicHash}/clients/${ids.clientId}`);
    expect(linked.status).toBeLessThan(300);
    // A rotation the never-connected device does not confirm: ended, so an admin is offered its retry.
    const rotated = await requestLocalApi<AnyJson>(server, 'POST', `/v1/topics/${ids.topicHash}/rotate`);
    expect(rotated.status).toBeLessThan(300);
    ids.operationId = rotated.json.operation.id;
    let status = '';
    for (let tries = 0; tries < 100 && !['succeeded', 'failed', 'partial'].includes(status); tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await requestLocalApi<AnyJson>(server, 'GET', `/v1/operations/${ids.operationId}`)).json.status;
    }
    expect(status).toMatch(/^(succeeded|failed|partial)$/);
    const policy = await requestLocalApi<AnyJson>(server, 'POST', '/v1/policies', {
      name: 'nightly',
      target: { topic: 'fleet/a' },
      action: 'rotate-topic-key',
      schedule: { expression: 'cron(0 3 * * ? *)' },
      enabled: true,
    });
    expect(policy.status).toBe(201);
    ids.policyId = policy.json.id;
    const reader = await requestLocalApi<AnyJson>(server, 'POST', '/v1/keys/api', {
      name: 'ui-reader',
      scope: 'read-only',
    });
    expect(reader.status).toBe(201);
    readOnlyKey = reader.json.token;
    recordSecret(readOnlyKey);
  }, 90_000);

  afterAll(async () => {
    await web?.close();
  });

  /** Signs in with `key` (signing out first) and finds every change action of every page, API keys as `admin` says. */
  async function expectEveryAction(key: string, admin: boolean): Promise<void> {
    const signOut = page.getByRole('button', { name: 'Sign out' });
    if (await signOut.count()) await signOut.click();
    await signIn(page, server.webUiUrl!, key);
    expect(await page.getByTestId('read-only-note').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(admin ? 1 : 0);
    for (const visit of VISITS) {
      await go(visit.path());
      await visit.ready(page).first().waitFor();
      for (const action of visit.actions(page)) {
        expect(await action.count(), `${visit.name}: ${action}`).toBeGreaterThan(0);
      }
    }
    expect(ui.consoleErrors).toEqual([]);
  }

  it('shows an admin every change action of every page, and the API keys', async () => {
    await expectEveryAction(server.adminKey!, true);
  });

  it('shows an operator every change action of every page, but not the API keys', async () => {
    const operator = await requestLocalApi<AnyJson>(server, 'POST', '/v1/keys/api', {
      name: 'ui-operator',
      scope: 'operator',
    });
    expect(operator.status).toBe(201);
    recordSecret(operator.json.token);
    await expectEveryAction(operator.json.token, false);
  });

  it('shows a read-only key none of them, says why, and keeps its reads', async () => {
    const signOut = page.getByRole('button', { name: 'Sign out' });
    if (await signOut.count()) await signOut.click();
    await signIn(page, server.webUiUrl!, readOnlyKey);
    expect(await page.getByTestId('scope').textContent()).toBe('read-only');
    expect(await page.getByRole('link', { name: 'API keys' }).count()).toBe(0);
    for (const visit of VISITS) {
      await go(visit.path());
      await visit.ready(page).first().waitFor();
      expect(await page.getByTestId('read-only-note').textContent(), visit.name).toBe(
        'Signed in read-only: changes are hidden.',
      );
      for (const action of visit.actions(page)) {
        expect(await action.count(), `${visit.name}: ${action}`).toBe(0);
      }
      await visit.read?.(page);
      await expectAccessible(page, `${visit.name}, read-only`);
    }
    expect(ui.consoleErrors).toEqual([]);
  });
});
