/**
 * A burst of changes on one topic over local mode's HTTP API: 50 rotation requests at once on a topic of 20 devices
 * of the device library (real MQTT), while 5 other clients (without a device) are linked and 5 are taken off with
 * a re-key. Every rotation request is answered with an operation; rotations asked for while one waits join it, so
 * the operations are fewer than the requests; every operation finishes (succeeded), each installs its own key
 * version (no two the same, none skipped), each is listed by GET /v1/operations, and every device ends on the key
 * the C2 holds (a message it protects opens with the topic key read from the C2's store).
 *
 * A link that finds the topic's lease held by an operation for longer than it waits is refused with 409
 * CONCURRENT_UPDATE: the test tries it again, as a client of the API would, and says how often.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../../local/startLocal.js';
import { openTopicKey } from '../../../shared/c2/topics/openTopicKey.js';
import { unprotectSymKey } from '../../../shared/e4/framing/protectWithKey.js';
import { E4Client, fromBase64, utf8 } from '../../../shared/e4/node/index.js';
import { requestLocalApi } from '../../support/localApi.js';
import { connectDevice, type TestDevice } from '../../support/testDevice.js';

const DEVICES = 20;
const ROTATIONS = 50;
const LINKED = 5;
const UNLINKED = 5;
const TOPIC = 'fleet/alerts';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

interface OperationView {
  id: string;
  kind: string;
  status: string;
  keyVersion?: number;
  finishedAt?: string;
}

const request = requestLocalApi;

async function until(condition: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a burst of rotations, links and re-keying unlinks on one topic', () => {
  it('serialises or joins them: every request answered, every operation done, every device on the key', async () => {
    // Prepare: local mode; the topic with 20 devices and 10 clients to take off; 10 clients to link.
    const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-burst-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    // Devices connect without credentials here: the broker's rules are local/deviceAccess.test.ts's.
    const server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, allowAnonymousDevices: true });
    cleanups.push(() => server.close());
    const call = async <T>(method: string, path: string, body?: unknown, status = 200): Promise<T> => {
      const answer = await request<T>(server, method, path, body);
      expect({ method, path, ...answer }).toMatchObject({ status });
      return answer.json;
    };
    const { hash } = await call<{ hash: string }>('POST', '/v1/topics', { topic: TOPIC }, 201);
    const enrol = async (name: string) =>
      call<{ client: { id: string }; key: string }>('POST', '/v1/clients', { name, generateKey: true }, 201);
    const devices: TestDevice[] = [];
    const deviceIds: string[] = [];
    cleanups.push(() => Promise.all(devices.map((d) => d.end())));
    await Promise.all(
      Array.from({ length: DEVICES }, async (_, i) => {
        const name = `device-${i}`;
        const created = await enrol(name);
        const client = await E4Client.create({ mode: 'symmetric', key: fromBase64(created.key)!, name });
        devices.push(await connectDevice(client, server.mqttUrl, name));
        deviceIds.push(created.client.id);
      }),
    );
    const toUnlink = await Promise.all(Array.from({ length: UNLINKED }, (_, i) => enrol(`leaving-${i}`)));
    const toLink = await Promise.all(Array.from({ length: LINKED }, (_, i) => enrol(`joining-${i}`)));
    for (const id of deviceIds) await call('PUT', `/v1/topics/${hash}/clients/${id}`);
    for (const { client } of toUnlink) await call('PUT', `/v1/topics/${hash}/clients/${client.id}`);
    await Promise.all(devices.map((device) => device.commandsApplied(1)));

    // Act: all at once; a link or unlink refused as busy (409) is tried again.
    let busy = 0;
    const retried = async <T>(method: string, path: string): Promise<{ status: number; json: T }> => {
      for (;;) {
        const answer = await request<T>(server, method, path);
        if (answer.status !== 409) return answer;
        busy++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const [rotations, unlinks, links] = await Promise.all([
      Promise.all(
        Array.from({ length: ROTATIONS }, () =>
          request<{ operation: OperationView }>(server, 'POST', `/v1/topics/${hash}/rotate`),
        ),
      ),
      Promise.all(
        toUnlink.map(({ client }) =>
          retried<{ operation: OperationView }>('DELETE', `/v1/topics/${hash}/clients/${client.id}`),
        ),
      ),
      Promise.all(toLink.map(({ client }) => retried('PUT', `/v1/topics/${hash}/clients/${client.id}`))),
    ]);

    // Assess: every rotation request answered with an operation; every unlink started one (a re-key).
    expect(rotations.map((r) => r.status)).toEqual(rotations.map(() => 202));
    expect(links.map((r) => r.status)).toEqual(links.map(() => 200));
    for (const answer of unlinks) expect([200, 202]).toContain(answer.status);
    const rotationIds = new Set(rotations.map((r) => r.json.operation.id));
    const unlinkIds = new Set(unlinks.map((r) => r.json.operation.id));
    expect(rotationIds.size).toBeGreaterThanOrEqual(1);
    expect(rotationIds.size).toBeLessThan(ROTATIONS);
    expect(unlinkIds.size).toBe(UNLINKED);
    const ids = [...rotationIds, ...unlinkIds];
    // Every operation finishes, succeeded, each with its own key version: 2, 3, ... with none skipped.
    // (A bound on the wait, not a timing: a loaded CI machine takes longer than the 20 s of a quiet one.)
    const finished = new Map<string, OperationView>();
    await until(
      async () => {
        for (const id of ids) {
          if (finished.has(id)) continue;
          const view = await call<OperationView>('GET', `/v1/operations/${id}`);
          if (view.finishedAt !== undefined) finished.set(id, view);
        }
        return finished.size === ids.length;
      },
      'every operation to finish',
      60_000,
    );
    expect([...finished.values()].map((o) => o.status)).toEqual(ids.map(() => 'succeeded'));
    const versions = [...finished.values()].map((o) => o.keyVersion!).sort((a, b) => a - b);
    expect(versions).toEqual(ids.map((_, i) => i + 2));
    const topic = await call<{ keyVersion: number }>('GET', `/v1/topics/${hash}`);
    expect(topic.keyVersion).toBe(rotationIds.size + 1 + UNLINKED);
    // Each is listed by GET /v1/operations.
    const listed = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await call<{ items: OperationView[]; cursor?: string }>(
        'GET',
        `/v1/operations?limit=100${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      for (const item of page.items) listed.add(item.id);
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(ids.filter((id) => !listed.has(id))).toEqual([]);
    // Every device ends on the C2's key: what it protects opens with the key read from the C2's store.
    const record = await server.deps.store.getTopic(server.tenantId, TOPIC);
    expect(record?.keyVersion).toBe(topic.keyVersion);
    const key = await openTopicKey(server.deps, record!);
    try {
      const opens = (device: TestDevice) => {
        const text = `${device.name} on version ${topic.keyVersion}`;
        try {
          return (
            new TextDecoder().decode(unprotectSymKey(device.client.protectMessage(utf8(text), TOPIC), key)) === text
          );
        } catch {
          return false;
        }
      };
      await until(async () => devices.every(opens), 'every device on the key', 15_000);
    } finally {
      key.fill(0);
    }
    console.info(`${rotationIds.size} rotation operations for ${ROTATIONS} requests; ${busy} link/unlink 409s retried`);
  }, 90_000);
});
