/**
 * Contract of the KeyStore port, run against every adapter (DynamoKeyStore over dynalite here; over DynamoDB Local
 * and moto with the AWS adapters): `keyStoreContract(name, build)`. Each build gets a fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import { C2ErrorCode } from '../../shared/c2/errors.js';
import type { ClientRecord, KeyStore, TopicRecord } from '../../shared/c2/ports.js';
import { hashIdAlias, hashTopic, randomKey } from '../../shared/e4/index.js';
import { codeOfAsync } from '../support/codeOf.js';

export function clientRecord(name: string, overrides: Partial<ClientRecord> = {}): ClientRecord {
  return {
    tenantId: 'tenant-a',
    name,
    id: hashIdAlias(name),
    mode: 'symmetric',
    wrappedKey: randomKey(),
    keyVersion: 1,
    createdAt: '2026-11-23T00:00:00.000Z',
    updatedAt: '2026-11-23T00:00:00.000Z',
    ...overrides,
  };
}

export function topicRecord(topic: string, overrides: Partial<TopicRecord> = {}): TopicRecord {
  return {
    tenantId: 'tenant-a',
    topic,
    hash: hashTopic(topic),
    wrappedKey: randomKey(),
    keyVersion: 1,
    createdAt: '2026-11-23T00:00:00.000Z',
    updatedAt: '2026-11-23T00:00:00.000Z',
    ...overrides,
  };
}

export function keyStoreContract(name: string, build: () => Promise<KeyStore>): void {
  describe(`KeyStore contract: ${name}`, () => {
    it('creates a client and reads it back as stored; a second create of the name is ALREADY_EXISTS', async () => {
      // Prepare
      const store = await build();
      const record = clientRecord('device-0001', { name: 'device-0001' });

      // Act
      await store.createClient(record);
      const again = await codeOfAsync(() => store.createClient(clientRecord('device-0001')));

      // Assess
      expect(await store.getClient('tenant-a', 'device-0001')).toEqual(record);
      expect(again).toBe(C2ErrorCode.AlreadyExists);
      expect(await store.getClient('tenant-a', 'device-0002')).toBeUndefined();
    });

    it('keeps tenants apart: same names, separate records, lists and counts', async () => {
      const store = await build();
      await store.createClient(clientRecord('shared-name'));
      await store.createClient(clientRecord('shared-name', { tenantId: 'tenant-b', mode: 'pubkey' }));
      expect((await store.getClient('tenant-b', 'shared-name'))?.mode).toBe('pubkey');
      expect((await store.getClient('tenant-a', 'shared-name'))?.mode).toBe('symmetric');
      expect(await store.countClients('tenant-a')).toBe(1);
      expect((await store.listClients('tenant-c', { limit: 10 })).items).toEqual([]);
    });

    it('lists clients in name order, page by page with cursors, and counts them', async () => {
      // Prepare: 25 clients created out of order
      const store = await build();
      const names = Array.from({ length: 25 }, (_, i) => `device-${String(i).padStart(3, '0')}`);
      for (const n of [...names].reverse()) await store.createClient(clientRecord(n));

      // Act
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.listClients('tenant-a', { limit: 10, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((c) => c.name));
        cursor = page.cursor;
        pages++;
      } while (cursor);

      // Assess
      expect(seen).toEqual(names);
      expect(pages).toBe(3);
      expect(await store.countClients('tenant-a')).toBe(25);
    });

    it("refuses a cursor it did not issue, or another tenant's (INVALID_CURSOR)", async () => {
      const store = await build();
      for (let i = 0; i < 3; i++) await store.createClient(clientRecord(`device-${i}`));
      const { cursor } = await store.listClients('tenant-a', { limit: 1 });
      expect(cursor).toBeDefined();
      expect(await codeOfAsync(() => store.listClients('tenant-b', { limit: 1, cursor: cursor! }))).toBe(
        C2ErrorCode.InvalidCursor,
      );
      expect(await codeOfAsync(() => store.listClients('tenant-a', { limit: 1, cursor: 'not-a-cursor' }))).toBe(
        C2ErrorCode.InvalidCursor,
      );
    });

    it('updates a key only from the version it was read at (CONCURRENT_UPDATE otherwise); NOT_FOUND for no client', async () => {
      // Prepare
      const store = await build();
      await store.createClient(clientRecord('device-0001'));
      const newKey = randomKey();
      const update = { wrappedKey: newKey, keyVersion: 2, expectedVersion: 1, updatedAt: '2026-11-23T01:00:00.000Z' };

      // Act
      await store.updateClientKey('tenant-a', 'device-0001', update);
      const stale = await codeOfAsync(() => store.updateClientKey('tenant-a', 'device-0001', update));
      const missing = await codeOfAsync(() => store.updateClientKey('tenant-a', 'nobody', update));

      // Assess
      const stored = await store.getClient('tenant-a', 'device-0001');
      expect(stored?.wrappedKey).toEqual(newKey);
      expect(stored?.keyVersion).toBe(2);
      expect(stored?.updatedAt).toBe('2026-11-23T01:00:00.000Z');
      expect(stale).toBe(C2ErrorCode.ConcurrentUpdate);
      expect(missing).toBe(C2ErrorCode.NotFound);
    });

    it('deletes a client; deleting it again is NOT_FOUND', async () => {
      const store = await build();
      await store.createClient(clientRecord('device-0001'));
      await store.deleteClient('tenant-a', 'device-0001');
      expect(await store.getClient('tenant-a', 'device-0001')).toBeUndefined();
      expect(await codeOfAsync(() => store.deleteClient('tenant-a', 'device-0001'))).toBe(C2ErrorCode.NotFound);
    });

    it('stores topics apart from clients of the same name: own records, lists and counts', async () => {
      // Prepare
      const store = await build();
      const topic = topicRecord('sensors/temp');
      await store.createClient(clientRecord('sensors/temp'));

      // Act
      await store.createTopic(topic);
      await store.createTopic(topicRecord('a/b'));
      const again = await codeOfAsync(() => store.createTopic(topicRecord('sensors/temp')));

      // Assess
      expect(await store.getTopic('tenant-a', 'sensors/temp')).toEqual(topic);
      expect(again).toBe(C2ErrorCode.AlreadyExists);
      expect((await store.listTopics('tenant-a', { limit: 10 })).items.map((t) => t.topic)).toEqual([
        'a/b',
        'sensors/temp',
      ]);
      expect(await store.countTopics('tenant-a')).toBe(2);
      expect(await store.countClients('tenant-a')).toBe(1);
    });

    it('rotates a topic key from the version it was read at, and deletes topics', async () => {
      const store = await build();
      await store.createTopic(topicRecord('t'));
      const key = randomKey();
      const update = { wrappedKey: key, keyVersion: 2, expectedVersion: 1, updatedAt: '2026-11-23T02:00:00.000Z' };
      await store.updateTopicKey('tenant-a', 't', update);
      expect(await codeOfAsync(() => store.updateTopicKey('tenant-a', 't', update))).toBe(C2ErrorCode.ConcurrentUpdate);
      expect((await store.getTopic('tenant-a', 't'))?.wrappedKey).toEqual(key);
      await store.deleteTopic('tenant-a', 't');
      expect(await codeOfAsync(() => store.deleteTopic('tenant-a', 't'))).toBe(C2ErrorCode.NotFound);
      expect(await store.getTopic('tenant-a', 't')).toBeUndefined();
    });
  });
}
