/**
 * `e4c2 operations`, `events` and `policies` run as a subprocess against local mode: a rotation followed to its end
 * (summary, stragglers, JSON), operations listed and filtered, a device list, a retry; the event log listed with
 * filters and exported to a file of JSON lines; a policy created, changed, run with --wait, listed and deleted; the
 * exit codes of a malformed id (2), an unknown one (4) and a stale revision (1).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { E4Client, fromBase64 } from '../../shared/e4/node/index.js';
import { type CliC2, e4c2, startCliC2 } from '../support/cliRun.js';
import { requestLocalApi } from '../support/localApi.js';
import { operationFinishedOverHttp } from '../support/operationFinishedOverHttp.js';
import { connectDevice } from '../support/testDevice.js';

interface Operation {
  id: string;
  kind: string;
  status: string;
  finishedAt?: string;
  counts: { total: number; sent: number; confirmed: number; failed: number; pending: number };
}
interface Device {
  client: { name: string; id: string };
  state: string;
}
interface Event {
  id: string;
  at: string;
  action: string;
  target: { type: string; name: string };
  result: string;
}
interface Policy {
  id: string;
  name: string;
  action: string;
  target: Record<string, unknown>;
  enabled: boolean;
  revision: number;
  schedule?: { expression: string; timezone?: string };
}

const TOPIC = 'ops/kitchen';
const UNKNOWN_ID = '01JD3Q8ZK6W7X0M4V2N5B8C9DE';

// A CLI run costs about a second here, several on a busy machine: a test makes up to a dozen.
vi.setConfig({ testTimeout: 120_000 });

let c2: CliC2;
let rotation: Operation;

beforeAll(async () => {
  c2 = await startCliC2();
  const server = c2.server;
  const topic = await requestLocalApi<{ hash: string }>(server, 'POST', '/v1/topics', { topic: TOPIC });
  expect(topic.status).toBe(201);
  for (const name of ['ops-a', 'ops-b']) {
    const created = await requestLocalApi<{ client: { id: string } }>(server, 'POST', '/v1/clients', {
      name,
      generateKey: true,
    });
    expect(created.status).toBe(201);
    const linked = await requestLocalApi(
      server,
      'PUT',
      `/v1/topics/${topic.json.hash}/clients/${created.json.client.id}`,
    );
    expect(linked.status).toBeLessThan(300);
  }
  const rotated = await requestLocalApi<{ operation: Operation }>(
    server,
    'POST',
    `/v1/topics/${topic.json.hash}/rotate`,
  );
  expect(rotated.status).toBe(202);
  rotation = rotated.json.operation;
});
afterAll(() => c2?.close());

describe('e4c2 operations', () => {
  it('watches a rotation to its end: summary and stragglers for people, the operation in JSON', async () => {
    const watched = await e4c2(['operations', 'watch', rotation.id], c2.env);
    expect(watched.code).toBe(0);
    expect(watched.stdout).toContain(`Operation ${rotation.id} succeeded: 2 devices, 2 sent, 0 confirmed, 0 failed`);
    // No device is connected to confirm: both are stragglers, listed with their state and attempts.
    expect(watched.stdout).toContain('Not confirmed (2):');
    expect(watched.stdout).toMatch(/^ops-a\s+[0-9a-f]{32}\s+sent\s+1\s+-$/m);
    expect(watched.stdout).toMatch(/^ops-b\s+[0-9a-f]{32}\s+sent\s+1\s+-$/m);
    // Not a terminal: a status line instead of a bar.
    expect(watched.stderr).toContain(`Operation ${rotation.id} succeeded`);

    const json = (await e4c2(['operations', 'watch', rotation.id, '--json'], c2.env)).json<Operation>();
    expect(json).toMatchObject({ id: rotation.id, kind: 'topic.rotate', status: 'succeeded' });
    expect(json.finishedAt).toBeDefined();
    const got = (await e4c2(['operations', 'get', rotation.id.toLowerCase(), '--json'], c2.env)).json<Operation>();
    expect(got).toEqual(json);
  });

  it('--until confirmed ends once finished when no device can confirm', async () => {
    const run = await e4c2(['operations', 'watch', rotation.id, '--until', 'confirmed', '--timeout', '1.5'], c2.env);
    // Devices that never sent a receipt cannot confirm: nothing to wait for beyond the end of the operation.
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Operation ${rotation.id} succeeded`);
  });

  it('waits for confirmations until --timeout (exit 1), and stops waiting on Ctrl-C (exit 130)', async () => {
    // Prepare: a device that confirmed a command (so it can confirm), offline when the next one goes out.
    const server = c2.server;
    const created = await requestLocalApi<{
      client: { id: string };
      key: string;
      mqtt: { username: string; password: string };
    }>(server, 'POST', '/v1/clients', { name: 'ops-device', generateKey: true });
    const client = await E4Client.create({ mode: 'symmetric', key: fromBase64(created.json.key)!, name: 'ops-device' });
    const device = await connectDevice(client, server.mqttUrl, 'ops-device', { credentials: created.json.mqtt });
    const topic = await requestLocalApi<{ hash: string }>(server, 'POST', '/v1/topics', { topic: 'ops/hall' });
    await requestLocalApi(server, 'PUT', `/v1/topics/${topic.json.hash}/clients/${created.json.client.id}`);
    await device.commandsApplied(1);
    await expect
      .poll(
        async () =>
          (await requestLocalApi<{ lastSeenAt?: string }>(server, 'GET', `/v1/clients/${created.json.client.id}`)).json
            .lastSeenAt,
        { timeout: 20_000 },
      )
      .toBeDefined();
    await device.end();
    const rotated = await requestLocalApi<{ operation: Operation }>(
      server,
      'POST',
      `/v1/topics/${topic.json.hash}/rotate`,
    );
    const id = rotated.json.operation.id;
    const get = (path: string) => requestLocalApi<unknown>(server, 'GET', path);
    expect(await operationFinishedOverHttp(get, id)).toMatchObject({ confirmation: { confirmable: 1, percent: 0 } });

    // Act
    const timedOut = await e4c2(['operations', 'watch', id, '--until', 'confirmed', '--timeout', '2'], c2.env);
    const interrupted = await e4c2(['operations', 'watch', id, '--until', 'confirmed'], c2.env, {
      interruptWhen: /confirmed 0 of 1/,
    });
    const finished = await e4c2(['operations', 'watch', id], c2.env);

    // Assess
    expect(timedOut.code).toBe(1);
    expect(timedOut.stderr).toContain(`e4c2: operation ${id} still succeeded, not all confirmed after 2 s: it goes on`);
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain(`e4c2: stopped waiting: operation ${id} goes on in the C2`);
    expect(finished.code).toBe(0);
    expect(finished.stdout).toContain('confirmed 0 of 1 able to confirm (0%)');
    expect(finished.stdout).toMatch(/^ops-device\s+[0-9a-f]{32}\s+sent\s+1\s+-$/m);
  });

  it('lists operations with filters, and the devices of one', async () => {
    const succeeded = (await e4c2(['operations', 'list', '--status', 'succeeded', '--json'], c2.env)).json<
      Operation[]
    >();
    expect(succeeded.map((o) => o.id)).toContain(rotation.id);
    expect(succeeded.every((o) => o.status === 'succeeded')).toBe(true);
    const failed = (await e4c2(['ops', 'ls', '--status', 'failed', '--json'], c2.env)).json<Operation[]>();
    expect(failed).toEqual([]);
    const onTopic = await e4c2(['operations', 'list', '--target-type', 'topic', '--target', TOPIC], c2.env);
    expect(onTopic.code).toBe(0);
    expect(onTopic.stdout).toMatch(new RegExp(`^${rotation.id}\\s+topic.rotate\\s+${TOPIC}\\s+succeeded\\s+2`, 'm'));

    const devices = (await e4c2(['operations', 'devices', rotation.id, '--json'], c2.env)).json<Device[]>();
    expect(devices.map((d) => [d.client.name, d.state]).sort()).toEqual([
      ['ops-a', 'sent'],
      ['ops-b', 'sent'],
    ]);
    const confirmed = await e4c2(['operations', 'devices', rotation.id, '--state', 'confirmed'], c2.env);
    expect(confirmed).toMatchObject({ code: 0, stdout: '', stderr: 'No devices.\n' });
  });

  it('retries an operation and waits for it', async () => {
    const retried = await e4c2(['operations', 'retry', rotation.id, '--wait', '--json'], c2.env);
    expect(retried.code).toBe(0);
    expect(retried.json<Operation>()).toMatchObject({ id: rotation.id, status: 'succeeded' });
    const devices = (await e4c2(['operations', 'devices', rotation.id, '--json'], c2.env)).json<Device[]>();
    expect(devices).toHaveLength(2);
  });

  it('exits 2 for a malformed id or filter, 4 for an unknown operation', async () => {
    const malformed = await e4c2(['operations', 'get', 'nope'], c2.env);
    expect(malformed).toMatchObject({ code: 2, stdout: '' });
    expect(malformed.stderr).toContain('"nope" is not an operation id');
    expect((await e4c2(['operations', 'watch', 'nope'], c2.env)).code).toBe(2);
    const half = await e4c2(['operations', 'list', '--target', TOPIC], c2.env);
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('--target-type and --target go together');
    expect((await e4c2(['operations', 'list', '--status', 'done'], c2.env)).code).toBe(2);
    const unknown = await e4c2(['operations', 'watch', UNKNOWN_ID], c2.env);
    expect(unknown).toMatchObject({ code: 4, stderr: `e4c2: NOT_FOUND: no operation ${UNKNOWN_ID}\n` });
    expect((await e4c2(['operations', 'devices', UNKNOWN_ID], c2.env)).code).toBe(4);
  });
});

describe('e4c2 events', () => {
  it('lists events with filters', async () => {
    const rotations = (await e4c2(['events', 'list', '--action', 'topic.rotate', '--json'], c2.env)).json<Event[]>();
    expect(rotations.map((e) => e.target.name)).toContain(TOPIC);
    expect(rotations.every((e) => e.action === 'topic.rotate')).toBe(true);
    const onTopic = (
      await e4c2(
        ['events', 'list', '--action', 'topic.', '--target-type', 'topic', '--target', TOPIC, '--json'],
        c2.env,
      )
    ).json<Event[]>();
    expect(onTopic.map((e) => e.action)).toEqual(expect.arrayContaining(['topic.create', 'topic.rotate']));
    expect(onTopic.every((e) => e.target.name === TOPIC && e.action.startsWith('topic.'))).toBe(true);
    const clients = (
      await e4c2(['events', 'list', '--target-type', 'client', '--target', 'ops-a', '--from', '1h', '--json'], c2.env)
    ).json<Event[]>();
    expect(clients.map((e) => e.action)).toContain('client.create');
    expect(clients.every((e) => e.target.name === 'ops-a')).toBe(true);
    const future = await e4c2(['events', 'list', '--from', '2999-01-01'], c2.env);
    expect(future).toMatchObject({ code: 0, stdout: '', stderr: 'No events.\n' });
    const table = await e4c2(['events', 'list', '--limit', '1'], c2.env);
    expect(table.stdout.split('\n')[0]).toMatch(/^AT\s+ACTOR\s+ACTION\s+TARGET\s+RESULT$/);
    expect((await e4c2(['events', 'list', '--from', 'yesterday'], c2.env)).code).toBe(2);
  });

  it('exports the log to a file of JSON lines, oldest first, and to stdout', async () => {
    const file = join(c2.dir, 'events.jsonl');
    const exported = await e4c2(['events', 'export', '--file', file], c2.env);
    expect(exported.code).toBe(0);
    const events = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Event);
    expect(exported.stderr).toBe(`Exported ${events.length} events to ${file}.\n`);
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['topic.create', 'client.create', 'topic.rotate']),
    );
    expect(events.map((e) => e.at)).toEqual(events.map((e) => e.at).sort());
    const filtered = await e4c2(['events', 'export', '--action', 'client.create'], c2.env);
    const lines = filtered.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Event);
    expect(lines.every((e) => e.action === 'client.create')).toBe(true);
    expect(lines.map((e) => e.target.name)).toEqual(expect.arrayContaining(['ops-a', 'ops-b']));
  });
});

describe('e4c2 policies', () => {
  it('creates, changes, runs with --wait, lists and deletes a policy', async () => {
    const created = await e4c2(
      ['policies', 'create', '--name', 'kitchen daily', '--topic', TOPIC, '--schedule', 'rate(1 day)', '--json'],
      c2.env,
    );
    expect(created.code).toBe(0);
    const policy = created.json<Policy>();
    expect(policy).toMatchObject({
      name: 'kitchen daily',
      action: 'rotate-topic-key',
      target: { topic: TOPIC },
      enabled: true,
    });

    const patched = (
      await e4c2(['policies', 'patch', policy.id, '--disable', '--timezone', 'Europe/Paris', '--json'], c2.env)
    ).json<Policy>();
    expect(patched).toMatchObject({
      enabled: false,
      revision: 2,
      schedule: { expression: 'rate(1 day)', timezone: 'Europe/Paris' },
    });

    // An update from a file read before the patch carries a stale revision: refused.
    const file = join(c2.dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ ...policy, name: 'stale' }));
    const stale = await e4c2(['policies', 'update', policy.id, '--file', file], c2.env);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^e4c2: CONCURRENT_UPDATE: /);
    writeFileSync(file, JSON.stringify({ ...patched, name: 'kitchen nightly' }));
    const updated = await e4c2(['policies', 'update', policy.id, '--file', file, '--enable'], c2.env);
    expect(updated).toMatchObject({ code: 0, stdout: `Updated policy ${policy.id} (revision 3).\n` });

    const run = await e4c2(['policies', 'run', policy.id, '--wait', '--json'], c2.env);
    expect(run.code).toBe(0);
    const { run: record, operations } = run.json<{ run: { outcome: string }; operations: Operation[] }>();
    expect(record.outcome).toBe('started');
    expect(operations).toHaveLength(1);
    expect(operations[0]).toMatchObject({ kind: 'topic.rotate', status: 'succeeded' });
    expect(operations[0]!.finishedAt).toBeDefined();

    const runs = await e4c2(['policies', 'runs', policy.id], c2.env);
    expect(runs.stdout).toMatch(/manual\s+started\s+1\s/);
    const listed = (await e4c2(['policies', 'list', '--json'], c2.env)).json<Policy[]>();
    expect(listed.map((p) => [p.id, p.name])).toEqual([[policy.id, 'kitchen nightly']]);

    const deleted = await e4c2(['policies', 'delete', policy.id], c2.env);
    expect(deleted).toMatchObject({ code: 0, stdout: `Deleted policy ${policy.id}.\n` });
    const gone = await e4c2(['policies', 'get', policy.id], c2.env);
    expect(gone).toMatchObject({ code: 4, stderr: `e4c2: NOT_FOUND: no policy ${policy.id}\n` });
  });

  it('creates a policy from a file with flags over it; refuses what does not fit', async () => {
    const file = join(c2.dir, 'new-policy.json');
    writeFileSync(
      file,
      JSON.stringify({ name: 'from file', target: { topicPrefix: 'ops/' }, events: [{ type: 'key.age', days: 30 }] }),
    );
    const created = (
      await e4c2(['policies', 'create', '--file', file, '--event', 'client.subscribed=5', '--json'], c2.env)
    ).json<Policy & { events: unknown[] }>();
    expect(created).toMatchObject({
      name: 'from file',
      action: 'rotate-topic-key',
      events: [{ type: 'client.subscribed', count: 5 }],
    });
    const noTrigger = await e4c2(['policies', 'create', '--name', 'x', '--topic', TOPIC], c2.env);
    expect(noTrigger.code).toBe(1);
    expect(noTrigger.stderr).toMatch(/^e4c2: INVALID_INPUT: .*schedule or at least one event/);
    const twoTargets = await e4c2(['policies', 'create', '--name', 'x', '--topic', TOPIC, '--all-topics'], c2.env);
    expect(twoTargets.code).toBe(2);
    expect((await e4c2(['policies', 'delete', created.id], c2.env)).code).toBe(0);
  });
});
