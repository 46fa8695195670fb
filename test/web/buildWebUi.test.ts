/**
 * local/buildWebUi.ts on a copy of web/ (inside the checkout, so that Vite resolves preact from its node_modules):
 * built when missing, not again while up to date, again once a source is newer; two starts building at once both end
 * with a whole web/dist and no build folder left behind.
 */
import { cp, mkdir, readdir, readFile, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildWebUi, WEB_DIR } from '../../local/buildWebUi.js';

const copy = join(fileURLToPath(new URL('../../.scratch/', import.meta.url)), `web-build-${process.pid}`);

beforeAll(async () => {
  await mkdir(copy, { recursive: true });
  for (const entry of ['index.html', 'vite.config.ts', 'src']) {
    await cp(join(WEB_DIR, entry), join(copy, entry), { recursive: true });
  }
});

afterAll(async () => {
  await rm(copy, { recursive: true, force: true });
});

/** The assets index.html names all exist. */
async function expectWhole(dir: string): Promise<void> {
  const html = await readFile(join(dir, 'index.html'), 'utf8');
  const assets = [...html.matchAll(/\/assets\/([\w.-]+)/g)].map((match) => match[1]!);
  expect(assets.length).toBeGreaterThanOrEqual(2); // the script and the stylesheet
  expect((await readdir(join(dir, 'assets'))).sort()).toEqual(expect.arrayContaining(assets));
}

it('builds web/dist when missing, not again while up to date, again when a source is newer', async () => {
  const reasons: string[] = [];
  const first = await buildWebUi((reason) => reasons.push(reason), copy);
  expect(first).toEqual({ dir: join(copy, 'dist'), built: 'missing' });
  await expectWhole(first.dir);

  expect(await buildWebUi((reason) => reasons.push(reason), copy)).toEqual({ dir: join(copy, 'dist') });

  const later = new Date(Date.now() + 60_000);
  await utimes(join(copy, 'src', 'styles.css'), later, later);
  expect((await buildWebUi((reason) => reasons.push(reason), copy)).built).toBe('stale');
  expect(reasons).toEqual(['missing', 'stale']);
  await expectWhole(join(copy, 'dist'));
}, 120_000);

it('leaves a whole web/dist and no build folder when two starts build at once', async () => {
  const later = new Date(Date.now() + 120_000);
  await utimes(join(copy, 'index.html'), later, later);
  const results = await Promise.all([buildWebUi(() => {}, copy), buildWebUi(() => {}, copy)]);
  expect(results.map((result) => result.built)).toEqual(['stale', 'stale']);
  await expectWhole(join(copy, 'dist'));
  expect((await readdir(copy)).filter((name) => name.startsWith('.dist-'))).toEqual([]);
}, 120_000);
