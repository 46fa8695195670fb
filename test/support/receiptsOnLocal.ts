/**
 * A C2 of local mode (in-memory store) whose embedded broker hands every device receipt to `queue`, a queue the test
 * holds (it decides when receipts and steps run): what the receipt tests start from. `close` ends the devices given,
 * the C2 and the broker, and removes the state folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ComposedLocalC2, composeLocalC2 } from '../../local/composeLocalC2.js';
import { receiptForwarder } from '../../local/forwardReceipts.js';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../local/startEmbeddedBroker.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import type { WorkQueue } from '../../shared/c2/ports/WorkQueue.js';

export interface ReceiptsOnLocal {
  readonly broker: EmbeddedBroker;
  readonly c2: ComposedLocalC2;
  /** The C2's dependencies with the test's queue. */
  readonly deps: C2Deps;
  close(devices: readonly { end(): Promise<unknown> }[]): Promise<void>;
}

export async function startReceiptsOnLocal(
  queue: WorkQueue,
  tenant: string,
  options: { startWorker?: boolean } = {},
): Promise<ReceiptsOnLocal> {
  const dir = mkdtempSync(join(tmpdir(), 'e4c2-receipts-'));
  const broker = await startEmbeddedBroker({ port: 0, onPublish: receiptForwarder(queue, tenant) });
  const c2 = await composeLocalC2({
    stateDir: dir,
    mqttUrl: broker.url,
    inMemoryStore: true,
    ...(options.startWorker === undefined ? {} : { startWorker: options.startWorker }),
  });
  return {
    broker,
    c2,
    deps: { ...c2.deps, queue },
    close: async (devices) => {
      await Promise.all(devices.map((device) => device.end()));
      await c2.close();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
