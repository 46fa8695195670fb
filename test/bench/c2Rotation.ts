/**
 * Rotating a topic linked to N clients in local mode (dynalite on disk, keyring file, embedded aedes): the time
 * from the call (which records the operation) until the worker has finished it, every SetTopicKey acknowledged by
 * the broker (QoS 1) and every delivery recorded, the CPU time that took, commands per second, and how many
 * master-key calls (KMS in AWS) and key unwraps one rotation costs, with the vault's data-key cache emptied
 * before each rotation (the cost of a cold Lambda).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeLocalC2 } from '../../local/composeLocalC2.js';
import { type ReceiptForwarder, receiptForwarder } from '../../local/forwardReceipts.js';
import { startEmbeddedBroker } from '../../local/startEmbeddedBroker.js';
import { LocalKeyring } from '../../shared/adapters/local/LocalKeyring.js';
import type { C2Deps } from '../../shared/c2/C2Deps.js';
import type { OperationRecord } from '../../shared/c2/ports/OperationStore.js';
import type { KeyVault, MasterKeyProvider } from '../../shared/c2/ports.js';
import { createTopic } from '../../shared/c2/topics/createTopic.js';
import { rotateTopicKey } from '../../shared/c2/topics/rotateTopicKey.js';
import { EnvelopeKeyVault } from '../../shared/c2/vault/EnvelopeKeyVault.js';
import { bytesToHex, hashIdAlias, randomKey } from '../../shared/e4/node/index.js';
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
  /**
   * CPU seconds (user + system) the process spent per rotation, median: local mode runs in this one process (store,
   * broker, worker), so this is the work a rotation costs, less sensitive than its duration to other load on the
   * machine.
   */
  readonly cpuSeconds: number;
  /** Real devices among the clients, and seconds from the call until all of them confirmed (each run, median). */
  readonly devices?: number;
  readonly confirmations?: number[];
  readonly confirmedSeconds?: number;
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

/** Enrols the clients; returns the keys of the first `keep` (the devices that will connect). */
async function enrol(deps: C2Deps, clients: number, keep: number): Promise<Map<string, Uint8Array>> {
  const kept = new Map<string, Uint8Array>();
  const now = new Date().toISOString();
  const topic = 'bench/fan-out';
  await createTopic(deps, caller, { topic });
  let next = 0;
  const worker = async () => {
    while (next < clients) {
      const name = `device-${String(next++).padStart(6, '0')}`;
      const key = randomKey();
      if (kept.size < keep) kept.set(name, key);
      const wrappedKey = await deps.vault.wrap(key, { tenantId: caller.tenantId, kind: 'client', name, version: 1 });
      const record = { tenantId: caller.tenantId, name, id: hashIdAlias(name), mode: 'symmetric' as const };
      await deps.store.createClient({ ...record, wrappedKey, keyVersion: 1, createdAt: now, updatedAt: now });
      await deps.store.putLink({ tenantId: caller.tenantId, topic, clientName: name, createdAt: now });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return kept;
}

/** Real devices for the kept keys, connected in a process of their own (deviceFleet.ts); resolves once they are. */
async function startFleet(keys: Map<string, Uint8Array>, mqttUrl: string): Promise<ChildProcess | undefined> {
  if (keys.size === 0) return undefined;
  const fleet = fork(fileURLToPath(new URL('./deviceFleet.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const answer = new Promise<{ connected?: number; error?: string }>((resolve, reject) => {
    fleet.once('message', resolve);
    fleet.once('exit', (code) => reject(new Error(`the device fleet exited (code ${code})`)));
  });
  fleet.send({ mqttUrl, devices: [...keys].map(([name, key]) => [name, bytesToHex(key)]) });
  const { connected, error } = await answer.catch((error: unknown) => ({
    connected: undefined,
    error: (error as Error).message,
  }));
  if (connected !== keys.size) {
    fleet.kill('SIGKILL');
    throw new Error(`the device fleet did not connect: ${error ?? `${connected} of ${keys.size}`}`);
  }
  return fleet;
}

/** Ends the fleet's devices and waits for its process to exit. */
async function endFleet(fleet: ChildProcess | undefined): Promise<void> {
  if (!fleet || fleet.exitCode !== null) return;
  const exited = new Promise((resolve) => fleet.once('exit', resolve));
  fleet.send('end');
  await exited;
}

/** Waits until the operation counts `count` devices confirmed. */
async function confirmed(deps: C2Deps, operation: OperationRecord, count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await deps.operations.getOperation(operation.tenantId, operation.id);
    if ((record?.counts.confirmed ?? 0) >= count) return;
    if (Date.now() > deadline)
      throw new Error(`${record?.counts.confirmed} of ${count} confirmed after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * `devices` of the clients are real devices connected to the embedded broker, whose receipts the broker hands to the
 * work queue as in local mode: then each rotation is also timed until all of them are confirmed.
 */
export async function c2Rotation(clients: number, rotations: number, devices = 0): Promise<RotationResult> {
  const stateDir = mkdtempSync(join(tmpdir(), 'e4c2-bench-'));
  let forward: ReceiptForwarder | undefined;
  const broker = await startEmbeddedBroker({
    port: 0,
    onPublish: (topic, payload) => forward?.(topic, payload) ?? Promise.resolve(),
  });
  const composed = await composeLocalC2({ stateDir, mqttUrl: broker.url, startWorker: false });
  forward = receiptForwarder(composed.deps.queue, caller.tenantId);
  let fleet: ChildProcess | undefined;
  try {
    const counter = { master: 0, unwraps: 0 };
    const envelope = new EnvelopeKeyVault(
      countingProvider(await LocalKeyring.open(join(stateDir, 'keyring')), counter),
    );
    const deps: C2Deps = { ...composed.deps, vault: countingVault(envelope, counter) };
    await composed.startWorker(deps);
    const setupStart = performance.now();
    fleet = await startFleet(await enrol(deps, clients, devices), broker.url);
    const setupSeconds = (performance.now() - setupStart) / 1000;
    const runs: number[] = [];
    const confirmations: number[] = [];
    const cpu: number[] = [];
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
      const cpuStart = process.cpuUsage();
      const { operation } = await rotateTopicKey(deps, caller, 'bench/fan-out');
      const done = await operationFinished(deps, operation, 120_000);
      runs.push((performance.now() - start) / 1000);
      const used = process.cpuUsage(cpuStart);
      cpu.push((used.user + used.system) / 1e6);
      delivered = done.counts.sent + done.counts.confirmed;
      if (devices > 0) {
        await confirmed(deps, operation, devices, 120_000);
        confirmations.push((performance.now() - start) / 1000);
      }
      master = counter.master - before.master;
      unwraps = counter.unwraps - before.unwraps;
    }
    runs.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    confirmations.sort((a, b) => a - b);
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
      cpuSeconds: cpu[cpu.length >> 1]!,
      ...(devices > 0 ? { devices, confirmations, confirmedSeconds: confirmations[confirmations.length >> 1]! } : {}),
    };
  } finally {
    await endFleet(fleet);
    await composed.close();
    await broker.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
