/**
 * End to end, in each crypto mode: `npm start`'s local mode (HTTP API, dynalite on disk, keyring, embedded broker)
 * and devices of the device library over real MQTT, driven through the HTTP API only. Enrol two devices, create a
 * topic, link both, exchange protected messages; rotate (an operation, followed over the API to its end and to the
 * devices' receipts) and keep exchanging; remove a third one and show it cannot read what follows while the others
 * can; give a device a new identity key; restart local mode and find everything as it was.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalC2Server, startLocal } from '../../local/startLocal.js';
import type { MqttCredentials } from '../../shared/c2/clients/mqttCredentials.js';
import type { OperationView } from '../../shared/c2/operations/OperationView.js';
import {
  E4Client,
  fromBase64,
  MemoryStateStore,
  randomEd25519KeyPair,
  toBase64,
  utf8,
} from '../../shared/e4/node/index.js';
import { operationFinishedOverHttp } from '../support/operationFinishedOverHttp.js';
import { connectDevice, exchange, type TestDevice } from '../support/testDevice.js';

type Mode = 'symmetric' | 'pubkey';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** A caller of the HTTP API with the admin key; fails the test on any unexpected status. */
function apiOf(server: () => LocalC2Server, key: string) {
  return async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    status = 200,
  ): Promise<T> => {
    const response = await fetch(`${server().apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as T;
    expect({ method, path, status: response.status, json }).toMatchObject({ status });
    return json;
  };
}

/** GET of the HTTP API with the admin key: the status and the JSON body. */
function getOf(server: () => LocalC2Server, key: string) {
  return async (path: string) => {
    const response = await fetch(`${server().apiUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, json: (await response.json()) as unknown };
  };
}

