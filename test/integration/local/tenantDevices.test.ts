/**
 * Devices of a tenant the platform operator created, on local mode's embedded broker: their receipts confirm their
 * deliveries under their own tenant (the device's tenant found by its E4 id's claim: local/deviceTenant.ts), not
 * local mode's default tenant.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../../local/startLocal.js';
import type { MqttCredentials } from '../../../shared/c2/clients/mqttCredentials.js';
import { E4Client, fromBase64 } from '../../../shared/e4/node/index.js';
import { recordSecret, recordSecretsIn } from '../../support/recordedSecrets.js';
import { connectDevice, type TestDevice } from '../../support/testDevice.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function call<T>(server: LocalC2Server, token: string, method: string, path: string, body?: unknown) {
  recordSecret(token);
  const response = await fetch(`${server.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as T;
  recordSecretsIn(json);
  return { status: response.status, json };
}

it("a created tenant's device confirms its rotation over the embedded broker, under its tenant", async () => {
  // Prepare: local mode; the platform creates tenant acme; acme's admin enrols a device, a topic, a link.
  const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-tenant-devices-'));
  cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  const server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0 });
  cleanups.push(() => server.close());
  const created = await call<{ adminKey: { token: string } }>(server, server.platformKey!, 'POST', '/v1/tenants', {
    id: 'acme',
  });
  expect(created.status).toBe(201);
  const admin = created.json.adminKey.token;
  const client = await call<{ client: { id: string }; key: string; mqtt: MqttCredentials }>(
    server,
    admin,
    'POST',
    '/v1/clients',
    { name: 'acme-sensor', generateKey: true },
  );
  expect(client.status).toBe(201);
  const topic = await call<{ hash: string }>(server, admin, 'POST', '/v1/topics', { topic: 't/acme/temp' });
  const e4 = await E4Client.create({ mode: 'symmetric', key: fromBase64(client.json.key)!, name: 'acme-sensor' });
  const device: TestDevice = await connectDevice(e4, server.mqttUrl, 'acme-sensor', { credentials: client.json.mqtt });
  cleanups.push(() => device.end());
  const linked = await call(server, admin, 'PUT', `/v1/topics/${topic.json.hash}/clients/${client.json.client.id}`);
  expect(linked.status).toBe(200);
  await device.commandsApplied(1);

  // Act
  const rotated = await call<{ operation: { id: string } }>(
    server,
    admin,
    'POST',
    `/v1/topics/${topic.json.hash}/rotate`,
  );

  // Assess: the device's receipt confirms the delivery of acme's operation.
  const deadline = Date.now() + 20_000;
  let counts: { confirmed: number } = { confirmed: 0 };
  while (counts.confirmed < 1 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const operation = await call<{ counts: { confirmed: number } }>(
      server,
      admin,
      'GET',
      `/v1/operations/${rotated.json.operation.id}`,
    );
    counts = operation.json.counts;
  }
  expect(counts.confirmed).toBe(1);
  expect(e4.hasTopicKey('t/acme/temp')).toBe(true);
});
