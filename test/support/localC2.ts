/**
 * The C2's ports on their local adapters, for use-case tests: local mode's composition (composeLocalC2) with dynalite
 * in memory, the keyring in a temp folder, and aedes for the MQTT command publisher. Real components throughout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeLocalC2 } from '../../local/composeLocalC2.js';
import type { LocalScheduler } from '../../shared/adapters/local/LocalScheduler.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import { startAedes } from './brokers.js';

export interface LocalC2 {
  readonly deps: C2Deps;
  readonly mqttUrl: string;
  /** `deps.scheduler`: not started until `startScheduler` (its runs are scheduled rotations over `deps`). */
  readonly scheduler: LocalScheduler;
  startScheduler(): Promise<void>;
  /** Resolves once the link journal has fed its changes and the worker has handled them (and what they started). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `options.clock`: a clock of the test's (e.g. frozen). When the C2 waits for it (command timestamps, see
 * shared/c2/delivery/keySeconds.ts), it moves on by the time waited instead, at once.
 */
export async function startLocalC2(options: { clock?: () => number } = {}): Promise<LocalC2> {
  const dir = mkdtempSync(join(tmpdir(), 'e4c2-c2-'));
  const broker = await startAedes();
  const given = options.clock;
  let waited = 0;
  const moving = given && {
    clock: () => given() + waited,
    sleep: async (ms: number) => {
      waited += ms;
    },
  };
  const c2 = await composeLocalC2({
    stateDir: dir,
    mqttUrl: broker.url,
    inMemoryStore: true,
    startWorker: false,
    ...(moving ? { clock: moving.clock } : {}),
  }).catch(async (error: unknown) => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const deps = moving ? { ...c2.deps, sleep: moving.sleep } : c2.deps;
  // The worker runs on the same ports as the test (its clock and sleep included).
  await c2.startWorker(deps);
  return {
    deps,
    mqttUrl: broker.url,
    scheduler: c2.scheduler,
    settled: async () => {
      // The queue's idle() would wait for delayed messages (an operation's confirmation check): instead, until no
      // handler has run for 200 ms after the journal fed its changes.
      await c2.linkJournal.idle();
      for (let quiet = 0; quiet < 10; quiet++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (c2.queue.work.isBusy() || c2.queue.receipts.isBusy()) quiet = -1;
      }
      await c2.linkJournal.idle();
    },
    startScheduler: () => c2.startScheduler(deps),
    close: async () => {
      await c2.close();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