describe.each<Mode>(['symmetric', 'pubkey'])('end to end in local mode (%s)', (mode) => {
  it('enrol, link, exchange, rotate, remove, new identity key, restart', async () => {
    // Local mode on free ports, state in a temp folder.
    const stateDir = await mkdtemp(join(tmpdir(), 'e4c2-e2e-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    let server = await startLocal({ stateDir, httpPort: 0, mqttPort: 0 });
    cleanups.push(() => server.close());
    expect(server.adminKey).toMatch(/^e4c2\./);
    const api = apiOf(() => server, server.adminKey!);
    const get = getOf(() => server, server.adminKey!);
    /** A change that starts an operation (202), followed over the API until it has finished without a failure. */
    const operation = async (method: string, path: string): Promise<OperationView> => {
      const started = await api<{ operation: OperationView }>(method, path, undefined, 202);
      const done = await operationFinishedOverHttp(get, started.operation.id);
      expect(done).toMatchObject({ status: 'succeeded', counts: { pending: 0, failed: 0 } });
      return done;
    };
    /** Waits until the client has `count` finished resync operations; the newest. */
    const resyncsFinished = async (client: string, count: number): Promise<OperationView> => {
      let finished: OperationView[] = [];
      await waitFor(async () => {
        const { items } = await api<{ items: OperationView[] }>('GET', '/v1/operations?kind=client.resync&limit=100');
        finished = items.filter((op) => op.target.name === client && op.finishedAt !== undefined);
        return finished.length >= count;
      });
      return finished[0]!;
    };
    const devices: TestDevice[] = [];
    cleanups.push(async () => {
      await Promise.all(devices.map((d) => d.end()));
    });

    const c2Key =
      mode === 'pubkey' ? fromBase64((await api<{ publicKey: string }>('GET', '/v1/keys/c2')).publicKey) : undefined;
    /** Enrols a device through the API and connects it; the device keeps its own key. */
    /** Each device's broker credentials (the embedded broker refuses anonymous devices). */
    const logins = new Map<string, MqttCredentials>();
    const enrol = async (name: string): Promise<{ device: TestDevice; id: string }> => {
      let client: E4Client;
      let id: string;
      if (mode === 'symmetric') {
        const created = await api<{ client: { id: string }; key: string; mqtt: MqttCredentials }>(
          'POST',
          '/v1/clients',
          { name, generateKey: true },
          201,
        );
        client = await E4Client.create({ mode, key: fromBase64(created.key)!, name });
        id = created.client.id;
        logins.set(name, created.mqtt);
      } else {
        const pair = randomEd25519KeyPair();
        const created = await api<{ client: { id: string }; mqtt: MqttCredentials }>(
          'POST',
          '/v1/clients',
          { name, mode, publicKey: toBase64(pair.publicKey) },
          201,
        );
        client = await E4Client.create({ mode, privateKey: pair.privateKey, c2PublicKey: c2Key!, name });
        id = created.client.id;
        logins.set(name, created.mqtt);
      }
      const device = await connectDevice(client, server.mqttUrl, name, { credentials: logins.get(name)! });
      devices.push(device);
      return { device, id };
    };

    // Enrol two devices, create a topic, link both, exchange.
    const alice = await enrol('alice');
    const bob = await enrol('bob');
    const topic = 'home/kitchen/temperature';
    const created = await api<{ hash: string; keyVersion: number }>('POST', '/v1/topics', { topic }, 201);
    const link = (who: { id: string }) => api('PUT', `/v1/topics/${created.hash}/clients/${who.id}`);
    await link(alice);
    await link(bob);
    const perLink = mode === 'pubkey' ? 2 : 1; // public-key mode: each also gets the other's public key
    await alice.device.commandsApplied(perLink);
    await bob.device.commandsApplied(perLink);
    await waitUntil(() => setTopicKeys(alice.device) === 1 && setTopicKeys(bob.device) === 1);
    for (const d of [alice, bob]) await d.device.mqtt.subscribe(topic);
    await exchange(alice.device, bob.device, topic, '21.5');
    await exchange(bob.device, alice.device, topic, '21.6');

    // Rotate: both get the new key, messages keep flowing.
    const rotated = await operation('POST', `/v1/topics/${created.hash}/rotate`);
    expect(rotated).toMatchObject({ kind: 'topic.rotate', keyVersion: 2, counts: { total: 2 } });
    expect(rotated.counts.sent + rotated.counts.confirmed).toBe(2);
    await waitUntil(() => setTopicKeys(alice.device) === 2 && setTopicKeys(bob.device) === 2);
    // Both devices confirm the new key (their receipts): the operation counts them.
    await waitFor(
      async () => ((await get(`/v1/operations/${rotated.id}`)).json as OperationView).counts.confirmed === 2,
    );
    expect((await api<{ keyVersion: number }>('GET', `/v1/topics/${created.hash}`)).keyVersion).toBe(2);
    // Per client: when it was last heard from, and per topic the key version it confirmed holding.
    expect(await api('GET', `/v1/clients/${alice.id}`)).toMatchObject({
      lastSeenAt: expect.stringMatching(/^20\d\d-/),
    });
    await waitFor(async () => {
      const { items } = (await get(`/v1/clients/${alice.id}/topics`)).json as {
        items: { topic: string; keyVersion: number; confirmed?: { keyVersion: number } }[];
      };
      return items.length === 1 && items[0]!.keyVersion === 2 && items[0]!.confirmed?.keyVersion === 2;
    });
    await exchange(alice.device, bob.device, topic, 'after rotation');

    // A third device joins, then is removed: the topic is re-keyed; a copy that ignores RemoveTopic reads nothing.
    const carol = await enrol('carol');
    await link(carol);
    await waitUntil(() => setTopicKeys(carol.device) === 1);
    // In public-key mode the copy also holds the others' public keys (sent after the topic key): it reads their
    // signatures, and fails on the key alone.
    await waitUntil(() => mode === 'symmetric' || carol.device.commands.filter((c) => c === 'SetPubKey').length === 2);
    const hostile = await E4Client.load({ store: new MemoryStateStore(carol.device.client.exportState()) });
    const removed = await operation('DELETE', `/v1/topics/${created.hash}/clients/${carol.id}`);
    // The devices that stay (carol, sent RemoveTopic as the link goes, is not one of them)
    expect(removed).toMatchObject({ kind: 'link.delete', keyVersion: 3, counts: { total: 2 } });
    await waitUntil(() => carol.device.commands.includes('RemoveTopic'));
    expect(carol.device.client.hasTopicKey(topic)).toBe(false);
    // link, rotation, re-key (a throw-away key, then the new one): four topic keys each
    await waitUntil(() => setTopicKeys(alice.device) === 4 && setTopicKeys(bob.device) === 4);
    const secret = alice.device.client.protectMessage(utf8('carol must not read this'), topic);
    await exchange(alice.device, bob.device, topic, 'carol must not read this');
    expect(() => hostile.unprotect(secret, topic)).toThrow(expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }));
    // Nor can carol write: the key she knew is gone from the others (not kept for an hour as after a rotation); in
    // public-key mode her public key is gone too.
    const forged = hostile.protectMessage(utf8('from carol'), topic);
    const refusal = mode === 'pubkey' ? 'SIGNER_UNKNOWN' : 'AUTHENTICATION_FAILED';
    for (const d of [alice, bob]) {
      expect(() => d.device.client.unprotect(forged, topic)).toThrow(expect.objectContaining({ code: refusal }));
    }

    // A new identity key for alice: SetIDKey under the old key, later commands under the new one.
    expect(await operation('POST', `/v1/clients/${alice.id}/identity-key`)).toMatchObject({ keyVersion: 2 });
    // alice: SetIDKey, then the client.resync operation it starts, which sends her nothing: her receipt confirmed
    // the topic's current key (a topic key she had not confirmed would be sent again, under the new key).
    await waitUntil(() => alice.device.commands.includes('SetIDKey'));
    expect(await resyncsFinished('alice', 1)).toMatchObject({ status: 'succeeded' });
    expect(setTopicKeys(alice.device)).toBe(4);
    expect(await operation('POST', `/v1/topics/${created.hash}/rotate`)).toMatchObject({ keyVersion: 4 });
    await waitUntil(() => setTopicKeys(alice.device) === 5 && setTopicKeys(bob.device) === 5);
    await exchange(alice.device, bob.device, topic, 'after the new identity key');

    // Restart local mode on the same folder and ports: everything is as it was.
    const ports = { httpPort: Number(new URL(server.apiUrl).port), mqttPort: Number(new URL(server.mqttUrl).port) };
    await Promise.all(devices.splice(0).map((d) => d.end()));
    await server.close();
    server = await startLocal({ stateDir, ...ports });
    expect(server.adminKey).toBeUndefined();
    const clients = await api<{ items: { name: string }[] }>('GET', '/v1/clients?limit=10');
    expect(clients.items.map((c) => c.name).sort()).toEqual(['alice', 'bob', 'carol']);
    const after = await api<{ keyVersion: number; clientCount: number }>('GET', `/v1/topics/${created.hash}`);
    expect(after).toMatchObject({ keyVersion: 4, clientCount: 2 });
    // The devices come back (same state): each return is a resync, which sends nothing to a device that confirmed
    // the current keys.
    const alice2 = await connectDevice(alice.device.client, server.mqttUrl, 'alice', {
      credentials: logins.get('alice')!,
    });
    const bob2 = await connectDevice(bob.device.client, server.mqttUrl, 'bob', { credentials: logins.get('bob')! });
    devices.push(alice2, bob2);
    expect(await resyncsFinished('alice', 2)).toMatchObject({ status: 'succeeded', counts: { total: 1 } });
    expect(await resyncsFinished('bob', 1)).toMatchObject({ status: 'succeeded', counts: { total: 1 } });
    expect([setTopicKeys(alice2), setTopicKeys(bob2)]).toEqual([0, 0]);
    for (const d of [alice2, bob2]) await d.mqtt.subscribe(topic);
    await exchange(alice2, bob2, topic, 'after the restart');
    expect(await operation('POST', `/v1/topics/${created.hash}/rotate`)).toMatchObject({ keyVersion: 5 });
    await waitUntil(() => setTopicKeys(alice2) === 1 && setTopicKeys(bob2) === 1);
    await exchange(bob2, alice2, topic, 'rotated after the restart');

    // The event log has it all, newest first.
    const events = await api<{ items: { action: string; result: string }[] }>('GET', '/v1/events?limit=100');
    expect(events.items.map((e) => e.action)).toEqual(
      expect.arrayContaining(['client.create', 'topic.create', 'link.create', 'topic.rotate', 'link.delete']),
    );
  });
});

async function waitFor(condition: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function waitUntil(condition: () => boolean, ms = 10_000): Promise<void> {
  return waitFor(async () => condition(), ms);
}

/** How many SetTopicKey commands the device has applied. */
function setTopicKeys(device: TestDevice): number {
  return device.commands.filter((c) => c === 'SetTopicKey').length;
}
