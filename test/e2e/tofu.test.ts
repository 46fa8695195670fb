/**
 * End to end, in each crypto mode: enrolment by trust on first use in `npm start`'s local mode, over HTTP and real
 * MQTT. An operator opens a window on a topic; a device enrols itself with the window's token and its own key,
 * connects and subscribes, and is given a new identity key at once (SetIDKey under the enrolment key); its key
 * version becomes 2, the flag is gone, and it then gets the topic's keys (the resync after the new key, a rotation)
 * and exchanges messages with a device enrolled by the operator. Closed, the window's token enrols nothing more.
 */

import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { MqttCredentials } from '../../shared/c2/clients/mqttCredentials.js';
import type { OperationView } from '../../shared/c2/operations/OperationView.js';
import { E4Client, fromBase64, randomEd25519KeyPair, toBase64 } from '../../shared/e4/node/index.js';
import { startLocalScenario } from '../support/localScenario.js';
import { operationFinishedOverHttp } from '../support/operationFinishedOverHttp.js';
import { recordSecret } from '../support/recordedSecrets.js';
import { connectDevice, exchange, type TestDevice } from '../support/testDevice.js';

type Mode = 'symmetric' | 'pubkey';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

describe.each<Mode>(['symmetric', 'pubkey'])('enrolment by trust on first use in local mode (%s)', (mode) => {
  it('enrols with the token, gets a new identity key on connecting, then topic keys; refused once closed', async () => {
    // Prepare: local mode, a topic, a device enrolled by the operator on it
    const scenario = await startLocalScenario('tofu', mode);
    cleanups.push(() => scenario.close());
    const { server, admin, devices, c2Key } = scenario;
    const topic = 'plant/line-3/pressure';
    const { json: created } = await admin('POST', '/v1/topics', { topic });
    let peer: TestDevice;
    {
      const pair = randomEd25519KeyPair();
      const answer = await admin(
        'POST',
        '/v1/clients',
        mode === 'symmetric'
          ? { name: 'peer', generateKey: true }
          : { name: 'peer', mode, publicKey: toBase64(pair.publicKey) },
      );
      expect(answer.status, JSON.stringify(answer.json)).toBe(201);
      const client =
        mode === 'symmetric'
          ? await E4Client.create({ mode, key: fromBase64(answer.json.key)!, name: 'peer' })
          : await E4Client.create({ mode, privateKey: pair.privateKey, c2PublicKey: c2Key!, name: 'peer' });
      peer = await connectDevice(client, server.mqttUrl, 'peer', { credentials: answer.json.mqtt });
      devices.push(peer);
      expect((await admin('PUT', `/v1/topics/${created.hash}/clients/${answer.json.client.id}`)).status).toBe(200);
      await waitUntil(() => peer.commands.includes('SetTopicKey'));
      // The resync of its connection over, so that what it is sent next is the enrolled device's doing.
      await waitFor(async () => {
        const { items } = (await admin('GET', '/v1/operations?kind=client.resync')).json as { items: OperationView[] };
        return items.some((op) => op.target.name === 'peer' && op.finishedAt !== undefined);
      });
    }

    // Act: a window on the topic; the device enrols itself with its token and its own key, connects, subscribes
    const opened = await admin('POST', '/v1/enrolment-windows', {
      name: 'line 3',
      durationMinutes: 30,
      maxCount: 2,
      mode,
      topics: [topic],
    });
    expect(opened.status, JSON.stringify(opened.json)).toBe(201);
    const token = opened.json.token as string;
    recordSecret(token);
    const key = new Uint8Array(randomBytes(32));
    const pair = randomEd25519KeyPair();
    const enrolled = await scenario.as(token)(
      'POST',
      '/v1/enrol',
      mode === 'symmetric'
        ? { name: 'tofu-device', key: toBase64(key) }
        : { name: 'tofu-device', mode, publicKey: toBase64(pair.publicKey) },
    );
    expect(enrolled.status, JSON.stringify(enrolled.json)).toBe(201);
    expect(enrolled.json.client).toMatchObject({ keyVersion: 1, rekeyOnReturn: true });
    expect(enrolled.json.topics).toEqual([topic]);
    const id = enrolled.json.client.id as string;
    const client =
      mode === 'symmetric'
        ? await E4Client.create({ mode, key, name: 'tofu-device' })
        : await E4Client.create({ mode, privateKey: pair.privateKey, c2PublicKey: c2Key!, name: 'tofu-device' });
    const device = await connectDevice(client, server.mqttUrl, 'tofu-device', {
      credentials: enrolled.json.mqtt as MqttCredentials,
    });
    devices.push(device);

    // Assess: SetIDKey first (under the enrolment key), the new key in force, the flag gone, then the topic key
    await waitUntil(() => device.commands.includes('SetIDKey') && device.commands.includes('SetTopicKey'));
    expect(device.commands.indexOf('SetIDKey')).toBeLessThan(device.commands.indexOf('SetTopicKey'));
    await waitFor(async () => (await admin('GET', `/v1/clients/${id}`)).json.keyVersion === 2);
    const after = (await admin('GET', `/v1/clients/${id}`)).json;
    expect(after.rekeyOnReturn).toBeUndefined();
    expect(after.pendingKeyVersion).toBeUndefined();
    const rekeys = (await admin('GET', '/v1/operations?kind=client.identityKey')).json.items as OperationView[];
    expect(rekeys.filter((op) => op.target.name === 'tofu-device')).toHaveLength(1);
    for (const d of [peer, device]) await d.mqtt.subscribe(topic);
    // Public-key mode: the peer gets the device's new public key (its own resync was over before the enrolment).
    if (mode === 'pubkey') await waitUntil(() => peer.commands.includes('SetPubKey'));
    await exchange(peer, device, topic, '4.2 bar');
    await exchange(device, peer, topic, '4.3 bar');

    // A rotation reaches it like any device
    const rotated = await admin('POST', `/v1/topics/${created.hash}/rotate`);
    expect(rotated.status).toBe(202);
    const done = await operationFinishedOverHttp(
      (path) => admin('GET', path),
      (rotated.json.operation as OperationView).id,
    );
    expect(done).toMatchObject({ status: 'succeeded', counts: { failed: 0 } });
    await waitUntil(() => device.commands.filter((c) => c === 'SetTopicKey').length >= 2);
    await exchange(peer, device, topic, '4.4 bar');

    // Closed: the token enrols nothing more
    const closed = await admin('POST', `/v1/enrolment-windows/${opened.json.window.id}/close`);
    expect(closed.json).toMatchObject({ status: 'closed', enrolled: 1 });
    const late = await scenario.as(token)('POST', '/v1/enrol', {
      name: 'too-late',
      key: toBase64(randomBytes(32)),
    });
    expect(late.status).toBe(401);
    const events = (await admin('GET', '/v1/events?action=client.create')).json.items;
    expect(events.find((e: { target: { name: string } }) => e.target.name === 'tofu-device').details).toMatchObject({
      enrolmentWindow: opened.json.window.id,
    });
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
