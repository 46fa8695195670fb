/**
 * GET /v1/devices-behind over the local adapters with real devices on the embedded broker: a device whose link
 * it has not confirmed is listed (the topic's version, no confirmed one), a page at a time; a device that comes back, is resynced and confirms leaves the list; a device that confirmed from the
 * start never shows; a fleet of more links than a read holds is walked page by page, each client once, one with a
 * pending identity key included; a request's reads are bounded (counted on the real store) with 300 topics and 250
 * clients, pending identity keys across the id range found page by page; bad input is a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptForwarder } from '../../../local/forwardReceipts.js';
import { MqttReceiptSubscriber } from '../../../shared/adapters/local/MqttReceiptSubscriber.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { LINK_READS, listDevicesBehind } from '../../../shared/c2/links/listDevicesBehind.js';
import { bytesToHex, E4Client, hashIdAlias, hashTopic } from '../../../shared/e4/node/index.js';
import { clientRecord, linkRecord, topicRecord } from '../../contract/keyStore.contract.js';
import { callerOf } from '../../support/callerOf.js';
import { countingStore } from '../../support/countingStore.js';
import { linkConfirmed } from '../../support/linkConfirmed.js';
import { recordSecret } from '../../support/recordedSecrets.js';
import { connectDevice, enrolDevice, type TestDevice } from '../../support/testDevice.js';
import { type ApiFixture, errorCodeOf, startApiFixture } from './apiFixture.js';

const TENANT = 'tenant-behind';
const TOPIC = 'plant/behind';
const idOf = (name: string) => bytesToHex(hashIdAlias(name));
const inIdOrderOf = (names: readonly string[]) => [...names].sort((a, b) => idOf(a).localeCompare(idOf(b)));
const hash = bytesToHex(hashTopic(TOPIC));

let api: ApiFixture;
let receipts: MqttReceiptSubscriber | undefined;
const devices: TestDevice[] = [];

beforeAll(async () => {
  api = await startApiFixture({ tenantId: TENANT });
  // The C2 hears receipts (local mode's path with a broker of its own).
  receipts = await MqttReceiptSubscriber.connect(api.c2.mqttUrl, receiptForwarder(api.c2.deps.queue, TENANT), {
    mqtt: { clientId: 'c2-behind' },
  });
});
afterAll(async () => {
  for (const device of devices) await device.end();
  await receipts?.close();
  await api?.close();
});

async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const behind = async (query = '') => {
  const answer = await api.call('GET', `/v1/devices-behind${query}`);
  expect(answer.status, answer.raw).toBe(200);
  return answer.json as { items: { id: string; name: string }[]; cursor?: string };
};

describe('GET /v1/devices-behind', () => {
  it('lists the devices that have not confirmed their keys; one that comes back and confirms leaves it', async () => {
    // Prepare: "online" confirms as it goes; "late" is enrolled but its device is not connected yet; "silent" never
    // connects.
    const online = await enrolDevice(api.c2.deps, callerOf(TENANT), api.c2.mqttUrl, 'online');
    devices.push(online);
    const late = await createClient(api.c2.deps, callerOf(TENANT), {
      name: 'late',
      mode: 'symmetric',
      generateKey: true,
    });
    if (late.mqtt) recordSecret(late.mqtt.password);
    const silent = await api.call('POST', '/v1/clients', { body: { name: 'silent', generateKey: true } });
    expect(silent.status).toBe(201);
    expect((await api.call('POST', '/v1/topics', { body: { topic: TOPIC } })).status).toBe(201);
    expect(await behind()).toEqual({ items: [] });
    for (const name of ['online', 'late', 'silent']) {
      expect((await api.call('PUT', `/v1/topics/${hash}/clients/${idOf(name)}`)).status).toBeLessThan(300);
    }
    // A rotation (an operation: the devices' receipts confirm its key on their links).
    const rotated = await api.call('POST', `/v1/topics/${hash}/rotate`);
    expect(rotated.status, rotated.raw).toBe(202);
    await api.operationFinished(rotated.json.operation.id);
    await until(
      async () => (await linkConfirmed(api.c2.deps.store, TENANT, TOPIC, 'online'))?.keyVersion === 2,
      'online',
    );

    // Act
    const listed = await behind();
    const first = await behind('?limit=1');
    const second = await behind(`?limit=1&cursor=${encodeURIComponent(first.cursor ?? '')}`);
    // "late" comes back: its device connects, the operator resyncs it, it confirms.
    const device = await connectDevice(
      await E4Client.create({ mode: 'symmetric', key: late.key!, name: 'late' }),
      api.c2.mqttUrl,
      'late',
      late.mqtt ? { credentials: late.mqtt } : {},
    );
    devices.push(device);
    const resync = await api.call('POST', `/v1/clients/${idOf('late')}/resync`);
    expect(resync.status, resync.raw).toBeLessThan(300);
    await until(async () => (await linkConfirmed(api.c2.deps.store, TENANT, TOPIC, 'late'))?.keyVersion === 2, 'late');
    const after = await behind();

    // Assess
    const inIdOrder = ['late', 'silent'].sort((a, b) => idOf(a).localeCompare(idOf(b)));
    expect(listed.items.map((item) => item.name)).toEqual(inIdOrder);
    expect(listed.items.find((item) => item.name === 'late')).toEqual({
      id: idOf('late'),
      name: 'late',
      topics: [{ topic: TOPIC, hash, keyVersion: 2 }],
    });
    expect(listed.items.find((item) => item.name === 'silent')).toMatchObject({ topics: [{ keyVersion: 2 }] });
    expect(listed).not.toHaveProperty('cursor');
    expect(first.items.map((item) => item.name)).toEqual([inIdOrder[0]]);
    expect(first.cursor).toBeDefined();
    expect(second.items.map((item) => item.name)).toEqual([inIdOrder[1]]);
    expect(second).not.toHaveProperty('cursor');
    expect(after.items.map((item) => item.name)).toEqual(['silent']);
  });

  it('walks a fleet of more links than a read holds, each client once, a pending identity key included', async () => {
    // Prepare: records written to the store as the C2 writes them (no devices): 12 clients on 30 topics each (360
    // links, so a client's links straddle reads of 100), every third confirmed on every topic, one with a pending
    // identity key and no topic.
    const tenantId = 'tenant-behind-many';
    const token = await api.tokenOf(tenantId);
    const { store } = api.c2.deps;
    const clients = Array.from({ length: 12 }, (_, i) => `many-${i}`);
    const topics = Array.from({ length: 30 }, (_, i) => `many/${i}`);
    for (const name of [...clients, 'renewing']) await store.createClient(clientRecord(name, { tenantId }));
    for (const topic of topics) await store.createTopic(topicRecord(topic, { tenantId }));
    for (const [i, clientName] of clients.entries()) {
      await Promise.all(topics.map((topic) => store.putLink(linkRecord(topic, clientName, { tenantId }))));
      if (i % 3 === 0) {
        for (const topic of topics) {
          await store.recordLinkConfirmed(tenantId, topic, clientName, { keyVersion: 1, at: '2026-12-01T00:00:00Z' });
        }
      }
    }
    await store.setClientPendingKey(tenantId, 'renewing', { wrappedKey: new Uint8Array(40).fill(3), keyVersion: 2 }, 1);

    // Act
    const seen: { name: string; topics: unknown[]; identityKey?: unknown }[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const answer = await api.call('GET', `/v1/devices-behind${query}`, { token });
      expect(answer.status, answer.raw).toBe(200);
      seen.push(...answer.json.items);
      cursor = answer.json.cursor;
      pages++;
    } while (cursor && pages < 20);

    // Assess
    const expected = [...clients.filter((_, i) => i % 3 !== 0), 'renewing'];
    expect(seen.map((item) => item.name)).toEqual(expected.sort((a, b) => idOf(a).localeCompare(idOf(b))));
    for (const item of seen) {
      if (item.name === 'renewing')
        expect(item).toMatchObject({ identityKey: { keyVersion: 1, pendingVersion: 2 }, topics: [] });
      else expect(item.topics).toHaveLength(30);
    }
  });

  it('reads a bounded number of items per request, whatever the numbers of topics and clients', async () => {
    // Prepare: 300 topics and 250 clients written straight to the store; 3 clients on 2 topics each (one confirmed),
    // 4 clients with a pending identity key spread over the id range (so that a read of 100 clients cannot see them
    // all).
    const tenantId = 'tenant-behind-wide';
    const { store } = api.c2.deps;
    const topics = Array.from({ length: 300 }, (_, i) => `wide/${i}`);
    const clients = Array.from({ length: 250 }, (_, i) => `wide-${i}`);
    for (let i = 0; i < topics.length; i += 50) {
      await Promise.all(topics.slice(i, i + 50).map((topic) => store.createTopic(topicRecord(topic, { tenantId }))));
    }
    for (let i = 0; i < clients.length; i += 50) {
      await Promise.all(clients.slice(i, i + 50).map((name) => store.createClient(clientRecord(name, { tenantId }))));
    }
    const linked = ['wide-1', 'wide-2', 'wide-3'];
    for (const name of linked) {
      for (const topic of ['wide/7', 'wide/8']) await store.putLink(linkRecord(topic, name, { tenantId }));
    }
    for (const topic of ['wide/7', 'wide/8']) {
      await store.recordLinkConfirmed(tenantId, topic, 'wide-3', { keyVersion: 1, at: '2026-12-01T00:00:00Z' });
    }
    const renewing = inIdOrderOf(clients).filter((_, i) => i % 60 === 59);
    for (const name of renewing) {
      await store.setClientPendingKey(tenantId, name, { wrappedKey: new Uint8Array(40).fill(3), keyVersion: 2 }, 1);
    }
    const counting = countingStore(store);
    const deps = { ...api.c2.deps, store: counting.store };

    // Act
    const firstPage = await listDevicesBehind(deps, callerOf(tenantId), { limit: 100 });
    const firstCalls = new Map(counting.calls);
    const firstTotal = counting.total();
    const seen = [...firstPage.items];
    let cursor = firstPage.cursor;
    for (let pages = 1; cursor && pages < 20; pages++) {
      const page = await listDevicesBehind(deps, callerOf(tenantId), { limit: 100, cursor });
      seen.push(...page.items);
      cursor = page.cursor;
    }

    // Assess: no read of the tenant's topics or clients at large; one batch read of the 2 topics the links name;
    // the pending-key reads within the rounds' budget.
    expect(firstCalls.get('listTopics')).toBeUndefined();
    expect(firstCalls.get('listClients')).toBeUndefined();
    expect(firstCalls.get('getTopics') ?? 0).toBeLessThanOrEqual(LINK_READS);
    expect(firstCalls.get('listClientsWithPendingKey') ?? 0).toBeLessThanOrEqual(LINK_READS);
    expect(firstTotal).toBeLessThanOrEqual(5 * LINK_READS);
    expect(seen.map((item) => item.name)).toEqual(inIdOrderOf(['wide-1', 'wide-2', ...renewing]));
    expect(seen.find((item) => item.name === 'wide-1')?.topics.map((t) => t.topic)).toEqual(
      ['wide/7', 'wide/8'].sort((a, b) => bytesToHex(hashTopic(a)).localeCompare(bytesToHex(hashTopic(b)))),
    );
  });

  it('bounds the reads of a request by a client on 1,000+ topics: its topics found across pages, none skipped', async () => {
    // Prepare: written straight to the store: "hub" on 1,050 topics (every tenth confirmed), "left" and "right" (ids
    // on either side of hub's) on one topic each.
    const tenantId = 'tenant-behind-hub';
    const { store } = api.c2.deps;
    const topics = Array.from({ length: 1050 }, (_, i) => `hub/${i}`);
    for (let i = 0; i < topics.length; i += 50) {
      await Promise.all(topics.slice(i, i + 50).map((topic) => store.createTopic(topicRecord(topic, { tenantId }))));
    }
    const [left, hub, right] = inIdOrderOf(Array.from({ length: 40 }, (_, i) => `hub-client-${i}`)).filter(
      (_, i) => i === 0 || i === 20 || i === 39,
    ) as [string, string, string];
    for (const name of [left, hub, right]) await store.createClient(clientRecord(name, { tenantId }));
    for (let i = 0; i < topics.length; i += 50) {
      await Promise.all(topics.slice(i, i + 50).map((topic) => store.putLink(linkRecord(topic, hub, { tenantId }))));
    }
    const confirmed = topics.filter((_, i) => i % 10 === 0);
    for (const topic of confirmed) {
      await store.recordLinkConfirmed(tenantId, topic, hub, { keyVersion: 1, at: '2026-12-01T00:00:00Z' });
    }
    await store.putLink(linkRecord('hub/1', left, { tenantId }));
    await store.putLink(linkRecord('hub/2', right, { tenantId }));
    const counting = countingStore(store);
    const deps = { ...api.c2.deps, store: counting.store };

    // Act: a walk at 100 and one at 1 device a page
    const walk = async (limit: number) => {
      const seen: { id: string; name: string; topics: { topic: string }[] }[] = [];
      const reads: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        counting.reset();
        const page = await listDevicesBehind(deps, callerOf(tenantId), { limit, ...(cursor ? { cursor } : {}) });
        reads.push(counting.total());
        expect(counting.calls.get('listLinksOfClient')).toBeUndefined();
        seen.push(...page.items);
        cursor = page.cursor;
        pages++;
      } while (cursor && pages < 50);
      return { seen, reads, cursor };
    };
    const wide = await walk(100);
    const narrow = await walk(1);

    // Assess: each request 4 reads a round at most; hub's behind topics all found, each once, in hash order, its
    // entries consecutive (the same id); left and right found; the walks end.
    const behindOfHub = topics
      .filter((topic) => !confirmed.includes(topic))
      .sort((a, b) => bytesToHex(hashTopic(a)).localeCompare(bytesToHex(hashTopic(b))));
    for (const { seen, reads, cursor } of [wide, narrow]) {
      expect(cursor).toBeUndefined();
      for (const count of reads) expect(count).toBeLessThanOrEqual(4 * LINK_READS);
      expect([...new Set(seen.map((item) => item.name))]).toEqual([left, hub, right]);
      expect(seen.filter((item) => item.name === hub).flatMap((item) => item.topics.map((t) => t.topic))).toEqual(
        behindOfHub,
      );
    }
    expect(wide.reads.length).toBeGreaterThan(1);
  });

  it('refuses a bad limit or a cursor it did not issue (400)', async () => {
    for (const query of ['?limit=0', '?limit=101', `?cursor=b${'0'.repeat(31)}`, '?cursor=nope', '?other=1']) {
      const answer = await api.call('GET', `/v1/devices-behind${query}`);
      expect(answer.status, `${query}: ${answer.raw}`).toBe(400);
      expect(['INVALID_INPUT', 'INVALID_CURSOR']).toContain(errorCodeOf(answer));
    }
  });
});
