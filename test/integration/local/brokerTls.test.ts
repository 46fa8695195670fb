/**
 * Local mode with `mqttTls`: the embedded broker over TLS only, on real sockets. A device of the device library
 * trusting the CA file gets its commands end to end and its receipts reach the C2; a client that does not trust the CA,
 * or speaks plain MQTT, is refused; a restart keeps the CA. mosquitto_sub with --cafile is the third-party client.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../../local/startLocal.js';
import type { MqttCredentials } from '../../../shared/c2/clients/mqttCredentials.js';
import type { OperationView } from '../../../shared/c2/operations/OperationView.js';
import { E4Client, fromBase64 } from '../../../shared/e4/node/index.js';
import { requestLocalApi } from '../../support/localApi.js';
import { operationFinishedOverHttp } from '../../support/operationFinishedOverHttp.js';
import { serverMissing } from '../../support/serverMissing.js';
import { connectDevice, type TestDevice } from '../../support/testDevice.js';

let server: LocalC2Server;
let stateDir: string;
let ca: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'e4c2-tls-local-'));
  server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0, mqttTls: true });
  ca = await readFile(server.mqttCaFile!, 'utf8');
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await server?.close();
  await rm(stateDir, { recursive: true, force: true });
});

interface Created {
  readonly client: { readonly id: string };
  readonly key: string;
  readonly mqtt: MqttCredentials;
}

async function create(name: string): Promise<Created> {
  const { status, json } = await requestLocalApi<Created>(server, 'POST', '/v1/clients', { name, generateKey: true });
  expect(status).toBe(201);
  return json;
}

async function enrol(name: string): Promise<{ device: TestDevice; id: string }> {
  const created = await create(name);
  const client = await E4Client.create({ mode: 'symmetric', key: fromBase64(created.key)!, name });
  const device = await connectDevice(client, server.mqttUrl, name, { credentials: created.mqtt, ca });
  cleanups.push(() => device.end());
  return { device, id: created.client.id };
}

const get = async (path: string) => {
  const { status, json } = await requestLocalApi<unknown>(server, 'GET', path);
  return { status, json };
};

/** The error a connection attempt ends with (undefined: it connected). */
async function connectionError(url: string, options: Record<string, unknown>): Promise<Error | undefined> {
  try {
    const connection = await connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...options }, false);
    await connection.endAsync(true);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe('local mode with mqttTls', () => {
  it('serves mqtts:// and names the CA file', () => {
    expect(server.mqttUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(server.mqttCaFile).toBe(join(stateDir, 'tls', 'ca.crt'));
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it('delivers commands over TLS to a device that trusts the CA: link, then rotate, receipts back to the C2', async () => {
    // Prepare
    const { device, id } = await enrol('tls-device');
    const { json: topic } = await requestLocalApi<{ hash: string }>(server, 'POST', '/v1/topics', { topic: 'tls/t' });

    // Act
    const linked = await requestLocalApi(server, 'PUT', `/v1/topics/${topic.hash}/clients/${id}`);
    await device.commandsApplied(1);
    const rotate = await requestLocalApi<{ operation: OperationView }>(
      server,
      'POST',
      `/v1/topics/${topic.hash}/rotate`,
    );
    const rotated = await operationFinishedOverHttp(get, rotate.json.operation.id);
    await device.commandsApplied(2);

    // Assess
    expect(linked.status).toBe(200);
    expect(device.commands).toEqual(['SetTopicKey', 'SetTopicKey']);
    expect(rotated).toMatchObject({ status: 'succeeded', keyVersion: 2, counts: { total: 1, failed: 0 } });
    // Its receipt came back over TLS too (the C2 heard it through the broker).
    await expect
      .poll(async () => ((await get(`/v1/operations/${rotated.id}`)).json as OperationView).counts.confirmed)
      .toBe(1);
  });

  it('refuses a client that does not trust the CA (certificate verify error), and plain MQTT on the port', async () => {
    // Prepare
    const { client, mqtt } = await create('tls-refused');
    const login = { clientId: `dev-${client.id}`, username: mqtt.username, password: mqtt.password };
    const port = new URL(server.mqttUrl).port;

    // Act
    const untrusted = await connectionError(server.mqttUrl, login);
    const plain = await connectionError(`mqtt://127.0.0.1:${port}`, login);
    const trusted = await connectionError(server.mqttUrl, { ...login, ca });

    // Assess
    expect((untrusted as NodeJS.ErrnoException | undefined)?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(plain?.message).toBe("Couldn't connect to server");
    expect(trusted).toBeUndefined();
  });

  it('keeps the CA across a restart: a device that trusts it connects again', async () => {
    // Prepare
    const folder = await mkdtemp(join(tmpdir(), 'e4c2-tls-restart-'));
    cleanups.push(() => rm(folder, { recursive: true, force: true }));
    const first = await startLocal({ stateDir: folder, httpPort: 0, mqttPort: 0, mqttTls: true });
    const firstCa = await readFile(first.mqttCaFile!, 'utf8');
    await first.close();

    // Act
    const second = await startLocal({ stateDir: folder, httpPort: 0, mqttPort: 0, mqttTls: true });
    cleanups.push(() => second.close());
    const error = await connectionError(second.mqttUrl, { ca: firstCa, clientId: 'probe' });

    // Assess
    expect(await readFile(second.mqttCaFile!, 'utf8')).toBe(firstCa);
    // Through TLS to MQTT: refused by the broker for want of credentials (CONNACK 5), not by the handshake.
    expect((error as { code?: number } | undefined)?.code).toBe(5);
  });
});

const mosquittoSub = spawnSync('sh', ['-c', 'command -v mosquitto_sub']).stdout.toString().trim() || undefined;

describe.skipIf(serverMissing(mosquittoSub ? undefined : 'mosquitto_sub is not installed (mosquitto-clients)'))(
  'mosquitto_sub against local mode over TLS',
  () => {
    /** Runs mosquitto_sub (debug output on) until it exits: its exit code and all it printed. */
    function sub(args: string[]): { done: Promise<{ code: number | null; output: string }>; ready: Promise<void> } {
      // Line-buffered (stdbuf, coreutils): its debug lines on a pipe would otherwise come only at exit.
      const child = spawn('stdbuf', [
        '-oL',
        mosquittoSub!,
        '-h',
        '127.0.0.1',
        '-p',
        new URL(server.mqttUrl).port,
        '-d',
        ...args,
      ]);
      let output = '';
      let onReady: () => void = () => {};
      const ready = new Promise<void>((resolve) => {
        onReady = resolve;
      });
      const collect = (chunk: Buffer) => {
        output += chunk.toString('latin1');
        if (output.includes('received SUBACK')) onReady();
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      const done = new Promise<{ code: number | null; output: string }>((resolve) =>
        child.on('close', (code) => resolve({ code, output })),
      );
      cleanups.push(async () => child.kill());
      return { done, ready };
    }

    it("receives the device's command with --cafile; fails the handshake with the system CAs", async () => {
      // Prepare: mosquitto_sub as the device, on its control topic.
      const { client, mqtt } = await create('tls-mosquitto');
      const asDevice = ['-i', `dev-${client.id}`, '-u', mqtt.username, '-P', mqtt.password, '-t', `e4/${client.id}`];
      const withCa = sub(['--cafile', server.mqttCaFile!, '-q', '1', '-C', '1', '-W', '20', ...asDevice]);
      await withCa.ready;
      const { json: topic } = await requestLocalApi<{ hash: string }>(server, 'POST', '/v1/topics', {
        topic: 'tls/mosquitto',
      });

      // Act
      const linked = await requestLocalApi(server, 'PUT', `/v1/topics/${topic.hash}/clients/${client.id}`);
      const received = await withCa.done;
      const systemCas = await sub(['--capath', '/etc/ssl/certs', '-C', '1', '-W', '10', ...asDevice]).done;

      // Assess
      expect(linked.status).toBe(200);
      expect(received.output).toMatch(new RegExp(`received PUBLISH \\(d0, q1, r0, m\\d+, 'e4/${client.id}'`));
      expect(received.code).toBe(0);
      expect(systemCas.code).not.toBe(0);
      expect(systemCas.output).toMatch(/TLS|certificate/i);
    });
  },
);
