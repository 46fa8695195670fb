/**
 * Local mode end to end in process: the API handler of the AWS deployment over real HTTP, the embedded broker over
 * real TCP, the database on disk in a temp state folder. Ports 0: the bound ones are reported.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalModeErrorCode } from '../../../local/LocalModeError.js';
import { createLocalLogger } from '../../../local/localLogger.js';
import { type LocalC2Server, type StartLocalOptions, startLocal } from '../../../local/startLocal.js';
import { operationRecord } from '../../contract/operationStore.contract.js';
import { startAedes } from '../../support/brokers.js';
import { codeOfAsync } from '../../support/codeOf.js';
import { operationFinished } from '../../support/operationFinished.js';

const running: LocalC2Server[] = [];
const folders: string[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

async function newStateDir(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'e4c2-local-'));
  folders.push(folder);
  return folder;
}

async function start(options: Partial<StartLocalOptions> & { stateDir: string }): Promise<LocalC2Server> {
  const server = await startLocal({ httpPort: 0, mqttPort: 0, ...options });
  running.push(server);
  return server;
}

async function stop(server: LocalC2Server): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.close();
}

function api(server: LocalC2Server, path: string, init: RequestInit & { key?: string } = {}): Promise<Response> {
  const { key, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (key) headers.set('authorization', `Bearer ${key}`);
  if (rest.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${server.apiUrl}${path}`, { ...rest, headers });
}

describe('startLocal', () => {
  it('serves the API over HTTP on the port it bound', async () => {
    // Prepare
    const server = await start({ stateDir: await newStateDir() });

    // Act
    const response = await api(server, '/v1/health');

    // Assess
    expect(server.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.apiUrl).not.toMatch(/:0$/);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('runs an MQTT broker devices can connect to (anonymously only with allowAnonymousDevices)', async () => {
    const server = await start({ stateDir: await newStateDir(), allowAnonymousDevices: true });

    const device = await connectAsync(server.mqttUrl, { clientId: 'device-1', protocolVersion: 4 });

    expect(server.embeddedBroker).toBe(true);
    expect(server.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(device.connected).toBe(true);
    await device.endAsync(true);
  });

  it('creates an admin key on the first start only, and it authenticates', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const first = await start({ stateDir });
    const key = first.adminKey;
    await stop(first);

    // Act
    const second = await start({ stateDir });
    const withKey = await api(second, '/v1/clients', { key });
    const withoutKey = await api(second, '/v1/clients');
    const withWrongKey = await api(second, '/v1/clients', { key: `${key?.slice(0, -2)}AA` });

    // Assess
    expect(key).toMatch(/^e4c2\.local\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(second.adminKey).toBeUndefined();
    expect(withKey.status).toBe(200);
    expect(withoutKey.status).toBe(401);
    expect(withWrongKey.status).toBe(401);
  });

  it('creates a platform key on the first start (or on request) that manages tenants only; registers the tenant', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const first = await start({ stateDir });
    const key = first.platformKey;
    await stop(first);

    // Act
    const second = await start({ stateDir });
    const tenants = await api(second, '/v1/tenants', { key });
    const clients = await api(second, '/v1/clients', { key });
    await stop(second);
    const third = await start({ stateDir, newPlatformKey: true });

    // Assess
    expect(key).toMatch(/^e4c2p\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(second.platformKey).toBeUndefined();
    expect(tenants.status).toBe(200);
    expect((await tenants.json()).items).toMatchObject([{ id: 'local', status: 'active' }]);
    expect(clients.status).toBe(403);
    expect(third.platformKey).toMatch(/^e4c2p\./);
    expect(third.platformKey).not.toBe(key);
    expect((await api(third, '/v1/tenants', { key: third.platformKey })).status).toBe(200);
    expect((await api(third, '/v1/tenants', { key })).status).toBe(200);
  });

  it('creates another admin key on request, the first one still working', async () => {
    const stateDir = await newStateDir();
    const first = await start({ stateDir });
    await stop(first);

    const second = await start({ stateDir, newAdminKey: true });

    expect(second.adminKey).toBeDefined();
    expect(second.adminKey).not.toBe(first.adminKey);
    expect((await api(second, '/v1/clients', { key: first.adminKey })).status).toBe(200);
    expect((await api(second, '/v1/clients', { key: second.adminKey })).status).toBe(200);
  });

  it('lists and revokes API keys over HTTP: the first admin key among them, never the last admin key', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const first = await start({ stateDir });
    await stop(first);
    const server = await start({ stateDir, newAdminKey: true });
    const firstKeyId = first.adminKey!.split('.')[2];

    // Act
    const listed = await (await api(server, '/v1/keys/api', { key: server.adminKey })).json();
    const revoked = await api(server, `/v1/keys/api/${firstKeyId}`, { method: 'DELETE', key: server.adminKey });
    const withRevoked = await api(server, '/v1/clients', { key: first.adminKey });
    const ownKeyId = server.adminKey!.split('.')[2];
    const last = await api(server, `/v1/keys/api/${ownKeyId}`, { method: 'DELETE', key: server.adminKey });

    // Assess
    expect(listed.items.map((key: { name: string; scope: string }) => `${key.name} ${key.scope}`).sort()).toEqual([
      'admin admin',
      'admin-2 admin',
    ]);
    expect(revoked.status).toBe(200);
    expect(withRevoked.status).toBe(401);
    expect(last.status).toBe(409);
    expect((await last.json()).error.code).toBe('LAST_ADMIN_KEY');
    expect((await api(server, '/v1/clients', { key: server.adminKey })).status).toBe(200);
  });

  it('creates an admin key at the next start when none is usable (a revocation cut short by a crash)', async () => {
    // Prepare: the state a crash between the revocation and its check can leave (no usable admin key).
    const stateDir = await newStateDir();
    const first = await start({ stateDir });
    const keyId = first.adminKey!.split('.')[2]!;
    await first.deps.store.revokeApiKey(first.tenantId, keyId, new Date().toISOString());
    await stop(first);

    // Act
    const second = await start({ stateDir });

    // Assess
    expect(second.adminKey).toBeDefined();
    expect((await api(second, '/v1/clients', { key: second.adminKey })).status).toBe(200);
    expect((await api(second, '/v1/clients', { key: first.adminKey })).status).toBe(401);
  });

  it('finds its records again after a restart on the same state folder', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const first = await start({ stateDir });
    const key = first.adminKey;
    const created = await api(first, '/v1/clients', {
      key,
      method: 'POST',
      body: JSON.stringify({ name: 'sensor-1', generateKey: true }),
    });
    expect(created.status).toBe(201);
    await stop(first);

    // Act
    const second = await start({ stateDir });
    const listed = await api(second, '/v1/clients', { key });

    // Assess
    expect(listed.status).toBe(200);
    const page = (await listed.json()) as { items: { name: string }[] };
    expect(page.items.map((client) => client.name)).toEqual(['sensor-1']);
  });

  it('releases the topic leases a dead run left: a rotation right after the start goes through at once', async () => {
    // Prepare: a topic whose lease is held, as by a run killed in the middle of a rotation (kill -9).
    const stateDir = await newStateDir();
    const first = await start({ stateDir });
    const key = first.adminKey;
    const created = await api(first, '/v1/topics', { key, method: 'POST', body: JSON.stringify({ topic: 'a/b' }) });
    const { hash } = (await created.json()) as { hash: string };
    const now = Date.now();
    await first.deps.store.acquireTopicLease(first.tenantId, 'a/b', { owner: 'dead-run', now, until: now + 300_000 });
    await stop(first);

    // Act
    const second = await start({ stateDir });
    const rotated = await api(second, `/v1/topics/${hash}/rotate`, { key, method: 'POST' });
    const { operation } = (await rotated.json()) as { operation: { id: string } };
    const done = await operationFinished(second.deps, { tenantId: second.tenantId, id: operation.id }, 5_000);

    // Assess
    expect(rotated.status).toBe(202);
    expect(done).toMatchObject({ status: 'succeeded', keyVersion: 2 });
  });

  it('enqueues again, and logs, the operations a previous run left pending or running, of every tenant', async () => {
    // Prepare: operations recorded by a run that stopped before it carried them out (their messages lost), of the
    // default tenant and of one the platform created.
    const stateDir = await newStateDir();
    const first = await start({ stateDir });
    const at = new Date().toISOString();
    await first.deps.store.createTenant({ id: 'second', status: 'active', createdAt: at, updatedAt: at });
    const unfinished = [operationRecord(1), operationRecord(2, { status: 'running' })];
    for (const record of [...unfinished, operationRecord(3, { status: 'succeeded' })]) {
      await first.deps.operations.createOperation({ ...record, tenantId: first.tenantId });
    }
    await first.deps.operations.createOperation({ ...operationRecord(4), tenantId: 'second' });
    await stop(first);
    let text = '';
    const write = (chunk: string) => {
      text += chunk;
      return true;
    };
    const log = createLocalLogger({ level: 'info', format: 'json', stream: { write } });

    // Act
    await start({ stateDir, log });

    // Assess
    const lines = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.msg === 'resumed operations left unfinished by a previous run')).toEqual([
      expect.objectContaining({ level: 'info', operations: 3 }),
    ]);
  });

  it("keeps the policies' schedules across a restart: a run missed while stopped runs once, the latest", async () => {
    // Prepare: a policy rotating a topic every minute, on a clock the test moves on; then local mode stopped.
    let offset = 0;
    const clock = () => Date.now() + offset;
    const stateDir = await newStateDir();
    const first = await start({ stateDir, clock });
    const key = first.adminKey!;
    await api(first, '/v1/topics', { key, method: 'POST', body: JSON.stringify({ topic: 'a/b' }) });
    const created = await api(first, '/v1/policies', {
      key,
      method: 'POST',
      body: JSON.stringify({
        name: 'every minute',
        target: { topic: 'a/b' },
        action: 'rotate-topic-key',
        schedule: { expression: 'rate(1 minute)' },
        enabled: true,
      }),
    });
    expect(created.status).toBe(201);
    const policy = (await created.json()) as { id: string; createdAt: string };
    await stop(first);
    let text = '';
    const write = (chunk: string) => {
      text += chunk;
      return true;
    };
    const log = createLocalLogger({ level: 'info', format: 'json', stream: { write } });

    // Act: started again five and a half periods after the rate's anchor (the creation rounded up to the minute):
    // five runs missed.
    const anchor = Math.ceil(Date.parse(policy.createdAt) / 60_000) * 60_000;
    offset = anchor + 5.5 * 60_000 - Date.now();
    const second = await start({ stateDir, clock, log });

    // Assess: one run, at the latest missed time, its rotation carried out; its record and the log say missed.
    const runs = await second.deps.policies!.listRuns(second.tenantId, policy.id, { limit: 10 });
    const latest = new Date(anchor + 5 * 60_000).toISOString();
    expect(runs.items.map((run) => [run.reason, run.scheduledTime, run.outcome, run.missed])).toEqual([
      ['schedule', latest, 'started', true],
    ]);
    const operation = runs.items[0]!.operations[0]!;
    expect(await operationFinished(second.deps, { tenantId: second.tenantId, id: operation.id })).toMatchObject({
      kind: 'topic.rotate',
      status: 'succeeded',
    });
    expect(text).toContain('"msg":"a schedule runs once for the runs it missed"');
    expect(text).toMatch(/"msg":"scheduled rotation".*"missed":true/);
  });

  it('publishes to an external broker instead of starting one', async () => {
    const broker = await startAedes();
    try {
      const server = await start({ stateDir: await newStateDir(), mqttUrl: broker.url, mqttPort: 1 });

      expect(server.mqttUrl).toBe(broker.url);
      expect(server.embeddedBroker).toBe(false);
      expect((await api(server, '/v1/health')).status).toBe(200);
    } finally {
      await Promise.all(running.splice(0).map((server) => server.close()));
      await broker.close();
    }
  });

  it('fails with PORT_IN_USE when the HTTP port is taken, leaving the state folder free and its admin key unissued', async () => {
    // Prepare
    const stateDir = await newStateDir();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const { port } = taken.address() as { port: number };

    // Act
    const code = await codeOfAsync(() => start({ stateDir, httpPort: port }));
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    const retried = await start({ stateDir });

    // Assess
    expect(code).toBe(LocalModeErrorCode.PortInUse);
    expect(retried.adminKey).toBeDefined();
  });

  it('fails with STATE_DIR_IN_USE while another instance runs on the folder', async () => {
    const stateDir = await newStateDir();
    await start({ stateDir });

    const code = await codeOfAsync(() => start({ stateDir }));

    expect(code).toBe(LocalModeErrorCode.StateDirInUse);
  });

  it('fails with STATE_DIR_NOT_WRITABLE when the state folder cannot be made', async () => {
    const file = join(await newStateDir(), 'a-file');
    await writeFile(file, '');

    const code = await codeOfAsync(() => start({ stateDir: join(file, 'state') }));

    expect(code).toBe(LocalModeErrorCode.StateDirNotWritable);
  });
});
