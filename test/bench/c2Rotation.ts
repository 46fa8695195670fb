/**
 * Rotating a topic linked to N clients in local mode (dynalite on disk, keyring file, embedded aedes): the time
 * from the call (which records the operation) until the worker has finished it, every SetTopicKey acknowledged by
 * the broker (QoS 1) and every delivery recorded, commands per second, and how many
 * master-key calls (KMS in AWS) and key unwraps one rotation costs, with the vault's data-key cache emptied
 * before each rotation (the cost of a cold Lambda).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeLocalC2 } from '../../local/composeLocalC2.js';
import { startEmbeddedBroker } from '../../local/startEmbeddedBroker.js';
import { LocalKeyring } from '../../shared/adapters/local/LocalKeyring.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import type { KeyVault, MasterKeyProvider } from '../../shared/c2/ports.js';
import { createTopic } from '../../shared/c2/topics/createTopic.js';
import { rotateTopicKey } from '../../shared/c2/topics/rotateTopicKey.js';
import { EnvelopeKeyVault } from '../../shared/c2/vault/EnvelopeKeyVault.js';
import { hashIdAlias, randomKey } from '../../shared/e4/node/index.js';
import { operationFinished } from '../support/operationFinished.js';

export interface RotationResult {
  readonly clients: number;
  /** Seconds per rotation, each run, sorted. */
  readonly runs: number[];
  readonly seconds: number;
  readonly commandsPerSecond: number;
  readonly delivered: number;
  readonly masterKeyCallsPerRotation: number;
  readonly unwrapsPerRotation: number;
  readonly setupSeconds: number;
}

const caller = { tenantId: 'bench', actor: 'bench' };

/** Counts the calls that go to the master key (KMS in AWS): the ones that must stay O(1). */
function countingProvider(inner: MasterKeyProvider, counter: { master: number }): MasterKeyProvider {
  return {
    generateDataKey: (tenantId) => {
      counter.master++;
      return inner.generateDataKey(tenantId);
    },
    decryptDataKey: (tenantId, wrapped) => {
      counter.master++;
      return inner.decryptDataKey(tenantId, wrapped);
    },
  };
}

function countingVault(inner: KeyVault, counter: { unwraps: number }): KeyVault {
  return {
    wrap: (key, binding) => inner.wrap(key, binding),
    unwrap: (wrapped, binding) => {
      counter.unwraps++;
      return inner.unwrap(wrapped, binding);
    },
  };
}

async function enrol(deps: C2Deps, clients: number): Promise<void> {
  const now = new Date().toISOString();
  const topic = 'bench/fan-out';
  await createTopic(deps, caller, { topic });
  let next = 0;
  const worker = async () => {
    while (next < clients) {
      const name = `device-${String(next++).padStart(6, '0')}`;
      const key = randomKey();
      const wrappedKey = await deps.vault.wrap(key, { tenantId: caller.tenantId, kind: 'client', name, version: 1 });
      const record = { tenantId: caller.tenantId, name, id: hashIdAlias(name), mode: 'symmetric' as const };
      await deps.store.createClient({ ...record, wrappedKey, keyVersion: 1, createdAt: now, updatedAt: now });
      await deps.store.putLink({ tenantId: caller.tenantId, topic, clientName: name, createdAt: now });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

export async function c2Rotation(clients: number, rotations: number): Promise<RotationResult> {
  const stateDir = mkdtempSync(join(tmpdir(), 'e4c2-bench-'));
  const broker = await startEmbeddedBroker({ port: 0 });
  const composed = await composeLocalC2({ stateDir, mqttUrl: broker.url, startWorker: false });
  try {
    const counter = { master: 0, unwraps: 0 };
    const envelope = new EnvelopeKeyVault(
      countingProvider(await LocalKeyring.open(join(stateDir, 'keyring')), counter),
    );
    const deps: C2Deps = { ...composed.deps, vault: countingVault(envelope, counter) };
    await composed.startWorker(deps);
    const setupStart = performance.now();
    await enrol(deps, clients);
    const setupSeconds = (performance.now() - setupStart) / 1000;
    const runs: number[] = [];
    let delivered = 0;
    let master = 0;
    let unwraps = 0;
    for (let i = 0; i < rotations; i++) {
      // Each rotation from the start of a second: a rotation in the same second as the one before waits for the
      // next (commands about one key are stamped in increasing seconds), which is not what is measured here. (5 ms
      // past the second: a timer may fire a little early.)
      await new Promise((resolve) => setTimeout(resolve, 1005 - (Date.now() % 1000)));
      envelope.clear();
      const before = { ...counter };
      const start = performance.now();
      const { operation } = await rotateTopicKey(deps, caller, 'bench/fan-out');
      const done = await operationFinished(deps, operation, 120_000);
      runs.push((performance.now() - start) / 1000);
      delivered = done.counts.sent + done.counts.confirmed;
      master = counter.master - before.master;
      unwraps = counter.unwraps - before.unwraps;
    }
    runs.sort((a, b) => a - b);
    const seconds = runs[runs.length >> 1]!;
    return {
      clients,
      runs,
      seconds,
      commandsPerSecond: clients / seconds,
      delivered,
      masterKeyCallsPerRotation: master,
      unwrapsPerRotation: unwraps,
      setupSeconds,
    };
  } finally {
    await composed.close();
    await broker.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
