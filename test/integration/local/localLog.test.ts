/**
 * Local mode's log, read from the stream it writes to: one line per request, per command fan-out and per device
 * connection, at the level asked for, and never a key or the Authorization header.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalLogger, type LogFormat, type LogLevel } from '../../../local/localLogger.js';
import { startLocal } from '../../../local/startLocal.js';
import { callLocalApi } from '../../support/localApi.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startLogged(level: LogLevel, format: LogFormat = 'json') {
  let text = '';
  const write = (chunk: string) => {
    text += chunk;
    return true;
  };
  const log = createLocalLogger({ level, format, stream: { write } });
  const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-log-'));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  // Devices connect without credentials here: the broker's rules are local/deviceAccess.test.ts's.
  const server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, log, allowAnonymousDevices: true });
  cleanups.push(() => server.close());
  return { server, text: () => text, lines: () => text.trim().split('\n').filter(Boolean) };
}

const call = callLocalApi;

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('local mode log', () => {
  it('logs each request, fan-out and device connection as JSON lines, without keys or the API key', async () => {
    // Prepare
    const { server, text, lines } = await startLogged('info');

    // Act
    const created = await call(server, 'POST', '/v1/clients', { name: 'alice', generateKey: true });
    const { key, client } = (await created.json()) as { key: string; client: { id: string } };
    const topic = (await (await call(server, 'POST', '/v1/topics', { topic: 'home/kitchen' })).json()) as {
      hash: string;
    };
    await call(server, 'PUT', `/v1/topics/${topic.hash}/clients/${client.id}`);
    const listed = await call(server, 'GET', '/v1/clients?limit=5');
    const device = await connectAsync(server.mqttUrl, { clientId: 'device-alice' });
    await device.endAsync();
    await until(() => text().includes('"mqtt client disconnected"'), 'the disconnection line');

    // Assess
    const entries = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((entry) => entry.msg === 'request');
    expect(requests.map(({ method, path, status }) => ({ method, path, status }))).toEqual([
      { method: 'POST', path: '/v1/clients', status: 201 },
      { method: 'POST', path: '/v1/topics', status: 201 },
      { method: 'PUT', path: `/v1/topics/${topic.hash}/clients/${client.id}`, status: 200 },
      { method: 'GET', path: '/v1/clients', status: 200 },
    ]);
    expect(requests[3]).toMatchObject({
      level: 'info',
      requestId: listed.headers.get('apigw-requestid'),
      tenantId: 'local',
      keyId: server.adminKey!.split('.')[2],
    });
    expect(requests.every((entry) => typeof entry.durationMs === 'number')).toBe(true);
    expect(entries).toContainEqual(
      expect.objectContaining({ msg: 'commands', sent: 1, delivered: 1, failed: 0, clients: 'alice' }),
    );
    expect(entries).toContainEqual(expect.objectContaining({ msg: 'mqtt client connected', clientId: 'device-alice' }));
    expect(key).toMatch(/^[A-Za-z0-9+/_-]{40,}/);
    expect(text()).not.toContain(key);
    expect(text()).not.toContain(server.adminKey!.split('.').at(-1));
    expect(text().toLowerCase()).not.toContain('bearer');
  });

  it('logs pretty lines on request, and nothing below the level asked for', async () => {
    // Prepare
    const pretty = await startLogged('info', 'pretty');
    const quiet = await startLogged('warn');

    // Act
    await call(pretty.server, 'GET', '/v1/health');
    await call(quiet.server, 'GET', '/v1/health');

    // Assess
    expect(pretty.lines().at(-1)).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}request method=GET path=\/v1\/health status=200 durationMs=[\d.]+ requestId=[0-9a-f-]{36} tenantId=local keyId=[0-9a-f]{16}$/,
    );
    expect(quiet.text()).toBe('');
  });
});
