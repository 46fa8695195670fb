/**
 * End to end, in each crypto mode: a factory batch in `npm start`'s local mode, over HTTP and real MQTT. The
 * manufacturer (platform key) registers a device with its factory key (a library client holding that key, as a
 * device flashed at the factory); a tenant claims it by its code onto a topic; the device connects with the broker
 * credentials of the claim, subscribes, and is given a new identity key at once (SetIDKey under the factory key): its
 * key version becomes 2, the flag is gone, then it gets the topic's key and exchanges messages with another device.
 * The code is refused once used.
 */

import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { MqttCredentials } from '../../shared/c2/clients/mqttCredentials.js';
import type { OperationView } from '../../shared/c2/operations/OperationView.js';
import { E4Client, fromBase64, randomEd25519KeyPair, toBase64 } from '../../shared/e4/node/index.js';
import { startLocalScenario } from '../support/localScenario.js';
import { recordSecret } from '../support/recordedSecrets.js';
import { connectDevice, exchange } from '../support/testDevice.js';

type Mode = 'symmetric' | 'pubkey';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe.each<Mode>(['symmetric', 'pubkey'])('a factory device claimed by a tenant in local mode (%s)', (mode) => {
  it('connects with its factory key, gets a new identity key at once, then topic keys; its code is single-use', async () => {
    // Prepare: local mode, a topic with a device on it
    const scenario = await startLocalScenario('factory', mode);
    cleanups.push(() => scenario.close());
    const { server, admin, platform, devices, c2Key } = scenario;
    const topic = 'factory/line-1/temperature';
    const { json: created } = await admin('POST', '/v1/topics', { topic });
    const peerPair = randomEd25519KeyPair();
    const peerAnswer = await admin(
      'POST',
      '/v1/clients',
      mode === 'symmetric'
        ? { name: 'peer', generateKey: true }
        : { name: 'peer', mode, publicKey: toBase64(peerPair.publicKey) },
    );
    expect(peerAnswer.status, JSON.stringify(peerAnswer.json)).toBe(201);
    expect((await admin('PUT', `/v1/topics/${created.hash}/clients/${peerAnswer.json.client.id}`)).status).toBe(200);

    // The factory: a device flashed with its key, registered in a batch
    const key = new Uint8Array(randomBytes(32));
    const pair = randomEd25519KeyPair();
    const registered = await platform('POST', '/v1/factory-batches', {
      name: 'run 1',
      devices: [
        mode === 'symmetric'
          ? { name: 'factory-device', key: toBase64(key) }
          : { name: 'factory-device', publicKey: toBase64(pair.publicKey) },
      ],
    });
    expect(registered.status, JSON.stringify(registered.json)).toBe(201);
    const code = registered.json.devices[0].code as string;
    recordSecret(code);

    // Act: the tenant claims it onto the topic; the device connects and subscribes
    const claimed = await admin('POST', '/v1/claims', { code, topics: [topic] });
    expect(claimed.status, JSON.stringify(claimed.json)).toBe(201);
    expect(claimed.json.client).toMatchObject({ name: 'factory-device', keyVersion: 1, rekeyOnReturn: true, mode });
    const id = claimed.json.client.id as string;
    const client =
      mode === 'symmetric'
        ? await E4Client.create({ mode, key, name: 'factory-device' })
        : await E4Client.create({ mode, privateKey: pair.privateKey, c2PublicKey: c2Key!, name: 'factory-device' });
    const device = await connectDevice(client, server.mqttUrl, 'factory-device', {
      credentials: claimed.json.mqtt as MqttCredentials,
    });
    devices.push(device);
    const peerClient =
      mode === 'symmetric'
        ? await E4Client.create({ mode, key: fromBase64(peerAnswer.json.key)!, name: 'peer' })
        : await E4Client.create({ mode, privateKey: peerPair.privateKey, c2PublicKey: c2Key!, name: 'peer' });
    const peer = await connectDevice(peerClient, server.mqttUrl, 'peer', { credentials: peerAnswer.json.mqtt });
    devices.push(peer);

    // Assess: SetIDKey first (under the factory key), the new key in force, the flag gone, then the topic key
    await waitUntil(() => device.commands.includes('SetIDKey') && device.commands.includes('SetTopicKey'));
    expect(device.commands.indexOf('SetIDKey')).toBeLessThan(device.commands.indexOf('SetTopicKey'));
    await waitFor(async () => (await admin('GET', `/v1/clients/${id}`)).json.keyVersion === 2);
    const after = (await admin('GET', `/v1/clients/${id}`)).json;
    expect(after.rekeyOnReturn).toBeUndefined();
    const rekeys = (await admin('GET', '/v1/operations?kind=client.identityKey')).json.items as OperationView[];
    expect(rekeys.filter((op) => op.target.name === 'factory-device')).toHaveLength(1);
    await waitUntil(() => peer.commands.includes('SetTopicKey'));
    if (mode === 'pubkey') await waitUntil(() => peer.commands.includes('SetPubKey'));
    for (const d of [peer, device]) await d.mqtt.subscribe(topic);
    await exchange(peer, device, topic, '21.5 C');
    await exchange(device, peer, topic, '21.6 C');

    // The code is used; the batch counts the claim
    const again = await admin('POST', '/v1/claims', { code });
    expect(again.status).toBe(409);
    const batch = await platform('GET', `/v1/factory-batches/${registered.json.batch.id}`);
    expect(batch.json).toMatchObject({ devices: 1, claimed: 1, unclaimed: 0 });
  });
});

async function waitFor(condition: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function waitUntil(condition: () => boolean, ms = 15_000): Promise<void> {
  return waitFor(async () => condition(), ms);
}
