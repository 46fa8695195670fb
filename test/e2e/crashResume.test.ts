/**
 * End to end: a rotation survives a crash of local mode. `npm start`'s program (node --import tsx local/main.ts) runs
 * as a child process on a state folder and fixed ports, with a topic of 2,000 clients of which 3 are devices of the
 * device library connected to its embedded broker. A rotation is started through the HTTP API and the process is
 * killed (SIGKILL) in the middle of its fan-out; started again on the same folder, local mode finishes the operation
 * by itself, with the key it minted before the crash (no second key), every device ends on it, and the topic takes
 * the next change at once.
 *
 * The 1,997 clients without a device are written before local mode runs as a child, by startLocal in this process on
 * the same folder: createClient (the use case, keys generated), and the link records through the store's putLink, since
 * linking through the API takes the topic's lease one link at a time (a link only sends its key to a device that is
 * not there). The 3 devices are enrolled and linked through the API of the child.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../local/startLocal.js';
import { createClient } from '../../shared/c2/clients/createClient.js';
import type { MqttCredentials } from '../../shared/c2/clients/mqttCredentials.js';
import { createTopic } from '../../shared/c2/topics/createTopic.js';
import { E4Client, fromBase64 } from '../../shared/e4/node/index.js';
import { freePort } from '../support/freePort.js';
import { type RunningProcess, runProcess, stopProcesses } from '../support/processes.js';
import { connectDevice, exchange, type TestDevice } from '../support/testDevice.js';

const TOTAL = 2_000;
const DEVICES = 3;
const TOPIC = 'plant/line-1/telemetry';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  stopProcesses();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

interface OperationView {
  id: string;
  status: string;
  keyVersion?: number;
  counts: { total: number; pending: number; sent: number; confirmed: number; failed: number };
  finishedAt?: string;
}

/** Runs `work` on each item, `parallel` at a time. */
async function inParallel<T>(items: readonly T[], parallel: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** How many of the operation's devices are in each state, from GET /v1/operations/{id}/devices. */
async function deliveryStates(
  api: <T>(method: string, path: string) => Promise<{ json: T }>,
  id: string,
): Promise<Record<string, number>> {
  const states: Record<string, number> = {};
  let cursor: string | undefined;
  do {
    const query = cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const { json } = await api<{ items: { state: string }[]; cursor?: string }>(
      'GET',
      `/v1/operations/${id}/devices?limit=100${query}`,
    );
    for (const { state } of json.items) states[state] = (states[state] ?? 0) + 1;
    cursor = json.cursor;
  } while (cursor !== undefined);
  return states;
}

describe('a rotation of local mode killed in the middle of its fan-out', () => {
  it('finishes after a restart, with one key, every device on it, the topic free', async () => {
    // Prepare: the folder, with the topic and its clients without a device.
    const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-crash-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const setup = await startLocal({ stateDir, httpPort: 0, mqttPort: 0 });
    const adminKey = setup.adminKey!;
    const tenantId = setup.tenantId;
    let hash = '';
    try {
      const caller = { tenantId, actor: 'test' };
      ({ hash } = await createTopic(setup.deps, caller, { topic: TOPIC }));
      const names = Array.from({ length: TOTAL - DEVICES }, (_, i) => `sensor-${String(i).padStart(4, '0')}`);
      await inParallel(names, 32, async (name) => {
        await createClient(setup.deps, caller, { name, mode: 'symmetric', generateKey: true });
        await setup.deps.store.putLink({
          tenantId,
          topic: TOPIC,
          clientName: name,
          createdAt: new Date().toISOString(),
        });
      });
    } finally {
      await setup.close();
    }

    // Local mode as `npm start` runs it, on ports kept across the restart (the devices reconnect to the same broker).
    const httpPort = await freePort();
    const mqttPort = await freePort();
    const apiUrl = `http://127.0.0.1:${httpPort}`;
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    const start = async (): Promise<RunningProcess> => {
      const started = runProcess(
        process.execPath,
        ['--import', 'tsx', 'local/main.ts', '--state-dir', stateDir, '--port', String(httpPort)],
        { E4C2_MQTT_PORT: String(mqttPort), E4C2_LOG_LEVEL: 'warn' },
      );
      await started.waitFor('Ctrl-C stops.');
      return started;
    };
    const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> => {
      const response = await fetch(`${apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${adminKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as T };
    };
    let local = await start();

    const devices: TestDevice[] = [];
    cleanups.push(() => Promise.all(devices.map((d) => d.end())));
    for (let i = 0; i < DEVICES; i++) {
      const name = `device-${i}`;
      const created = await api<{ client: { id: string }; key: string; mqtt: MqttCredentials }>('POST', '/v1/clients', {
        name,
        generateKey: true,
      });
      expect(created.status).toBe(201);
      const client = await E4Client.create({ mode: 'symmetric', key: fromBase64(created.json.key)!, name });
      const device = await connectDevice(client, mqttUrl, name, { credentials: created.json.mqtt });
      devices.push(device);
      await device.mqtt.subscribe(TOPIC);
      expect((await api('PUT', `/v1/topics/${hash}/clients/${created.json.client.id}`)).status).toBe(200);
      await device.commandsApplied(1);
    }

    // Act: rotate; kill -9 once some devices are sent their key and not all.
    const rotated = await api<{ operation: OperationView }>('POST', `/v1/topics/${hash}/rotate`);
    expect(rotated.status).toBe(202);
    const { id } = rotated.json.operation;
    const seen = await until(async () => {
      const { json } = await api<OperationView>('GET', `/v1/operations/${id}`);
      return json.counts.sent > 0 ? json : undefined;
    }, 'the fan-out to start');
    local.child.kill('SIGKILL');
    // The kill lands after the read: the operation must still have been short of its end then.
    expect(seen.counts.sent).toBeLessThan(TOTAL);
    expect(seen.finishedAt).toBeUndefined();
    await local.exited;
    local = await start();

    // Assess: the operation finishes by itself, with the key minted before the crash.
    const finished = await until(async () => {
      const { json } = await api<OperationView>('GET', `/v1/operations/${id}`);
      return json.finishedAt === undefined ? undefined : json;
    }, 'the operation to finish');
    expect(finished).toMatchObject({ status: 'succeeded', keyVersion: 2 });
    expect(finished.counts.total).toBe(TOTAL);
    const { json: topic } = await api<{ keyVersion: number }>('GET', `/v1/topics/${hash}`);
    expect(topic.keyVersion).toBe(2);
    // Every device ends on the topic's key: each one's message is read by the others.
    for (const [i, from] of devices.entries()) {
      for (const to of devices.filter((d) => d !== from)) {
        await exchange(from, to, TOPIC, `from ${from.name} after the restart ${i}`);
      }
    }
    // The topic is free at once: the next rotation is accepted (no 409) and installs version 3.
    const next = await api<{ operation: OperationView }>('POST', `/v1/topics/${hash}/rotate`);
    expect(next.status).toBe(202);
    const nextFinished = await until(async () => {
      const { json } = await api<OperationView>('GET', `/v1/operations/${next.json.operation.id}`);
      return json.finishedAt === undefined ? undefined : json;
    }, 'the next rotation to finish');
    expect(nextFinished).toMatchObject({ status: 'succeeded', keyVersion: 3 });
    // The counts are those of the devices: all sent or confirmed, none left pending. (Fails on d2b7452: a page whose
    // deliveries were written `sent` before the kill, but whose counts were not committed with the cursor, is read
    // again after the restart and counts nothing, its devices no longer pending: counts.pending stays at 100 or more
    // in an operation `succeeded`. See sendPage in shared/c2/operations/topicOperation.ts. Left failing for the lead.)
    // Receipts go on after the end (confirmation is reported apart): the counts are compared with the devices'
    // states once both read alike, a receipt landing between the two reads being read again.
    const settled = await until(async () => {
      const states = await deliveryStates(api, id);
      const { json } = await api<OperationView>('GET', `/v1/operations/${id}`);
      const { total, pending, sent, confirmed, failed } = json.counts;
      const same =
        total === TOTAL &&
        pending === 0 &&
        failed === 0 &&
        sent === (states.sent ?? 0) &&
        confirmed === (states.confirmed ?? 0);
      return same ? { states, counts: json.counts } : undefined;
    }, 'the counts to match the devices');
    expect(settled.states).toEqual({
      sent: TOTAL - (settled.states.confirmed ?? 0),
      confirmed: settled.states.confirmed,
    });
    expect(finished.counts.pending).toBe(0);
  }, 120_000);
});
