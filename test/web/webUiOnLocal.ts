/**
 * What each browser test starts with: local mode (a state folder of its own, free ports) serving the built web UI,
 * its admin and platform keys recorded as secrets (the suite's log scan looks for them), and Chromium on a page;
 * `close` undoes it all. Also the small moves the tests share: `go` (the app's own navigation, no reload: the
 * session stays) and an Ed25519 public key to enrol.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildWebUi } from '../../local/buildWebUi.js';
import { type LocalC2Server, startLocal } from '../../local/startLocal.js';
import { recordSecret } from '../support/recordedSecrets.js';
import { launchUiBrowser, type UiBrowser } from './uiBrowser.js';

export interface WebUiOnLocal {
  readonly server: LocalC2Server;
  readonly ui: UiBrowser;
  readonly page: Page;
  close(): Promise<void>;
}

export async function startWebUiOnLocal(): Promise<WebUiOnLocal> {
  const built = await buildWebUi();
  const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-web-'));
  let server: LocalC2Server | undefined;
  let ui: UiBrowser | undefined;
  const close = async () => {
    await ui?.browser.close().catch(() => {});
    await server?.close();
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, webUi: built.dir });
    recordSecret(server.adminKey!);
    if (server.platformKey) recordSecret(server.platformKey);
    ui = await launchUiBrowser();
    return { server, ui, page: ui.page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Moves the app to `path` as its links do (pushState + popstate: no reload, the session stays). */
export async function go(page: Page, path: string): Promise<void> {
  await page.evaluate((to) => {
    window.history.pushState(null, '', to);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

/** An Ed25519 public key, raw, in base64 (the last 32 bytes of its SPKI encoding). */
export function ed25519PublicKey(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  return publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('base64');
}
