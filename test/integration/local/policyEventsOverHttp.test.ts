/**
 * A policy's event trigger through local mode's HTTP API, end to end: a policy on a prefix (created before its
 * topic) runs after 3 subscriptions; the 3 clients are linked over the API (one of them a device of the device
 * library on real MQTT); the topic's key version goes up by exactly one, the device follows, and the policy's
 * history lists the event run with its operation. Linking a client again is no subscription.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../../local/startLocal.js';
import { E4Client, fromBase64 } from '../../../shared/e4/node/index.js';
import { requestLocalApi } from '../../support/localApi.js';
import { connectDevice, type TestDevice } from '../../support/testDevice.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface RunView {
  reason: string;
  event?: { type: string; topic?: string };
  outcome: string;
  operations: { id: string; target: { type: string; name: string } }[];
}

describe('client.subscribed over the HTTP API', () => {
  it('rotates the topic once after 3 new links; the device follows; the history lists the run', async () => {
    // Prepare
    const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-events-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    // Devices connect without credentials here: the broker's rules are local/deviceAccess.test.ts's.
    const server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, allowAnonymousDevices: true });
    cleanups.push(() => server.close());
    const call = async <T>(method: string, path: string, body?: unknown, status = 200): Promise<T> => {
      const answer = await requestLocalApi<T>(server, method, path, body);
      expect({ method, path, ...answer }).toMatchObject({ status });
      return answer.json;
    };
    const policy = await call<{ id: string }>(
      'POST',
      '/v1/policies',
      {
        name: 'after 3 subscriptions',
        target: { topicPrefix: 'line/' },
        action: 'rotate-topic-key',
        events: [{ type: 'client.subscribed', count: 3 }],
      },
      201,
    );
    const { hash } = await call<{ hash: string }>('POST', '/v1/topics', { topic: 'line/1' }, 201);
    const ids: string[] = [];
    let device: TestDevice | undefined;
    for (const name of ['dev-a', 'dev-b', 'dev-c']) {
      const created = await call<{ client: { id: string }; key: string }>(
        'POST',
        '/v1/clients',
        { name, generateKey: true },
        201,
      );
      ids.push(created.client.id);
      if (!device) {
        const client = await E4Client.create({ mode: 'symmetric', key: fromBase64(created.key)!, name });
        device = await connectDevice(client, server.mqttUrl, name);
        cleanups.push(() => device!.end());
      }
    }

    // Act
    for (const id of ids) await call('PUT', `/v1/topics/${hash}/clients/${id}`);
    await call('PUT', `/v1/topics/${hash}/clients/${ids[0]}`); // linked already
    const runs = await until(
      () => call<{ items: RunView[] }>('GET', `/v1/policies/${policy.id}/runs`),
      (page) => page.items.length > 0,
      'the event run',
    );
    const operationId = runs.items[0]!.operations[0]!.id;
    const operation = await until(
      () => call<{ status: string }>('GET', `/v1/operations/${operationId}`),
      (view) => view.status !== 'pending' && view.status !== 'running',
      'the rotation',
    );
    await device!.commandsApplied(3); // the key at its link, again at the second link, then the rotation's

    // Assess
    expect(runs.items).toEqual([
      expect.objectContaining({
        reason: 'event',
        event: { type: 'client.subscribed', topic: 'line/1' },
        outcome: 'started',
        operations: [{ id: operationId, target: { type: 'topic', name: 'line/1' } }],
      }),
    ]);
    expect(operation.status).toBe('succeeded');
    const topic = await call<{ keyVersion: number }>('GET', `/v1/topics/${hash}`);
    expect(topic.keyVersion).toBe(2);
    const later = await call<{ items: RunView[] }>('GET', `/v1/policies/${policy.id}/runs`);
    expect(later.items).toHaveLength(1);
  });
});
