/**
 * `npm run screenshots`: the README's pictures of the web UI (docs/images/web-*.png), desktop and phone, taken in
 * Debian's Chromium (/usr/bin/chromium, or $CHROMIUM) against a throw-away local mode seeded through the API with a
 * few clients and topics, a rotation and a policy run (and, desktop only, the claim dialog). Run it again after a change of the pages; the pictures are committed.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildWebUi } from '../local/buildWebUi.js';
import { startLocal } from '../local/startLocal.js';

const IMAGES = fileURLToPath(new URL('../docs/images/', import.meta.url));
const VIEWPORTS = {
  desktop: { width: 1280, height: 860 },
  phone: { width: 390, height: 844 },
};

const ui = await buildWebUi((reason) => console.log(`building the web UI (${reason})`));
const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-screenshots-'));
const server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, webUi: ui.dir });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync'],
});
try {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown> & { hash?: string; client?: { id: string } };
  };
  const clients: string[] = [];
  for (const name of ['kitchen-sensor', 'garden-valve', 'boiler', 'front-door', 'weather-station']) {
    clients.push((await call('POST', '/v1/clients', { name, generateKey: true })).client!.id);
  }
  const topics: string[] = [];
  for (const topic of ['home/kitchen', 'home/garden', 'home/alarms']) {
    topics.push((await call('POST', '/v1/topics', { topic })).hash!);
  }
  for (const [topic, client] of [
    [0, 0],
    [0, 2],
    [1, 1],
    [1, 4],
    [2, 0],
    [2, 1],
    [2, 2],
    [2, 3],
  ] as const) {
    await call('PUT', `/v1/topics/${topics[topic]}/clients/${clients[client]}`);
  }
  await call('POST', `/v1/topics/${topics[2]}/rotate`);
  const policy = (await call('POST', '/v1/policies', {
    name: 'monthly home rotation',
    target: { topicPrefix: 'home/' },
    action: 'rotate-topic-key',
    schedule: { expression: 'cron(0 3 1 * ? *)', timezone: 'Europe/Paris' },
    events: [{ type: 'client.removed', delayMinutes: 5 }],
  })) as { id?: string };
  await call('POST', `/v1/policies/${policy.id}/run`);
  await new Promise((resolve) => setTimeout(resolve, 2000)); // the rotation ends (no device confirms)

  await mkdir(IMAGES, { recursive: true });
  for (const [device, viewport] of Object.entries(VIEWPORTS)) {
    const page = await (await browser.newContext({ viewport, colorScheme: 'light' })).newPage();
    await page.goto(server.webUiUrl!);
    await page.getByLabel('API key').fill(server.adminKey!);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Recent events').waitFor();
    await page.locator('section table').last().waitFor();
    const shots: [string, string, string][] = [
      ['dashboard', '/', 'Recent events'],
      ['clients', '/clients', 'New client'],
      ['topic', `/topics/${topics[2]}`, 'Link clients (their names, one a line)'],
      ['policy', `/policies/${policy.id}`, 'Runs'],
      ['audit', '/audit', 'Export as JSON lines'],
    ];
    for (const [name, path, ready] of shots) {
      await page.evaluate((to) => {
        window.history.pushState(null, '', to);
        window.dispatchEvent(new PopStateEvent('popstate'));
      }, path);
      await page.getByText(ready).first().waitFor();
      await page.waitForTimeout(300); // the page's data
      const file = join(IMAGES, `web-${name}-${device}.png`);
      await page.screenshot({ path: file, fullPage: device === 'desktop' });
      console.log(`wrote ${file}`);
    }
    if (device === 'desktop') {
      // The claim dialog, a code typed (the example of the README's factory section: no device has it).
      await page.getByRole('link', { name: 'Clients' }).first().click();
      await page.getByRole('button', { name: 'Claim a factory device' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel("Claim code (on the device's label)").fill('7K3QX-M2P9D-W8ZRT-4HJNC-V6B1E');
      await dialog.getByLabel('Put on topics (their names, one a line; optional)').fill('home/garden');
      const file = join(IMAGES, `web-claim-${device}.png`);
      await page.screenshot({ path: file });
      console.log(`wrote ${file}`);
    }
  }
} finally {
  await browser.close();
  await server.close();
  await rm(stateDir, { recursive: true, force: true });
}
