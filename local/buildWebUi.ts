/**
 * The web UI's files for local mode: web/dist, built with Vite's build API when it is missing or older than its
 * sources (web/src, web/index.html, web/vite.config.ts), so that `npm ci && npm start` serves it on a fresh clone.
 * The build goes to a folder of its own, then takes web/dist's place by rename: two local modes that start at once
 * never serve a half-written folder (the later rename wins; both builds are of the same sources).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));

export interface WebUiFiles {
  /** The folder served at `/` (its index.html the page of every path outside /v1). */
  readonly dir: string;
  /** Why it was built by this call ('missing' or 'stale'); undefined when it was up to date. */
  readonly built?: 'missing' | 'stale';
}

/**
 * web/dist, built first when needed. `onBuild` is told before a build starts (it takes a few seconds). `webDir`: the
 * UI's folder (tests build a copy).
 */
export async function buildWebUi(
  onBuild: (reason: 'missing' | 'stale') => void = () => {},
  webDir = WEB_DIR,
): Promise<WebUiFiles> {
  const dist = join(webDir, 'dist');
  const built = await modifiedAt(join(dist, 'index.html'));
  const sources = await newestSource(webDir);
  if (built !== undefined && built >= sources) return { dir: dist };
  const reason = built === undefined ? 'missing' : 'stale';
  onBuild(reason);
  const outDir = join(webDir, `.dist-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const { build } = await import('vite');
    await build({
      configFile: join(webDir, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
    await replaceDir(outDir, dist);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  return { dir: dist, built: reason };
}

/** Moves `from` to `to`, the old `to` moved aside first and removed after. */
async function replaceDir(from: string, to: string): Promise<void> {
  const old = `${from}-old`;
  if (existsSync(to)) await rename(to, old).catch(() => {}); // another start may have moved it already
  try {
    await rename(from, to);
  } catch (error) {
    // Another start put its build there between the two renames: it serves the same sources.
    if (!existsSync(join(to, 'index.html'))) throw error;
  }
  await rm(old, { recursive: true, force: true });
}

async function modifiedAt(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The time of the newest source file of the UI. */
async function newestSource(webDir: string): Promise<number> {
  let newest = 0;
  for (const file of ['index.html', 'vite.config.ts'])
    newest = Math.max(newest, (await modifiedAt(join(webDir, file))) ?? 0);
  for (const entry of await readdir(join(webDir, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, (await modifiedAt(join(entry.parentPath, entry.name))) ?? 0);
  }
  return newest;
}
