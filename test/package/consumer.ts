/**
 * A consumer of the built package (`npm run build` first): compiled against dist/ by `npm run check:package`, then
 * run. Checks that `e4c2/client` gives Node users the node:crypto engine and the file store, with their types, and
 * that `e4c2/client/mqtt` resolves.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { E4Client, FileStateStore, getDefaultEngine, randomKey } from 'e4c2/client';
import { E4MqttDevice } from 'e4c2/client/mqtt';

const dir = mkdtempSync(join(tmpdir(), 'e4c2-package-'));
try {
  const store = new FileStateStore(join(dir, 'device.json'));
  const client = await E4Client.create({ mode: 'symmetric', name: 'device-0001', key: randomKey() }, { store });
  const reloaded = await E4Client.load({ store });
  if (getDefaultEngine().name !== 'node') throw new Error(`expected the node engine, got ${getDefaultEngine().name}`);
  if (reloaded.receivingTopic !== client.receivingTopic) throw new Error('the saved client did not load');
  if (typeof E4MqttDevice.connect !== 'function') throw new Error('e4c2/client/mqtt did not resolve');
  console.log(`package entries ok: ${client.receivingTopic}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
