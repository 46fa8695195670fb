/**
 * Contract of the KeyStore port, run against every adapter (DynamoKeyStore over dynalite here; over DynamoDB Local
 * and moto with the AWS adapters): `keyStoreContract(name, build)`. Each build gets a fresh, empty store.
 */
import { describe, expect, it } from 'vitest';
import { C2ErrorCode } from '../../shared/c2/errors.js';
import { GENESIS_HASH } from '../../shared/c2/events/eventChain.js';
import { verifyEventChain } from '../../shared/c2/events/verifyEventChain.js';
import type { EnrolmentWindowRecord } from '../../shared/c2/ports/EnrolmentWindowStore.js';
import type { TenantRecord, TenantStatus } from '../../shared/c2/ports/TenantRegistry.js';
import type {
  ApiKeyRecord,
  C2KeyRecord,
  ClientRecord,
  EventFilter,
  EventRecord,
  KeyStore,
  LinkRecord,
  TopicRecord,
} from '../../shared/c2/ports.js';
import { bytesToHex, hashIdAlias, hashTopic, randomKey } from '../../shared/e4/index.js';
import { codeOfAsync } from '../support/codeOf.js';
import { page, readAll } from '../support/readAllPages.js';

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

export function linkRecord(topic: string, clientName: string, overrides: Partial<LinkRecord> = {}): LinkRecord {
  return { tenantId: 'tenant-a', topic, clientName, createdAt: '2026-11-23T00:00:00.000Z', ...overrides };
}

export function c2KeyRecord(overrides: Partial<C2KeyRecord> = {}): C2KeyRecord {
  return {
    tenantId: 'tenant-a',
    publicKey: randomKey(),
    wrappedKey: randomKey(),
    keyVersion: 1,
    createdAt: '2026-11-23T00:00:00.000Z',
    updatedAt: '2026-11-23T00:00:00.000Z',
    ...overrides,
  };
}

/** An event at second `second` of the day (ids sort as the caller makes them: time first). */
export function eventRecord(second: number, overrides: Partial<EventRecord> = {}): EventRecord {
  const at = new Date(Date.UTC(2026, 10, 23, 0, 0, second)).toISOString();
  return {
    tenantId: 'tenant-a',
    id: `${at}-${String(second).padStart(4, '0')}`,
    at,
    actor: 'key-1',
    action: 'topic.rotate',
    target: { type: 'topic', name: 'sensors/temp' },
    result: 'ok',
    ...overrides,
  };
}

/** Events as appended: without the chain's fields the store adds (seq, prevHash, hash). */
export function unchained(events: readonly EventRecord[]): EventRecord[] {
  return events.map(({ seq: _s, prevHash: _p, hash: _h, ...event }) => event);
}

export function apiKeyRecord(keyId: string, overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    keyId,
    tenantId: 'tenant-a',
    name: `key ${keyId}`,
    scope: 'admin',
    secretHash: randomKey(),
    prefix: `${keyId}.AbCd`,
    createdAt: '2026-11-23T00:00:00.000Z',
    ...overrides,
  };
}

/** Names sorted by the hex of their hash: the order of lists (bytes order, as DynamoDB sorts sort keys). */
const sortedBy =
  (hash: (name: string) => Uint8Array) =>
  (names: readonly string[]): string[] =>
    names
      .map((name) => ({ name, key: bytesToHex(hash(name)) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ name }) => name);

/** Client names in E4 id order: the order of clients, and of the clients of a topic. */
export const inIdOrder = sortedBy(hashIdAlias);
/** Topics in topic hash order: the order of topics, and of the topics of a client. */
export const inHashOrder = sortedBy(hashTopic);

/** Names that are no path segment as they are: slashes, percent signs, spaces, unicode (NFC and NFD apart). */
const AWKWARD_NAMES = [
  'a/b',
  '/leading/slash/',
  '100%',
  '%2F',
  'a%2Fb',
  'with space',
  'température',
  'tempe\u0301rature',
  '温度/センサー',
  '🌡️/🔥',
  'quote"\'back\\slash',
  '+#',
];

/** Runs `write` on every item, a few at a time (the contract stays fast over DynamoDB Local). */
async function inParallel<T>(items: readonly T[], write: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += 25) await Promise.all(items.slice(i, i + 25).map(write));
}

export interface KeyStoreContractOptions {
  /**
   * False for moto: its server applies concurrent conditional writes without a lock, so two of them can both pass
   * (seen in CI under load). The tests of atomicity under concurrency then run on dynalite and DynamoDB Local only.
   */
  readonly atomicUnderConcurrency?: boolean;
}

export function keyStoreContract(
  name: string,
  build: () => Promise<KeyStore>,
  options: KeyStoreContractOptions = {},
): void {
  const concurrent = options.atomicUnderConcurrency === false ? it.skip : it;
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

    it('lists clients in id order, page by page with cursors, and counts them', async () => {
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
      expect(seen).toEqual(inIdOrder(names));
      expect(pages).toBe(3);
      expect(await store.countClients('tenant-a')).toBe(25);
    });

    it('finds the clients and topics whose names start with a prefix, page by page, in id (hash) order, in their tenant only', async () => {
      // Prepare: 30 clients and topics, 12 of each under "line-1/", others around them, and another tenant's
      const store = await build();
      const names = [
        ...Array.from({ length: 12 }, (_, i) => `line-1/dev-${i}`),
        ...Array.from({ length: 15 }, (_, i) => `line-2/dev-${i}`),
        'line-1',
        'line-10/x',
        'LINE-1/upper',
      ];
      await inParallel(names, async (n) => {
        await store.createClient(clientRecord(n));
        await store.createTopic(topicRecord(n));
      });
      await store.createClient(clientRecord('line-1/other-tenant', { tenantId: 'tenant-b' }));

      // Act
      const clients = await readAll((cursor) => store.findClientsByNamePrefix('tenant-a', 'line-1/', page(5, cursor)));
      const topics = await readAll((cursor) => store.findTopicsByPrefix('tenant-a', 'line-1/', page(5, cursor)));
      const wider = await readAll((cursor) => store.findClientsByNamePrefix('tenant-a', 'line-1', page(100, cursor)));
      const none = await readAll((cursor) => store.findTopicsByPrefix('tenant-a', 'line-3', page(10, cursor)));

      // Assess
      const expected = names.filter((n) => n.startsWith('line-1/'));
      expect(clients.items.map((c) => c.name)).toEqual(inIdOrder(expected));
      expect(topics.items.map((t) => t.topic)).toEqual(inHashOrder(expected));
      expect(clients.items.every((c) => c.tenantId === 'tenant-a')).toBe(true);
      expect(wider.items.map((c) => c.name).sort()).toEqual([...expected, 'line-1', 'line-10/x'].sort());
      expect(none.items).toEqual([]);
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
      // Well-formed, right tenant and prefix, but a sort key no item can have (one longer than DynamoDB accepts).
      const forged = (sk: string) => Buffer.from(JSON.stringify({ pk: 'T#tenant-a', sk })).toString('base64url');
      for (const [list, sk] of [
        [(cursor: string) => store.listClients('tenant-a', { limit: 1, cursor }), `C#${'a'.repeat(2500)}`],
        [(cursor: string) => store.listClients('tenant-a', { limit: 1, cursor }), 'C#with space'],
        [(cursor: string) => store.listEvents('tenant-a', {}, { limit: 1, cursor }), `E#${'1'.repeat(1100)}`],
      ] as const) {
        expect(await codeOfAsync(() => list(forged(sk)))).toBe(C2ErrorCode.InvalidCursor);
      }
    });

    it('updates a key only from the version it was read at (CONCURRENT_UPDATE otherwise); NOT_FOUND for no client', async () => {
      // Prepare
      const store = await build();
      await store.createClient(clientRecord('device-0001'));
      const newKey = randomKey();
      const update = {
        wrappedKey: newKey,
        keyVersion: 2,
        expectedVersion: 1,
        updatedAt: '2026-11-23T01:00:00.000Z',
        keySecond: 1_800_000_000,
      };

      // Act
      await store.updateClientKey('tenant-a', 'device-0001', update);
      const stale = await codeOfAsync(() => store.updateClientKey('tenant-a', 'device-0001', update));
      const missing = await codeOfAsync(() => store.updateClientKey('tenant-a', 'nobody', update));

      // Assess
      const stored = await store.getClient('tenant-a', 'device-0001');
      expect(stored?.wrappedKey).toEqual(newKey);
      expect(stored?.keyVersion).toBe(2);
      expect(stored?.updatedAt).toBe('2026-11-23T01:00:00.000Z');
      expect(stored?.keySecond).toBe(1_800_000_000);
      expect(stale).toBe(C2ErrorCode.ConcurrentUpdate);
      expect(missing).toBe(C2ErrorCode.NotFound);
    });

    it('keeps a pending identity key until the key is replaced; one pending at a time, from the version read', async () => {
      // Prepare
      const store = await build();
      await store.createClient(clientRecord('renewing'));
      const pending = { wrappedKey: randomKey(), keyVersion: 2 };

      // Act
      await store.setClientPendingKey('tenant-a', 'renewing', pending, 1);
      const withPending = await store.getClient('tenant-a', 'renewing');
      const second = await codeOfAsync(() => store.setClientPendingKey('tenant-a', 'renewing', pending, 1));
      const stale = await codeOfAsync(() => store.setClientPendingKey('tenant-a', 'renewing', pending, 7));
      const missing = await codeOfAsync(() => store.setClientPendingKey('tenant-a', 'nobody', pending, 1));
      const update = {
        wrappedKey: randomKey(),
        keyVersion: 2,
        expectedVersion: 1,
        updatedAt: '2026-11-23T02:00:00.000Z',
      };
      await store.updateClientKey('tenant-a', 'renewing', update);

      // Assess
      expect(withPending?.pending).toEqual(pending);
      expect(withPending?.keyVersion).toBe(1);
      expect(second).toBe(C2ErrorCode.ConcurrentUpdate);
      expect(stale).toBe(C2ErrorCode.ConcurrentUpdate);
      expect(missing).toBe(C2ErrorCode.NotFound);
      const promoted = await store.getClient('tenant-a', 'renewing');
      expect(promoted?.pending).toBeUndefined();
      expect(promoted?.wrappedKey).toEqual(update.wrappedKey);
      expect((await store.getClients('tenant-a', ['renewing']))[0]).toEqual(promoted);
    });

    describe('enrolment windows', () => {
      const window = (id: string, overrides: Partial<EnrolmentWindowRecord> = {}): EnrolmentWindowRecord => ({
        tenantId: 'tenant-a',
        id,
        mode: 'any',
        topics: [],
        maxCount: 2,
        enrolled: 0,
        closesAt: '2026-11-23T02:00:00.000Z',
        actor: 'apikey:0011223344556677',
        createdAt: '2026-11-23T01:00:00.000Z',
        ...overrides,
      });
      const at = '2026-11-23T01:30:00.000Z';

      it('stores a window once, reads it back, lists its tenant only', async () => {
        // Prepare
        const store = await build();
        const record = window('00000000000000a1', { name: 'line 3', mode: 'pubkey', topics: ['a/b', 'c'] });

        // Act
        await store.createEnrolmentWindow(record);
        await store.createEnrolmentWindow(window('00000000000000a2'));
        await store.createEnrolmentWindow(window('00000000000000a3', { tenantId: 'tenant-b' }));
        const again = await codeOfAsync(() => store.createEnrolmentWindow(record));

        // Assess
        expect(await store.getEnrolmentWindow('tenant-a', record.id)).toEqual(record);
        expect(await store.getEnrolmentWindow('tenant-b', record.id)).toBeUndefined();
        expect(again).toBe(C2ErrorCode.AlreadyExists);
        const { items } = await store.listEnrolmentWindows('tenant-a', { limit: 10 });
        expect(items.map((w) => w.id)).toEqual(['00000000000000a1', '00000000000000a2']);
      });

      concurrent('takes slots up to maxCount, never past it however many at once, and gives them back', async () => {
        // Prepare
        const store = await build();
        await store.createEnrolmentWindow(window('00000000000000b1', { maxCount: 3 }));

        // Act
        const takes = await Promise.allSettled(
          Array.from({ length: 8 }, () => store.takeEnrolmentSlot('tenant-a', '00000000000000b1', at)),
        );
        const full = await store.getEnrolmentWindow('tenant-a', '00000000000000b1');
        await store.releaseEnrolmentSlot('tenant-a', '00000000000000b1');
        const released = await store.getEnrolmentWindow('tenant-a', '00000000000000b1');
        const missing = await codeOfAsync(() => store.takeEnrolmentSlot('tenant-a', '00000000000000ff', at));

        // Assess
        expect(takes.filter((take) => take.status === 'fulfilled')).toHaveLength(3);
        for (const take of takes.filter((t) => t.status === 'rejected')) {
          expect((take as PromiseRejectedResult).reason.code).toBe(C2ErrorCode.ConcurrentUpdate);
        }
        expect(full?.enrolled).toBe(3);
        expect(released?.enrolled).toBe(2);
        expect(missing).toBe(C2ErrorCode.NotFound);
      });

      it('takes no slot once closed or past closesAt; closing twice keeps the first time', async () => {
        // Prepare
        const store = await build();
        await store.createEnrolmentWindow(window('00000000000000c1'));
        await store.createEnrolmentWindow(window('00000000000000c2'));

        // Act
        const late = await codeOfAsync(() =>
          store.takeEnrolmentSlot('tenant-a', '00000000000000c1', '2026-11-23T02:00:00.000Z'),
        );
        await store.closeEnrolmentWindow('tenant-a', '00000000000000c2', at);
        await store.closeEnrolmentWindow('tenant-a', '00000000000000c2', '2026-11-23T01:45:00.000Z');
        const closed = await codeOfAsync(() => store.takeEnrolmentSlot('tenant-a', '00000000000000c2', at));
        const missing = await codeOfAsync(() => store.closeEnrolmentWindow('tenant-a', '00000000000000ff', at));

        // Assess
        expect(late).toBe(C2ErrorCode.ConcurrentUpdate);
        expect(closed).toBe(C2ErrorCode.ConcurrentUpdate);
        expect((await store.getEnrolmentWindow('tenant-a', '00000000000000c2'))?.closedAt).toBe(at);
        expect((await store.getEnrolmentWindow('tenant-a', '00000000000000c1'))?.enrolled).toBe(0);
        expect(missing).toBe(C2ErrorCode.NotFound);
      });
    });

    it('keeps the rekey-on-return flag of a client until a new key is put in force', async () => {
      // Prepare
      const store = await build();
      await store.createClient({ ...clientRecord('enrolled'), rekeyOnReturn: true });
      await store.createClient(clientRecord('plain'));

      // Act
      const flagged = await store.getClient('tenant-a', 'enrolled');
      const plain = await store.getClient('tenant-a', 'plain');
      await store.setClientPendingKey('tenant-a', 'enrolled', { wrappedKey: randomKey(), keyVersion: 2 }, 1);
      const whilePending = await store.getClient('tenant-a', 'enrolled');
      const update = {
        wrappedKey: randomKey(),
        keyVersion: 2,
        expectedVersion: 1,
        updatedAt: '2026-11-23T02:00:00.000Z',
      };
      await store.updateClientKey('tenant-a', 'enrolled', update);

      // Assess
      expect(flagged?.rekeyOnReturn).toBe(true);
      expect(plain?.rekeyOnReturn).toBeUndefined();
      expect(whilePending?.rekeyOnReturn).toBe(true);
      const promoted = await store.getClient('tenant-a', 'enrolled');
      expect(promoted?.rekeyOnReturn).toBeUndefined();
      expect(promoted?.keyVersion).toBe(2);
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
      expect((await store.listTopics('tenant-a', { limit: 10 })).items.map((t) => t.topic)).toEqual(
        inHashOrder(['a/b', 'sensors/temp']),
      );
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

    describe('by E4 id and topic hash', () => {
      it('reads a client by its id, in its tenant only; no client, another length or a deleted one is undefined', async () => {
        // Prepare
        const store = await build();
        const record = clientRecord('device-1');
        await store.createClient(record);
        await store.createClient(clientRecord('device-2', { tenantId: 'tenant-b' }));
        await store.createTopic(topicRecord('device-3'));

        // Act
        const found = await store.getClientById('tenant-a', hashIdAlias('device-1'));
        const missing = await Promise.all(
          [
            ['tenant-a', hashIdAlias('nobody')],
            ['tenant-a', hashIdAlias('device-2')],
            ['tenant-b', hashIdAlias('device-1')],
            ['tenant-a', hashTopic('device-3')], // a topic's hash: the same bytes as a client of that name's id
            ['tenant-a', record.id.subarray(0, 8)],
            ['tenant-a', new Uint8Array([...record.id, ...record.id])],
          ].map(([tenant, id]) => store.getClientById(tenant as string, id as Uint8Array)),
        );
        await store.deleteClient('tenant-a', 'device-1');
        const deleted = await store.getClientById('tenant-a', record.id);

        // Assess
        expect(found).toEqual(record);
        expect(missing).toEqual(Array(6).fill(undefined));
        expect(deleted).toBeUndefined();
      });

      it('reads a topic by its hash, in its tenant only; no topic, another length or a deleted one is undefined', async () => {
        // Prepare
        const store = await build();
        const record = topicRecord('sensors/temp');
        await store.createTopic(record);
        await store.createTopic(topicRecord('sensors/hum', { tenantId: 'tenant-b' }));
        await store.createClient(clientRecord('sensors/wind'));

        // Act
        const found = await store.getTopicByHash('tenant-a', hashTopic('sensors/temp'));
        const missing = await Promise.all(
          [
            ['tenant-a', hashTopic('sensors')],
            ['tenant-a', hashTopic('sensors/hum')],
            ['tenant-b', hashTopic('sensors/temp')],
            ['tenant-a', hashIdAlias('sensors/wind')], // a client's id: the same bytes as a topic of that name's hash
            ['tenant-a', record.hash.subarray(1)],
            ['tenant-a', new Uint8Array(0)],
          ].map(([tenant, hash]) => store.getTopicByHash(tenant as string, hash as Uint8Array)),
        );
        await store.deleteTopic('tenant-a', 'sensors/temp');
        const deleted = await store.getTopicByHash('tenant-a', record.hash);

        // Assess
        expect(found).toEqual(record);
        expect(missing).toEqual(Array(6).fill(undefined));
        expect(deleted).toBeUndefined();
      });

      it('finds the record by id or hash as by name after its key changes', async () => {
        // Prepare
        const store = await build();
        await store.createClient(clientRecord('c'));
        await store.createTopic(topicRecord('t'));
        const update = {
          wrappedKey: randomKey(),
          keyVersion: 2,
          expectedVersion: 1,
          updatedAt: '2026-11-23T06:00:00.000Z',
        };

        // Act
        await store.updateClientKey('tenant-a', 'c', update);
        await store.updateTopicKey('tenant-a', 't', update);
        await store.acquireTopicLease('tenant-a', 't', { owner: 'a', now: 1000, until: 2000 });

        // Assess
        const client = await store.getClient('tenant-a', 'c');
        const topic = await store.getTopic('tenant-a', 't');
        expect(client?.keyVersion).toBe(2);
        expect(topic?.keyVersion).toBe(2);
        expect(await store.getClientById('tenant-a', hashIdAlias('c'))).toEqual(client);
        expect(await store.getTopicByHash('tenant-a', hashTopic('t'))).toEqual(topic);
      });

      it('stores names with slashes, percent signs, spaces and unicode, and finds them by name, by id and in lists', async () => {
        // Prepare
        const store = await build();
        const clients = AWKWARD_NAMES.map((name) => clientRecord(name));
        const topics = AWKWARD_NAMES.map((topic) => topicRecord(topic));

        // Act
        await inParallel(clients, (record) => store.createClient(record));
        await inParallel(topics, (record) => store.createTopic(record));
        await inParallel(AWKWARD_NAMES, (name) => store.putLink(linkRecord(name, name)));
        await store.putLink(linkRecord('a/b', '%2F'));

        // Assess
        for (const [i, name] of AWKWARD_NAMES.entries()) {
          expect(await store.getClient('tenant-a', name)).toEqual(clients[i]);
          expect(await store.getClientById('tenant-a', hashIdAlias(name))).toEqual(clients[i]);
          expect(await store.getTopic('tenant-a', name)).toEqual(topics[i]);
          expect(await store.getTopicByHash('tenant-a', hashTopic(name))).toEqual(topics[i]);
          expect(await store.getLink('tenant-a', name, name)).toEqual(linkRecord(name, name));
        }
        const byName = new Map(clients.map((record) => [record.name, record]));
        const byTopic = new Map(topics.map((record) => [record.topic, record]));
        expect((await readAll((cursor) => store.listClients('tenant-a', page(5, cursor)))).items).toEqual(
          inIdOrder(AWKWARD_NAMES).map((name) => byName.get(name)),
        );
        expect((await readAll((cursor) => store.listTopics('tenant-a', page(5, cursor)))).items).toEqual(
          inHashOrder(AWKWARD_NAMES).map((topic) => byTopic.get(topic)),
        );
        expect(await store.getClients('tenant-a', [...AWKWARD_NAMES].reverse())).toEqual([...clients].reverse());
        expect((await store.listClientsOfTopic('tenant-a', 'a/b', { limit: 10 })).items).toEqual(
          inIdOrder(['a/b', '%2F']),
        );
        expect((await store.listTopicsOfClient('tenant-a', '%2F', { limit: 10 })).items).toEqual(
          inHashOrder(['%2F', 'a/b']),
        );
        expect((await store.listTopicsOfClient('tenant-a', 'température', { limit: 10 })).items).toEqual([
          'température',
        ]);
        expect(await store.getClient('tenant-a', 'temperature')).toBeUndefined();
      });
    });

    describe('getClients', () => {
      it('reads clients in the order of the names given, once per occurrence, leaving out those that do not exist', async () => {
        // Prepare
        const store = await build();
        const records = ['c-1', 'c-2', 'c-3'].map((name) => clientRecord(name));
        for (const record of records) await store.createClient(record);
        await store.createClient(clientRecord('c-b', { tenantId: 'tenant-b' }));
        const [one, two, three] = records;

        // Act
        const found = await store.getClients('tenant-a', ['c-3', 'nobody', 'c-1', 'c-b', 'c-3', 'c-2']);
        const none = await store.getClients('tenant-a', []);

        // Assess
        expect(found).toEqual([three, one, three, two]);
        expect(none).toEqual([]);
      });

      it('reads more names than one batch holds (230), in the order given', async () => {
        // Prepare
        const store = await build();
        const names = Array.from({ length: 230 }, (_, i) => `device-${String(i).padStart(3, '0')}`);
        await inParallel(names, (name) => store.createClient(clientRecord(name)));
        const wanted = [...names].reverse().flatMap((name, i) => (i % 10 === 0 ? [`missing-${i}`, name] : [name]));

        // Act
        const found = await store.getClients('tenant-a', wanted);

        // Assess
        expect(found.map((c) => c.name)).toEqual([...names].reverse());
        expect(found[0]).toEqual(await store.getClient('tenant-a', 'device-229'));
      });
    });

    describe('getClientsById', () => {
      it('reads clients by E4 id in the order given, once per occurrence, leaving out unknown and malformed ids', async () => {
        // Prepare: 120 clients (more than one read of 100 holds), and one of another tenant.
        const store = await build();
        const records = Array.from({ length: 120 }, (_, i) => clientRecord(`by-id-${i}`));
        await inParallel(records, (record) => store.createClient(record));
        await store.createClient(clientRecord('other-tenant', { tenantId: 'tenant-b' }));
        const ids = [...records].reverse().map((record) => record.id);

        // Act
        const found = await store.getClientsById('tenant-a', [
          ...ids,
          hashIdAlias('nobody'),
          hashIdAlias('other-tenant'),
          new Uint8Array(3),
          records[0]!.id,
        ]);

        // Assess
        expect(found).toEqual([...[...records].reverse(), records[0]]);
        expect(await store.getClientsById('tenant-a', [])).toEqual([]);
      });
    });

    describe('topic leases', () => {
      it('grants a free lease, again to its owner; another owner is CONCURRENT_UPDATE until it expires', async () => {
        // Prepare
        const store = await build();
        await store.createTopic(topicRecord('t'));
        const take = (owner: string, now: number, until: number) =>
          codeOfAsync(() => store.acquireTopicLease('tenant-a', 't', { owner, now, until }));

        // Act
        const first = await take('a', 1000, 2000);
        const again = await take('a', 1500, 2500); // now ends at 2500
        const busy = await take('b', 2499, 3499);
        const expired = await take('b', 2500, 3500);
        const lost = await take('a', 2600, 3600);

        // Assess
        expect([first, again, busy, expired, lost]).toEqual([
          'ok',
          'ok',
          C2ErrorCode.ConcurrentUpdate,
          'ok',
          C2ErrorCode.ConcurrentUpdate,
        ]);
      });

      it("is given back by its owner only: another owner's release is ignored", async () => {
        // Prepare
        const store = await build();
        await store.createTopic(topicRecord('t'));
        await store.acquireTopicLease('tenant-a', 't', { owner: 'a', now: 1000, until: 2000 });
        const take = () =>
          codeOfAsync(() => store.acquireTopicLease('tenant-a', 't', { owner: 'b', now: 1100, until: 2100 }));

        // Act
        const strangerRelease = await codeOfAsync(() => store.releaseTopicLease('tenant-a', 't', 'b'));
        const whileHeld = await take();
        await store.releaseTopicLease('tenant-a', 't', 'a');
        const afterRelease = await take();

        // Assess
        expect(strangerRelease).toBe('ok');
        expect(whileHeld).toBe(C2ErrorCode.ConcurrentUpdate);
        expect(afterRelease).toBe('ok');
      });

      it("are all given back at once for a tenant (a dead process's), whoever holds them; other tenants' stay", async () => {
        // Prepare
        const store = await build();
        for (const topic of ['t1', 't2', 't3']) await store.createTopic(topicRecord(topic));
        await store.createTopic(topicRecord('t1', { tenantId: 'tenant-b' }));
        const lease = (owner: string) => ({ owner, now: 1000, until: 2000 });
        await store.acquireTopicLease('tenant-a', 't1', lease('a'));
        await store.acquireTopicLease('tenant-a', 't2', lease('b'));
        await store.acquireTopicLease('tenant-b', 't1', lease('c'));
        const take = (tenantId: string, topic: string) =>
          codeOfAsync(() => store.acquireTopicLease(tenantId, topic, { owner: 'new', now: 1100, until: 2100 }));

        // Act
        const released = await store.releaseAllTopicLeases('tenant-a');

        // Assess
        expect(released).toBe(2);
        expect([await take('tenant-a', 't1'), await take('tenant-a', 't2'), await take('tenant-a', 't3')]).toEqual([
          'ok',
          'ok',
          'ok',
        ]);
        expect(await take('tenant-b', 't1')).toBe(C2ErrorCode.ConcurrentUpdate);
        expect(await store.countTopics('tenant-a')).toBe(3);
      });

      it('is NOT_FOUND without the topic (in this tenant); releasing there is no error and creates nothing', async () => {
        // Prepare
        const store = await build();
        await store.createTopic(topicRecord('t', { tenantId: 'tenant-b' }));
        const lease = { owner: 'a', now: 1000, until: 2000 };

        // Act
        const missing = await codeOfAsync(() => store.acquireTopicLease('tenant-a', 'nope', lease));
        const otherTenant = await codeOfAsync(() => store.acquireTopicLease('tenant-a', 't', lease));
        const release = await codeOfAsync(() => store.releaseTopicLease('tenant-a', 'nope', 'a'));

        // Assess
        expect(missing).toBe(C2ErrorCode.NotFound);
        expect(otherTenant).toBe(C2ErrorCode.NotFound);
        expect(release).toBe('ok');
        expect(await store.getTopic('tenant-a', 'nope')).toBeUndefined();
        expect(await store.countTopics('tenant-a')).toBe(0);
      });

      it('leaves the topic record as it is: it reads back with its lease, rotates under the lease, and the lease survives', async () => {
        // Prepare
        const store = await build();
        const topic = topicRecord('t');
        await store.createTopic(topic);
        await store.acquireTopicLease('tenant-a', 't', { owner: 'a', now: 1000, until: 2000 });
        const leased = await store.getTopic('tenant-a', 't');
        const key = randomKey();

        // Act
        await store.updateTopicKey('tenant-a', 't', {
          wrappedKey: key,
          keyVersion: 2,
          expectedVersion: 1,
          updatedAt: '2026-11-23T03:00:00.000Z',
        });

        // Assess
        const lease = { owner: 'a', until: 2000 };
        const rotated = { ...topic, wrappedKey: key, keyVersion: 2, updatedAt: '2026-11-23T03:00:00.000Z', lease };
        expect(leased).toEqual({ ...topic, lease });
        expect(await store.getTopic('tenant-a', 't')).toEqual(rotated);
        expect((await store.listTopics('tenant-a', { limit: 10 })).items).toEqual([rotated]);
        expect(
          await codeOfAsync(() => store.acquireTopicLease('tenant-a', 't', { owner: 'b', now: 1500, until: 2500 })),
        ).toBe(C2ErrorCode.ConcurrentUpdate);
      });

      it('keeps the key second and revoked version: with a key, with the release of its owner only', async () => {
        // Prepare
        const store = await build();
        const topic = topicRecord('t');
        await store.createTopic(topic);
        const key = randomKey();
        const at = '2026-11-23T04:00:00.000Z';

        // Act
        await store.updateTopicKey('tenant-a', 't', {
          wrappedKey: key,
          keyVersion: 2,
          expectedVersion: 1,
          updatedAt: at,
          keySecond: 1_800_000_000,
          revokedVersion: 2,
        });
        const revoked = await store.getTopic('tenant-a', 't');
        await store.acquireTopicLease('tenant-a', 't', { owner: 'a', now: 1000, until: 2000 });
        await store.releaseTopicLease('tenant-a', 't', 'b', 1_800_000_009); // not its lease: nothing written
        const afterStranger = await store.getTopic('tenant-a', 't');
        await store.releaseTopicLease('tenant-a', 't', 'a', 1_800_000_005);
        const released = await store.getTopic('tenant-a', 't');
        await store.updateTopicKey('tenant-a', 't', {
          wrappedKey: key,
          keyVersion: 3,
          expectedVersion: 2,
          updatedAt: at,
        });

        // Assess
        const rotated = { ...topic, wrappedKey: key, keyVersion: 2, updatedAt: at };
        expect(revoked).toEqual({ ...rotated, keySecond: 1_800_000_000, revokedVersion: 2 });
        expect(afterStranger).toEqual({ ...revoked, lease: { owner: 'a', until: 2000 } });
        expect(released).toEqual({ ...rotated, keySecond: 1_800_000_005, revokedVersion: 2 });
        expect(await store.getTopic('tenant-a', 't')).toEqual({ ...released, keyVersion: 3 });
      });
    });

    describe('last seen', () => {
      it('records when a client was last seen, never moving it back; an unknown client is no error', async () => {
        // Prepare
        const store = await build();
        const record = clientRecord('seen');
        await store.createClient(record);

        // Act
        await store.recordClientSeen('tenant-a', 'seen', '2026-12-01T10:00:00.000Z');
        await store.recordClientSeen('tenant-a', 'seen', '2026-12-01T09:00:00.000Z');
        const unknown = await codeOfAsync(() =>
          store.recordClientSeen('tenant-a', 'never', '2026-12-01T10:00:00.000Z'),
        );

        // Assess
        expect(await store.getClient('tenant-a', 'seen')).toEqual({
          ...record,
          lastSeenAt: '2026-12-01T10:00:00.000Z',
        });
        expect(unknown).toBe('ok');
        expect(await store.getClient('tenant-a', 'never')).toBeUndefined();
      });

      it('keeps lastSeenAt across a key update', async () => {
        // Prepare
        const store = await build();
        await store.createClient(clientRecord('kept'));
        await store.recordClientSeen('tenant-a', 'kept', '2026-12-01T10:00:00.000Z');
        const wrappedKey = randomKey();

        // Act
        await store.updateClientKey('tenant-a', 'kept', {
          wrappedKey,
          keyVersion: 2,
          expectedVersion: 1,
          updatedAt: '2026-12-02T00:00:00.000Z',
        });

        // Assess
        expect(await store.getClient('tenant-a', 'kept')).toMatchObject({
          keyVersion: 2,
          lastSeenAt: '2026-12-01T10:00:00.000Z',
        });
      });
    });

    describe('links', () => {
      it('puts a link idempotently (keeping its first createdAt) and reads it from the topic', async () => {
        // Prepare
        const store = await build();
        const link = linkRecord('t', 'c');

        // Act
        await store.putLink(link);
        await store.putLink(linkRecord('t', 'c', { createdAt: '2026-11-24T00:00:00.000Z' }));

        // Assess
        expect(await store.getLink('tenant-a', 't', 'c')).toEqual(link);
        expect(await store.getLink('tenant-a', 't', 'd')).toBeUndefined();
        expect(await store.getLink('tenant-a', 'c', 't')).toBeUndefined();
        expect(await store.listClientsOfTopic('tenant-a', 't', { limit: 10 })).toEqual({ items: ['c'] });
        expect(await store.listTopicsOfClient('tenant-a', 'c', { limit: 10 })).toEqual({ items: ['t'] });
        expect(await store.countClientsOfTopic('tenant-a', 't')).toBe(1);
        expect(await store.countTopicsOfClient('tenant-a', 'c')).toBe(1);
      });

      it('lists the clients of a topic (id order) and the topics of a client (hash order), page by page, and counts them', async () => {
        // Prepare: 23 clients on topic t, client c-007 also on 11 other topics, all linked out of order
        const store = await build();
        const clients = Array.from({ length: 23 }, (_, i) => `c-${String(i).padStart(3, '0')}`);
        const topics = ['t', ...Array.from({ length: 11 }, (_, i) => `u/${String(i).padStart(2, '0')}`)].sort();
        await inParallel([...clients].reverse(), (client) => store.putLink(linkRecord('t', client)));
        await inParallel(topics.filter((t) => t !== 't').reverse(), (topic) =>
          store.putLink(linkRecord(topic, 'c-007')),
        );

        // Act
        const ofTopic = await readAll((cursor) => store.listClientsOfTopic('tenant-a', 't', page(10, cursor)));
        const ofClient = await readAll((cursor) => store.listTopicsOfClient('tenant-a', 'c-007', page(5, cursor)));

        // Assess
        expect(ofTopic).toEqual({ items: inIdOrder(clients), pages: 3 });
        expect(ofClient).toEqual({ items: inHashOrder(topics), pages: 3 });
        expect(await store.countClientsOfTopic('tenant-a', 't')).toBe(23);
        expect(await store.countTopicsOfClient('tenant-a', 'c-007')).toBe(12);
        expect(await store.countTopicsOfClient('tenant-a', 'c-008')).toBe(1);
      });

      it("records the key version a device confirmed on the client's side of the link, never moving it back", async () => {
        // Prepare
        const store = await build();
        await store.putLink(linkRecord('t', 'c'));
        await store.putLink(linkRecord('u', 'c'));

        // Act
        await store.recordLinkConfirmed('tenant-a', 't', 'c', { keyVersion: 3, at: '2026-12-01T10:00:00.000Z' });
        await store.recordLinkConfirmed('tenant-a', 't', 'c', { keyVersion: 2, at: '2026-12-01T11:00:00.000Z' });
        await store.putLink(linkRecord('t', 'c', { createdAt: '2026-12-02T00:00:00.000Z' }));

        // Assess
        const confirmed = { keyVersion: 3, at: '2026-12-01T10:00:00.000Z' };
        expect(await store.getLink('tenant-a', 't', 'c')).toEqual(linkRecord('t', 'c'));
        expect(await store.listLinksOfClient('tenant-a', 'c', { limit: 10 })).toEqual({
          items: inHashOrder(['t', 'u']).map((topic) => linkRecord(topic, 'c', topic === 't' ? { confirmed } : {})),
        });
      });

      it('a later confirmation of the same version moves its time on; a link that is not there is not made', async () => {
        // Prepare
        const store = await build();
        await store.putLink(linkRecord('t', 'c'));
        await store.recordLinkConfirmed('tenant-a', 't', 'c', { keyVersion: 1, at: '2026-12-01T10:00:00.000Z' });

        // Act
        await store.recordLinkConfirmed('tenant-a', 't', 'c', { keyVersion: 1, at: '2026-12-01T12:00:00.000Z' });
        const missing = await codeOfAsync(() =>
          store.recordLinkConfirmed('tenant-a', 't', 'gone', { keyVersion: 1, at: '2026-12-01T12:00:00.000Z' }),
        );

        // Assess
        expect((await store.listLinksOfClient('tenant-a', 'c', { limit: 10 })).items[0]?.confirmed).toEqual({
          keyVersion: 1,
          at: '2026-12-01T12:00:00.000Z',
        });
        expect(missing).toBe('ok');
        expect(await store.getLink('tenant-a', 't', 'gone')).toBeUndefined();
        expect(await store.countClientsOfTopic('tenant-a', 't')).toBe(1);
        expect(await store.listLinksOfClient('tenant-a', 'gone', { limit: 10 })).toEqual({ items: [] });
      });

      it('lists the links of every client after a client id, in client id then topic hash order, 100 at most a read', async () => {
        // Prepare: 4 clients on 3 topics (12 links), one confirmed, and another tenant's link
        const store = await build();
        const clients = ['lc-1', 'lc-2', 'lc-3', 'lc-4'];
        const topics = ['lt-1', 'lt-2', 'lt-3'];
        await inParallel(
          clients.flatMap((clientName) => topics.map((topic) => ({ clientName, topic }))),
          (ends) => store.putLink(linkRecord(ends.topic, ends.clientName)),
        );
        await store.putLink(linkRecord('lt-1', 'lc-1', { tenantId: 'tenant-b' }));
        await store.recordLinkConfirmed('tenant-a', 'lt-2', 'lc-3', { keyVersion: 4, at: '2026-12-01T00:00:00.000Z' });
        const ordered = inIdOrder(clients);

        // Act
        const all = await store.listLinksAfterClient('tenant-a', { limit: 100 });
        const firstFive = await store.listLinksAfterClient('tenant-a', { limit: 5 });
        const afterSecond = await store.listLinksAfterClient('tenant-a', {
          afterClientId: bytesToHex(hashIdAlias(ordered[1]!)),
          limit: 100,
        });
        // From inside a client's links: after its first topic, after its last.
        const [firstTopic, , lastTopic] = inHashOrder(topics);
        const insideSecond = await store.listLinksAfterClient('tenant-a', {
          afterClientId: bytesToHex(hashIdAlias(ordered[1]!)),
          afterTopicHash: bytesToHex(hashTopic(firstTopic!)),
          limit: 3,
        });
        const endOfSecond = await store.listLinksAfterClient('tenant-a', {
          afterClientId: bytesToHex(hashIdAlias(ordered[1]!)),
          afterTopicHash: bytesToHex(hashTopic(lastTopic!)),
          limit: 100,
        });

        // Assess
        const expected = ordered.flatMap((clientName) => inHashOrder(topics).map((topic) => ({ clientName, topic })));
        const ends = (links: readonly { clientName: string; topic: string }[]) =>
          links.map(({ clientName, topic }) => ({ clientName, topic }));
        expect(ends(all.links)).toEqual(expected);
        expect(all.more).toBe(false);
        expect(all.links.find((l) => l.clientName === 'lc-3' && l.topic === 'lt-2')?.confirmed?.keyVersion).toBe(4);
        expect(ends(firstFive.links)).toEqual(expected.slice(0, 5));
        expect(firstFive.more).toBe(true);
        expect(ends(afterSecond.links)).toEqual(expected.slice(6));
        expect(ends(insideSecond.links)).toEqual(expected.slice(4, 7));
        expect(insideSecond.more).toBe(true);
        expect(ends(endOfSecond.links)).toEqual(expected.slice(6));
      });

      it('lists the clients holding a pending identity key within a window of client ids, a bounded read at a time', async () => {
        // Prepare: 6 clients, 3 with a pending key
        const store = await build();
        const names = ['pk-1', 'pk-2', 'pk-3', 'pk-4', 'pk-5', 'pk-6'];
        await inParallel(names, (n) => store.createClient(clientRecord(n)));
        const pending = ['pk-2', 'pk-4', 'pk-6'];
        await inParallel(pending, (n) =>
          store.setClientPendingKey('tenant-a', n, { wrappedKey: new Uint8Array(40).fill(1), keyVersion: 2 }, 1),
        );
        const ordered = inIdOrder(names);
        const hex = (name: string) => bytesToHex(hashIdAlias(name));

        // Act
        const all = await store.listClientsWithPendingKey('tenant-a', { limit: 100 });
        const window = await store.listClientsWithPendingKey('tenant-a', {
          afterClientId: hex(ordered[0]!),
          throughClientId: hex(ordered[3]!),
          limit: 100,
        });
        const firstTwo = await store.listClientsWithPendingKey('tenant-a', { limit: 2 });
        const other = await store.listClientsWithPendingKey('tenant-b', { limit: 100 });

        // Assess
        expect(all.clients.map((c) => c.name)).toEqual(inIdOrder(pending));
        expect(all.examinedThrough).toBeUndefined();
        expect(all.clients[0]?.pending?.keyVersion).toBe(2);
        expect(window.clients.map((c) => c.name)).toEqual(ordered.slice(1, 4).filter((n) => pending.includes(n)));
        expect(firstTwo.clients.map((c) => c.name)).toEqual(ordered.slice(0, 2).filter((n) => pending.includes(n)));
        expect(firstTwo.examinedThrough).toBe(hex(ordered[1]!));
        expect(other).toEqual({ clients: [] });
      });

      it('reads topics by name in a batch, those that exist, in the order asked', async () => {
        // Prepare
        const store = await build();
        await inParallel(['gt-1', 'gt-2', 'gt-3'], (t) => store.createTopic(topicRecord(t)));

        // Act
        const read = await store.getTopics('tenant-a', ['gt-3', 'gt-none', 'gt-1', 'gt-3']);
        const other = await store.getTopics('tenant-b', ['gt-1']);

        // Assess
        expect(read.map((t) => t.topic)).toEqual(['gt-3', 'gt-1', 'gt-3']);
        expect(other).toEqual([]);
      });

      it('deletes a link from both sides; deleting it again, or one never made, is no error', async () => {
        // Prepare
        const store = await build();
        await store.putLink(linkRecord('t', 'c'));
        await store.putLink(linkRecord('t', 'd'));

        // Act
        await store.deleteLink('tenant-a', 't', 'c');
        const again = await codeOfAsync(() => store.deleteLink('tenant-a', 't', 'c'));
        const never = await codeOfAsync(() => store.deleteLink('tenant-a', 'x', 'y'));

        // Assess
        expect(await store.getLink('tenant-a', 't', 'c')).toBeUndefined();
        expect((await store.listClientsOfTopic('tenant-a', 't', { limit: 10 })).items).toEqual(['d']);
        expect((await store.listTopicsOfClient('tenant-a', 'c', { limit: 10 })).items).toEqual([]);
        expect(await store.countTopicsOfClient('tenant-a', 'c')).toBe(0);
        expect([again, never]).toEqual(['ok', 'ok']);
      });

      it('lists one topic (or client) only, not those whose names it prefixes: a, a/b, ab', async () => {
        // Prepare
        const store = await build();
        for (const [topic, client] of [
          ['a', 'c1'],
          ['a/b', 'c2'],
          ['ab', 'c3'],
          ['a', 'c4'],
          ['x', 'd'],
          ['y', 'd/e'],
          ['z', 'de'],
        ] as const) {
          await store.putLink(linkRecord(topic, client));
        }

        // Act
        const clientsOf = (topic: string) => store.listClientsOfTopic('tenant-a', topic, { limit: 10 });
        const topicsOf = (client: string) => store.listTopicsOfClient('tenant-a', client, { limit: 10 });

        // Assess
        expect((await clientsOf('a')).items).toEqual(inIdOrder(['c1', 'c4']));
        expect((await clientsOf('a/b')).items).toEqual(['c2']);
        expect((await clientsOf('ab')).items).toEqual(['c3']);
        expect(await store.countClientsOfTopic('tenant-a', 'a')).toBe(2);
        expect((await topicsOf('d')).items).toEqual(['x']);
        expect(await store.countTopicsOfClient('tenant-a', 'd')).toBe(1);
      });

      it('stays apart from topics and clients: their lists and counts see no link items', async () => {
        // Prepare
        const store = await build();
        const topic = topicRecord('t');
        const client = clientRecord('c');
        await store.createTopic(topic);
        await store.createClient(client);

        // Act
        await store.putLink(linkRecord('t', 'c'));
        await store.putLink(linkRecord('t', 'other'));

        // Assess
        expect((await store.listTopics('tenant-a', { limit: 10 })).items).toEqual([topic]);
        expect((await store.listClients('tenant-a', { limit: 10 })).items).toEqual([client]);
        expect(await store.countTopics('tenant-a')).toBe(1);
        expect(await store.countClients('tenant-a')).toBe(1);
        expect(await store.getTopic('tenant-a', 't')).toEqual(topic);
      });

      it("refuses a cursor of another list: another topic's, a client's, another tenant's (INVALID_CURSOR)", async () => {
        // Prepare
        const store = await build();
        for (const client of ['c1', 'c2', 'c3']) {
          await store.putLink(linkRecord('a', client));
          await store.putLink(linkRecord('ab', client));
          await store.putLink(linkRecord('a', client, { tenantId: 'tenant-b' }));
        }
        const { cursor } = await store.listClientsOfTopic('tenant-a', 'a', { limit: 1 });
        const request = { limit: 1, cursor: cursor! };

        // Act
        const own = await store.listClientsOfTopic('tenant-a', 'a', request);
        const refused = await Promise.all([
          codeOfAsync(() => store.listClientsOfTopic('tenant-a', 'ab', request)),
          codeOfAsync(() => store.listClientsOfTopic('tenant-b', 'a', request)),
          codeOfAsync(() => store.listTopicsOfClient('tenant-a', 'a', request)),
          codeOfAsync(() => store.listTopics('tenant-a', request)),
        ]);

        // Assess
        expect(own.items).toEqual([inIdOrder(['c1', 'c2', 'c3'])[1]]);
        expect(refused).toEqual(Array(4).fill(C2ErrorCode.InvalidCursor));
      });

      it('keeps tenants apart', async () => {
        // Prepare
        const store = await build();

        // Act
        await store.putLink(linkRecord('t', 'c'));
        await store.putLink(linkRecord('t', 'd', { tenantId: 'tenant-b' }));

        // Assess
        expect((await store.listClientsOfTopic('tenant-a', 't', { limit: 10 })).items).toEqual(['c']);
        expect((await store.listClientsOfTopic('tenant-b', 't', { limit: 10 })).items).toEqual(['d']);
        expect(await store.getLink('tenant-b', 't', 'c')).toBeUndefined();
        expect(await store.countTopicsOfClient('tenant-b', 'c')).toBe(0);
        expect(await store.countClientsOfTopic('tenant-c', 't')).toBe(0);
      });
    });

    describe('claims of E4 ids', () => {
      it('one tenant holds an id: claimed, held again by the same tenant, taken for another; released by its holder only', async () => {
        // Prepare
        const store = await build();
        const id = hashIdAlias('device-0001');

        // Act
        const first = await store.claimClientId('tenant-a', id, '2026-11-23T00:00:00.000Z');
        const again = await store.claimClientId('tenant-a', id, '2026-11-24T00:00:00.000Z');
        const other = await store.claimClientId('tenant-b', id, '2026-11-24T00:00:00.000Z');
        await store.releaseClientId('tenant-b', id); // not its own: nothing
        const held = await store.getClientIdClaim(id);
        await store.releaseClientId('tenant-a', id, { claimedAt: '2026-11-24T00:00:00.000Z' }); // not that claim
        const stillHeld = await store.getClientIdClaim(id);
        await store.releaseClientId('tenant-a', id);
        await store.releaseClientId('tenant-a', id); // again: nothing
        const released = await store.getClientIdClaim(id);
        const byB = await store.claimClientId('tenant-b', id, '2026-11-25T00:00:00.000Z');

        // Assess
        expect([first, again, other, byB]).toEqual(['claimed', 'held', 'taken', 'claimed']);
        expect(held).toEqual({ tenantId: 'tenant-a', claimedAt: '2026-11-23T00:00:00.000Z' });
        expect(stillHeld).toEqual(held);
        expect(released).toBeUndefined();
        expect(await store.getClientIdClaim(id)).toEqual({
          tenantId: 'tenant-b',
          claimedAt: '2026-11-25T00:00:00.000Z',
        });
        expect(await store.getClientIdClaim(hashIdAlias('device-0002'))).toBeUndefined();
      });

      concurrent('of many tenants claiming one id at once, exactly one wins', async () => {
        // Prepare
        const store = await build();
        const id = hashIdAlias('contested');
        const tenants = Array.from({ length: 8 }, (_, i) => `tenant-${i}`);

        // Act
        const outcomes = await Promise.all(
          tenants.map((tenant) => store.claimClientId(tenant, id, '2026-11-23T00:00:00.000Z')),
        );

        // Assess
        expect(outcomes.filter((outcome) => outcome === 'claimed')).toHaveLength(1);
        expect(outcomes.filter((outcome) => outcome === 'taken')).toHaveLength(7);
        const winner = tenants[outcomes.indexOf('claimed')];
        expect((await store.getClientIdClaim(id))?.tenantId).toBe(winner);
      });

      it('claims are apart from client records: a client of the id in a tenant does not hold it', async () => {
        // Prepare
        const store = await build();
        await store.createClient(clientRecord('device-0001'));

        // Act
        const claim = await store.getClientIdClaim(hashIdAlias('device-0001'));
        const outcome = await store.claimClientId('tenant-b', hashIdAlias('device-0001'), '2026-11-23T00:00:00.000Z');

        // Assess
        expect(claim).toBeUndefined();
        expect(outcome).toBe('claimed');
        expect(await store.getClient('tenant-a', 'device-0001')).toBeDefined();
        expect(await store.countClients('tenant-b')).toBe(0);
      });

      it("stores a broker password's hash for the holder only; released with the claim", async () => {
        // Prepare
        const store = await build();
        const id = hashIdAlias('device-0001');
        await store.claimClientId('tenant-a', id, '2026-11-23T00:00:00.000Z');
        const hash = randomKey();

        // Act
        const byOther = await store.setMqttSecretHash('tenant-b', id, randomKey());
        const byHolder = await store.setMqttSecretHash('tenant-a', id, hash);
        const unclaimed = await store.setMqttSecretHash('tenant-a', hashIdAlias('device-0002'), randomKey());
        const stored = await store.getClientIdClaim(id);
        await store.claimClientId('tenant-a', id, '2026-11-24T00:00:00.000Z');
        const afterClaim = await store.getClientIdClaim(id);
        await store.releaseClientId('tenant-a', id);
        await store.claimClientId('tenant-a', id, '2026-11-25T00:00:00.000Z');

        // Assess
        expect([byOther, byHolder, unclaimed]).toEqual([false, true, false]);
        expect(stored).toEqual({ tenantId: 'tenant-a', claimedAt: '2026-11-23T00:00:00.000Z', mqttSecretHash: hash });
        expect(afterClaim?.mqttSecretHash).toEqual(hash);
        expect(await store.getClientIdClaim(id)).toEqual({
          tenantId: 'tenant-a',
          claimedAt: '2026-11-25T00:00:00.000Z',
        });
        expect(await store.getClientIdClaim(hashIdAlias('device-0002'))).toBeUndefined();
      });
    });

    describe('tenant limits and counters', () => {
      it('keeps the limits set, per tenant; null takes one back to its default (absent)', async () => {
        const store = await build();
        expect(await store.getTenantLimits('tenant-a')).toEqual({});
        await store.setTenantLimits('tenant-a', { maxClients: 5, maxTopics: 7 });
        await store.setTenantLimits('tenant-a', { maxPolicies: 3, maxTopics: null, requestsPerMinute: 60 });
        expect(await store.getTenantLimits('tenant-a')).toEqual({
          maxClients: 5,
          maxPolicies: 3,
          requestsPerMinute: 60,
        });
        expect(await store.getTenantLimits('tenant-b')).toEqual({});
      });

      it('counts a creation only on a started counter below the limit; a record that exists is ALREADY_EXISTS, counted nothing', async () => {
        // Prepare
        const store = await build();
        const quota = { max: 2 };

        // Act
        const uncounted = await store.createTopic(topicRecord('t-1'), quota);
        expect(await store.setCount('tenant-a', 'topics', 0, undefined)).toBe(true);
        const made = [
          await store.createTopic(topicRecord('t-1'), quota),
          await store.createTopic(topicRecord('t-2'), quota),
        ];
        const full = await store.createTopic(topicRecord('t-3'), quota);
        const exists = await codeOfAsync(() => store.createTopic(topicRecord('t-1'), { max: 5 }));
        await store.setCount('tenant-a', 'clients', 0, undefined);
        const client = await store.createClient(clientRecord('c-1'), { max: 1 });
        const clientsFull = await store.createClient(clientRecord('c-2'), { max: 1 });

        // Assess
        expect([uncounted, ...made, full, exists]).toEqual([
          'uncounted',
          'created',
          'created',
          'full',
          C2ErrorCode.AlreadyExists,
        ]);
        expect([client, clientsFull]).toEqual(['created', 'full']);
        expect(await store.getTopic('tenant-a', 't-3')).toBeUndefined();
        expect(await store.getClient('tenant-a', 'c-2')).toBeUndefined();
        expect(await store.countTopics('tenant-a')).toBe(2);
        expect(await store.getCounts('tenant-a')).toEqual({ topics: 2, clients: 1 });
        expect(await store.getCounts('tenant-b')).toEqual({});
      });

      it('a deletion gives its slot back in the same write, once: a record already gone is NOT_FOUND and takes nothing', async () => {
        // Prepare: two counted clients and a topic; tenant-b's records are from before the counters
        const store = await build();
        await store.setCount('tenant-a', 'clients', 0, undefined);
        await store.setCount('tenant-a', 'topics', 0, undefined);
        for (const name of ['c-1', 'c-2']) await store.createClient(clientRecord(name), { max: 5 });
        await store.createTopic(topicRecord('t-1'), { max: 5 });
        await store.createClient(clientRecord('old', { tenantId: 'tenant-b' }));

        // Act
        await store.deleteClient('tenant-a', 'c-1');
        const again = await codeOfAsync(() => store.deleteClient('tenant-a', 'c-1'));
        await store.deleteTopic('tenant-a', 't-1');
        const topicAgain = await codeOfAsync(() => store.deleteTopic('tenant-a', 't-1'));
        await store.deleteClient('tenant-b', 'old');

        // Assess
        expect([again, topicAgain]).toEqual([C2ErrorCode.NotFound, C2ErrorCode.NotFound]);
        expect(await store.getClient('tenant-a', 'c-1')).toBeUndefined();
        expect(await store.getCounts('tenant-a')).toEqual({ clients: 1, topics: 0 });
        expect(await store.getClient('tenant-b', 'old')).toBeUndefined();
        expect(await store.getCounts('tenant-b')).toEqual({});
      });

      it('a record write that fails leaves the counter as it was (the record and its count are one write: no crash comes between)', async () => {
        // Prepare
        const store = await build();
        await store.setCount('tenant-a', 'clients', 0, undefined);
        await store.createClient(clientRecord('c-1'), { max: 5 });

        // A crash between the record's write and its counter's cannot be expressed any more: they are one request.
        // What is checked instead: a write of the record that fails fails the counter's with it.
        // Act: a record over DynamoDB's 400 KB item size, refused by the store itself
        const tooLarge = await store
          .createClient(clientRecord('c-2', { wrappedKey: new Uint8Array(500_000) }), { max: 5 })
          .then(
            () => 'written',
            () => 'refused',
          );

        // Assess
        expect(tooLarge).toBe('refused');
        expect(await store.getClient('tenant-a', 'c-2')).toBeUndefined();
        expect(await store.getCounts('tenant-a')).toEqual({ clients: 1 });
      });

      concurrent('20 counted creations at once at a limit of 5: exactly 5 records, counted 5', async () => {
        const store = await build();
        await store.setCount('tenant-a', 'topics', 0, undefined);
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.createTopic(topicRecord(`race-${i}`), { max: 5 })),
        );
        expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(5);
        expect(outcomes.filter((outcome) => outcome === 'full')).toHaveLength(15);
        expect(await store.countTopics('tenant-a')).toBe(5);
        expect(await store.getCounts('tenant-a')).toEqual({ topics: 5 });
      });

      concurrent(
        '10 deletions of one record at once: one deletes it and gives its slot back, the others NOT_FOUND',
        async () => {
          const store = await build();
          await store.setCount('tenant-a', 'clients', 0, undefined);
          for (const name of ['c-1', 'c-2']) await store.createClient(clientRecord(name), { max: 5 });
          const codes = await Promise.all(
            Array.from({ length: 10 }, () => codeOfAsync(() => store.deleteClient('tenant-a', 'c-1'))),
          );
          expect(codes.filter((code) => code === 'ok')).toHaveLength(1);
          expect(codes.filter((code) => code === C2ErrorCode.NotFound)).toHaveLength(9);
          expect(await store.getCounts('tenant-a')).toEqual({ clients: 1 });
        },
      );

      it('sets a counter only from the value it was read at (recounts), or starts it when expected is undefined', async () => {
        const store = await build();
        expect(await store.setCount('tenant-a', 'topics', 4, 2)).toBe(false);
        expect(await store.setCount('tenant-a', 'topics', 4, undefined)).toBe(true);
        expect(await store.setCount('tenant-a', 'topics', 3, 5)).toBe(false);
        expect(await store.setCount('tenant-a', 'topics', 3, 4)).toBe(true);
        expect(await store.getCounts('tenant-a')).toEqual({ topics: 3 });
      });

      it('counts requests per tenant and window up to the limit; another tenant or window has its own count', async () => {
        const store = await build();
        const window = Date.parse('2026-12-01T10:00:00.000Z');
        const expiresAt = Math.ceil(window / 1000) + 120;
        const counted = [];
        for (let i = 0; i < 4; i++) counted.push(await store.countRequest('tenant-a', window, 3, expiresAt));
        expect(counted).toEqual([true, true, true, false]);
        expect(await store.countRequest('tenant-b', window, 3, expiresAt)).toBe(true);
        expect(await store.countRequest('tenant-a', window + 60_000, 3, expiresAt + 60)).toBe(true);
        // A lower limit set meanwhile refuses at once; a higher one grants again.
        expect(await store.countRequest('tenant-a', window, 2, expiresAt)).toBe(false);
        expect(await store.countRequest('tenant-a', window, 4, expiresAt)).toBe(true);
      });

      concurrent('20 requests at once at a limit of 5: exactly 5 counted', async () => {
        const store = await build();
        const window = Date.parse('2026-12-01T10:00:00.000Z');
        const counted = await Promise.all(
          Array.from({ length: 20 }, () => store.countRequest('tenant-a', window, 5, Math.ceil(window / 1000) + 120)),
        );
        expect(counted.filter(Boolean)).toHaveLength(5);
      });

      it('the limits and counters are no client, topic or other record of the tenant', async () => {
        const store = await build();
        await store.setTenantLimits('tenant-a', { maxClients: 5 });
        await store.setCount('tenant-a', 'clients', 3, undefined);
        await store.countRequest('tenant-a', Date.parse('2026-12-01T10:00:00.000Z'), 5, 1_800_000_000);
        expect(await store.countClients('tenant-a')).toBe(0);
        expect(await store.countTopics('tenant-a')).toBe(0);
        expect(await store.countApiKeys('tenant-a')).toBe(0);
      });
    });

    describe('the tenants registry', () => {
      const tenant = (id: string, status: TenantStatus = 'active'): TenantRecord => ({
        id,
        status,
        createdAt: '2026-12-01T00:00:00.000Z',
        updatedAt: '2026-12-01T00:00:00.000Z',
      });

      it('registers a tenant once (ALREADY_EXISTS after), reads it back, lists in id order a page at a time', async () => {
        const store = await build();
        await store.createTenant({ ...tenant('tenant-b'), displayName: 'B' });
        await store.createTenant(tenant('tenant-a'));
        await store.createTenant(tenant('tenant-c'));
        expect(await codeOfAsync(() => store.createTenant(tenant('tenant-a', 'suspended')))).toBe(
          C2ErrorCode.AlreadyExists,
        );
        expect(await store.getTenant('tenant-b')).toEqual({ ...tenant('tenant-b'), displayName: 'B' });
        expect(await store.getTenant('tenant-a')).toEqual(tenant('tenant-a'));
        expect(await store.getTenant('tenant-z')).toBeUndefined();
        const first = await store.listTenants({ limit: 2 });
        expect(first.items.map((record) => record.id)).toEqual(['tenant-a', 'tenant-b']);
        const rest = await store.listTenants({ limit: 2, cursor: first.cursor! });
        expect(rest.items.map((record) => record.id)).toEqual(['tenant-c']);
        expect(await codeOfAsync(() => store.listTenants({ limit: 2, cursor: 'abc' }))).toBe(C2ErrorCode.InvalidCursor);
      });

      it('changes a status only from one expected: CONCURRENT_UPDATE from another, NOT_FOUND unregistered', async () => {
        const store = await build();
        await store.createTenant(tenant('tenant-a'));
        const at = '2026-12-02T00:00:00.000Z';
        const suspended = await store.setTenantStatus('tenant-a', { status: 'suspended', from: ['active'], at });
        expect(suspended).toEqual({ ...tenant('tenant-a', 'suspended'), updatedAt: at });
        expect(
          await codeOfAsync(() => store.setTenantStatus('tenant-a', { status: 'active', from: ['active'], at })),
        ).toBe(C2ErrorCode.ConcurrentUpdate);
        expect(
          await codeOfAsync(() => store.setTenantStatus('tenant-z', { status: 'active', from: ['active'], at })),
        ).toBe(C2ErrorCode.NotFound);
        const deleting = await store.setTenantStatus('tenant-a', {
          status: 'deleting',
          from: ['active', 'suspended'],
          at,
          deletionId: '01KBKX0QJ0ABCDEFGHJKMNPQRS',
        });
        expect(deleting).toMatchObject({ status: 'deleting', deletionId: '01KBKX0QJ0ABCDEFGHJKMNPQRS' });
        await store.deleteTenantRecord('tenant-a');
        await store.deleteTenantRecord('tenant-a');
        expect(await store.getTenant('tenant-a')).toBeUndefined();
      });

      it("sweeps a tenant's records, whatever their kind, a page at a time, and nothing of another tenant", async () => {
        const store = await build();
        await inParallel(['a-1', 'a-2', 'a-3'], (name) => store.createClient(clientRecord(name)));
        await store.createTopic(topicRecord('a/t'));
        await store.createApiKey(apiKeyRecord('00000000000000a1'));
        await store.setTenantLimits('tenant-a', { maxClients: 5 });
        await store.createTenant(tenant('tenant-a'));
        await store.createClient(clientRecord('b-1', { tenantId: 'tenant-b' }));

        expect(await store.deleteTenantItems('tenant-a', 2)).toBe(2);
        let swept = 2;
        for (
          let page = await store.deleteTenantItems('tenant-a', 2);
          page > 0;
          page = await store.deleteTenantItems('tenant-a', 2)
        ) {
          swept += page;
        }

        expect(swept).toBe(6);
        expect(await store.countClients('tenant-a')).toBe(0);
        expect(await store.countApiKeys('tenant-a')).toBe(0);
        expect(await store.getTenantLimits('tenant-a')).toEqual({});
        // The registry item and another tenant's records are no records of the tenant.
        expect(await store.getTenant('tenant-a')).toEqual(tenant('tenant-a'));
        expect(await store.countClients('tenant-b')).toBe(1);
      });
    });

    describe('the tenant fence', () => {
      it('a writer raises it while no other holds it (or its lease ended); readers enter only while it is down', async () => {
        // Prepare
        const store = await build();
        await store.enterFence('tenant-a', { reader: 'r1', now: 1000, until: 5000 });

        // Act
        await store.raiseFence('tenant-a', { owner: 'w1', now: 1000, until: 3000 });
        const otherWriter = await codeOfAsync(() =>
          store.raiseFence('tenant-a', { owner: 'w2', now: 2000, until: 4000 }),
        );
        const newReader = await codeOfAsync(() =>
          store.enterFence('tenant-a', { reader: 'r2', now: 2000, until: 6000 }),
        );
        await store.enterFence('tenant-a', { reader: 'r1', now: 2000, until: 6000 }); // in already: extended
        await store.raiseFence('tenant-a', { owner: 'w1', now: 2500, until: 3500 }); // its own: extended
        const fence = await store.getFence('tenant-a');
        await store.enterFence('tenant-b', { reader: 'r3', now: 2000, until: 6000 }); // another tenant's is down
        await store.raiseFence('tenant-a', { owner: 'w2', now: 3500, until: 9000 }); // w1's lease ended

        // Assess
        expect(otherWriter).toBe(C2ErrorCode.ConcurrentUpdate);
        expect(newReader).toBe(C2ErrorCode.ConcurrentUpdate);
        expect(fence).toEqual({ writer: { owner: 'w1', until: 3500 }, readers: { r1: 6000 } });
        expect((await store.getFence('tenant-a')).writer).toEqual({ owner: 'w2', until: 9000 });
      });

      it('a reader whose stay ended is not let back in while the fence is up; leaving and lowering are idempotent', async () => {
        // Prepare
        const store = await build();
        await store.enterFence('tenant-a', { reader: 'r1', now: 1000, until: 2000 });
        await store.raiseFence('tenant-a', { owner: 'w', now: 1500, until: 9000 });

        // Act
        const late = await codeOfAsync(() => store.enterFence('tenant-a', { reader: 'r1', now: 2500, until: 3500 }));
        await store.leaveFence('tenant-a', 'r1');
        await store.leaveFence('tenant-a', 'r1');
        await store.lowerFence('tenant-a', 'someone-else');
        const stillUp = await store.getFence('tenant-a');
        await store.lowerFence('tenant-a', 'w');
        await store.lowerFence('tenant-a', 'w');
        await store.enterFence('tenant-a', { reader: 'r2', now: 3000, until: 4000 });

        // Assess
        expect(late).toBe(C2ErrorCode.ConcurrentUpdate);
        expect(stillUp).toEqual({ writer: { owner: 'w', until: 9000 }, readers: {} });
        expect(await store.getFence('tenant-a')).toEqual({ readers: { r2: 4000 } });
        expect(await store.getFence('tenant-c')).toEqual({ readers: {} });
      });
    });

    describe('C2 key', () => {
      it('creates the key pair of a tenant and reads it back; a second is ALREADY_EXISTS', async () => {
        // Prepare
        const store = await build();
        const key = c2KeyRecord();

        // Act
        await store.createC2Key(key);
        const again = await codeOfAsync(() => store.createC2Key(c2KeyRecord()));

        // Assess
        expect(again).toBe(C2ErrorCode.AlreadyExists);
        expect(await store.getC2Key('tenant-a')).toEqual(key);
        expect(await store.getC2Key('tenant-b')).toBeUndefined();
      });

      it('stores a pending key, then promotes it, each from the versions it was read at', async () => {
        // Prepare
        const store = await build();
        const current = c2KeyRecord();
        await store.createC2Key(current);
        const pending = { publicKey: randomKey(), wrappedKey: randomKey(), keyVersion: 2 };
        const withPending = { ...current, pending, updatedAt: '2026-11-23T04:00:00.000Z' };
        const promoted = {
          ...current,
          publicKey: pending.publicKey,
          wrappedKey: pending.wrappedKey,
          keyVersion: 2,
          updatedAt: '2026-11-23T05:00:00.000Z',
        };

        // Act
        await store.replaceC2Key(withPending, { keyVersion: 1, pendingVersion: undefined });
        const afterPending = await store.getC2Key('tenant-a');
        await store.replaceC2Key(promoted, { keyVersion: 1, pendingVersion: 2 });

        // Assess
        expect(afterPending).toEqual(withPending);
        const stored = await store.getC2Key('tenant-a');
        expect(stored).toEqual(promoted);
        expect(stored?.pending).toBeUndefined();
      });

      it('refuses stale expected versions (CONCURRENT_UPDATE) and a tenant without a key (NOT_FOUND)', async () => {
        // Prepare: tenant-a's key is version 1 with pending version 2; tenant-c's is version 1 with none pending
        const store = await build();
        const pending = { publicKey: randomKey(), wrappedKey: randomKey(), keyVersion: 2 };
        const stored = c2KeyRecord({ pending });
        const storedWithout = c2KeyRecord({ tenantId: 'tenant-c' });
        await store.createC2Key(stored);
        await store.createC2Key(storedWithout);
        const replacement = c2KeyRecord({ keyVersion: 3 });

        // Act
        const attempts = await Promise.all(
          [
            { keyVersion: 1, pendingVersion: undefined },
            { keyVersion: 1, pendingVersion: 3 },
            { keyVersion: 2, pendingVersion: 2 },
          ].map((expected) => codeOfAsync(() => store.replaceC2Key(replacement, expected))),
        );
        const noneExpected = await codeOfAsync(() =>
          store.replaceC2Key(c2KeyRecord({ tenantId: 'tenant-c', keyVersion: 2 }), {
            keyVersion: 1,
            pendingVersion: 2,
          }),
        );
        const missing = await codeOfAsync(() =>
          store.replaceC2Key(c2KeyRecord({ tenantId: 'tenant-b' }), { keyVersion: 1, pendingVersion: undefined }),
        );

        // Assess
        expect(attempts).toEqual(Array(3).fill(C2ErrorCode.ConcurrentUpdate));
        expect(await store.getC2Key('tenant-a')).toEqual(stored);
        expect(noneExpected).toBe(C2ErrorCode.ConcurrentUpdate);
        expect(await store.getC2Key('tenant-c')).toEqual(storedWithout);
        expect(missing).toBe(C2ErrorCode.NotFound);
        expect(await store.getC2Key('tenant-b')).toBeUndefined();
      });
    });

    describe('event log', () => {
      it('lists events newest first, page by page; appending an id again is ALREADY_EXISTS', async () => {
        // Prepare: 12 events appended out of order
        const store = await build();
        const events = Array.from({ length: 12 }, (_, i) => eventRecord(i));
        for (const i of [5, 0, 11, 3, 8, 1, 10, 2, 7, 4, 9, 6]) await store.appendEvent(events[i]!);

        // Act
        const listed = await readAll((cursor) => store.listEvents('tenant-a', {}, page(5, cursor)));
        const again = await codeOfAsync(() => store.appendEvent(eventRecord(3, { action: 'client.create' })));

        // Assess
        expect(unchained(listed.items)).toEqual([...events].reverse());
        expect(listed.pages).toBe(3);
        expect(again).toBe(C2ErrorCode.AlreadyExists);
        expect(listed.items.map((event) => event.seq)).toEqual([3, 7, 11, 5, 9, 12, 1, 10, 4, 8, 6, 2]);
      });

      it('keeps details as JSON, and optional fields only when given', async () => {
        // Prepare
        const store = await build();
        const failed = eventRecord(1, {
          action: 'link.delete',
          target: { type: 'link', name: 'sensors/temp c-1' },
          result: 'error',
          errorCode: 'NOT_FOUND',
          details: { keyVersion: 2, undelivered: ['c-1', 'c-2'], nested: { none: null, yes: true, text: 'é"\u0000' } },
        });
        const plain = eventRecord(2);

        // Act
        await store.appendEvent(failed);
        await store.appendEvent(plain);

        // Assess
        const { items } = await store.listEvents('tenant-a', {}, { limit: 10 });
        expect(unchained(items)).toEqual([plain, failed]);
        expect(Object.keys(items[0]!).sort()).toEqual([...Object.keys(plain), 'seq', 'prevHash', 'hash'].sort());
      });

      it("keeps tenants apart, and refuses another tenant's cursor", async () => {
        // Prepare
        const store = await build();
        for (let i = 0; i < 3; i++) await store.appendEvent(eventRecord(i));
        const other = eventRecord(0, { tenantId: 'tenant-b' });

        // Act
        await store.appendEvent(other);

        // Assess
        expect(unchained((await store.listEvents('tenant-b', {}, { limit: 10 })).items)).toEqual([other]);
        const { cursor } = await store.listEvents('tenant-a', {}, { limit: 1 });
        expect(cursor).toBeDefined();
        expect(await codeOfAsync(() => store.listEvents('tenant-b', {}, { limit: 1, cursor: cursor! }))).toBe(
          C2ErrorCode.InvalidCursor,
        );
      });

      concurrent("chains each tenant's records in the order appended, however many are appended at once", async () => {
        // Prepare
        const store = await build();
        await store.appendEvent(eventRecord(0, { tenantId: 'tenant-b' }));

        // Act: one alone, then 20 at once, then one carrying chain fields of its own (ignored)
        await store.appendEvent(eventRecord(30));
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendEvent(eventRecord(i + 1))));
        await store.appendEvent(eventRecord(40, { seq: 99, prevHash: 'f'.repeat(64), hash: 'f'.repeat(64) }));

        // Assess
        const { items } = await readAll((cursor) =>
          store.listEvents('tenant-a', { oldestFirst: true }, page(10, cursor)),
        );
        const bySeq = [...items].sort((a, b) => a.seq! - b.seq!);
        expect(bySeq.map((event) => event.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
        expect(bySeq[0]!.id).toBe(eventRecord(30).id);
        expect(bySeq[21]!.id).toBe(eventRecord(40).id);
        const lines = bySeq.map(({ tenantId: _, ...view }) => JSON.stringify(view));
        expect(verifyEventChain(lines)).toEqual({
          ok: true,
          events: 22,
          unchained: 0,
          firstSeq: 1,
          lastSeq: 22,
          head: bySeq[21]!.hash,
        });
        const [b] = (await store.listEvents('tenant-b', {}, { limit: 10 })).items;
        expect(b).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
      });

      describe('filters', () => {
        // Seconds 0..11: actors key-1/key-2 alternating, every third an error, 4 and 5 policy actions, 6 on a client.
        const log = Array.from({ length: 12 }, (_, i) =>
          eventRecord(i, {
            actor: i % 2 === 0 ? 'key-1' : 'key-2',
            ...(i % 3 === 0 ? { result: 'error' as const, errorCode: 'NOT_FOUND' } : {}),
            ...(i === 4 || i === 5 ? { action: 'policy.run' } : {}),
            ...(i === 6 ? { action: 'client.create', target: { type: 'client' as const, name: 'sensors/temp' } } : {}),
          }),
        );
        const second = (i: number) => log[i]!.at;
        const seconds = (events: readonly EventRecord[]) => events.map((event) => Number(event.at.slice(17, 19)));
        const built = async () => {
          const store = await build();
          for (const event of log) await store.appendEvent(event);
          await store.appendEvent(eventRecord(3, { tenantId: 'tenant-b' }));
          return store;
        };
        const listAll = (store: KeyStore, filter: EventFilter, limit = 3) =>
          readAll((cursor) => store.listEvents('tenant-a', filter, page(limit, cursor)));

        it('matches each field alone: actor, action or action prefix, target, result', async () => {
          // Prepare
          const store = await built();

          // Act
          const byActor = await listAll(store, { actor: 'key-2' });
          const byAction = await listAll(store, { action: 'policy.run' });
          const byPrefix = await listAll(store, { action: 'policy.' });
          const notAPrefix = await listAll(store, { action: 'policy' });
          const byTarget = await listAll(store, { target: { type: 'client', name: 'sensors/temp' } });
          const byResult = await listAll(store, { result: 'error' });

          // Assess
          expect(seconds(byActor.items)).toEqual([11, 9, 7, 5, 3, 1]);
          expect(seconds(byAction.items)).toEqual([5, 4]);
          expect(seconds(byPrefix.items)).toEqual([5, 4]);
          expect(notAPrefix.items).toEqual([]);
          expect(unchained(byTarget.items)).toEqual([log[6]]);
          expect(seconds(byResult.items)).toEqual([9, 6, 3, 0]);
        });

        it('reads a window from (included) to (left out), newest or oldest first, with the other filters', async () => {
          // Prepare
          const store = await built();

          // Act
          const window = await listAll(store, { from: second(3), to: second(8) });
          const fromOnly = await listAll(store, { from: second(10) });
          const toOnly = await listAll(store, { to: second(2) });
          const oldestFirst = await listAll(store, { from: second(3), to: second(8), oldestFirst: true });
          const together = await listAll(store, { from: second(2), to: second(11), actor: 'key-1', result: 'error' });
          const empty = await listAll(store, { from: second(8), to: second(8) });
          const reversed = await listAll(store, { from: second(8), to: second(3) });

          // Assess
          expect(seconds(window.items)).toEqual([7, 6, 5, 4, 3]);
          expect(seconds(fromOnly.items)).toEqual([11, 10]);
          expect(seconds(toOnly.items)).toEqual([1, 0]);
          expect(seconds(oldestFirst.items)).toEqual([3, 4, 5, 6, 7]);
          expect(seconds(together.items)).toEqual([6]);
          expect(empty.items).toEqual([]);
          expect(reversed.items).toEqual([]);
        });

        it('pages a filtered list to its end; a cursor outside the window is INVALID_CURSOR', async () => {
          // Prepare
          const store = await built();
          const { cursor } = await store.listEvents('tenant-a', {}, { limit: 1 });

          // Act
          const onePerPage = await listAll(store, { actor: 'key-1', from: second(1) }, 1);
          const outside = await codeOfAsync(() =>
            store.listEvents('tenant-a', { to: second(5) }, { limit: 1, cursor: cursor! }),
          );

          // Assess
          expect(seconds(onePerPage.items)).toEqual([10, 8, 6, 4, 2]);
          expect(outside).toBe(C2ErrorCode.InvalidCursor);
        });
      });
    });

    describe('API keys', () => {
      it('creates, reads and counts API keys per tenant; a key id taken is ALREADY_EXISTS', async () => {
        // Prepare
        const store = await build();
        const first = apiKeyRecord('k1');
        const second = apiKeyRecord('k2');
        const sameIdElsewhere = apiKeyRecord('k1', { tenantId: 'tenant-b', name: 'of b' });

        // Act
        await store.createApiKey(first);
        await store.createApiKey(second);
        await store.createApiKey(sameIdElsewhere);
        const again = await codeOfAsync(() => store.createApiKey(apiKeyRecord('k1', { name: 'another' })));

        // Assess
        expect(again).toBe(C2ErrorCode.AlreadyExists);
        expect(await store.getApiKey('tenant-a', 'k1')).toEqual(first);
        expect(await store.getApiKey('tenant-b', 'k1')).toEqual(sameIdElsewhere);
        expect(await store.getApiKey('tenant-b', 'k2')).toBeUndefined();
        expect(await store.countApiKeys('tenant-a')).toBe(2);
        expect(await store.countApiKeys('tenant-b')).toBe(1);
        expect(await store.countApiKeys('tenant-c')).toBe(0);
      });

      it("lists a tenant's keys in key id order, a page at a time, with their optional times", async () => {
        // Prepare
        const store = await build();
        const keys = [
          apiKeyRecord('k3', { scope: 'read-only', expiresAt: '2027-01-01T00:00:00.000Z' }),
          apiKeyRecord('k1', { scope: 'operator', revokedAt: '2026-11-24T00:00:00.000Z' }),
          apiKeyRecord('k2', {
            scope: 'enrol',
            rotatedAt: '2026-11-25T00:00:00.000Z',
            lastUsedAt: '2026-11-26T00:00:00.000Z',
          }),
        ];
        for (const key of keys) await store.createApiKey(key);
        await store.createApiKey(apiKeyRecord('k0', { tenantId: 'tenant-b' }));

        // Act
        const first = await store.listApiKeys('tenant-a', { limit: 2 });
        const second = await store.listApiKeys('tenant-a', { limit: 2, cursor: first.cursor! });

        // Assess
        expect([...first.items, ...second.items]).toEqual([keys[1], keys[2], keys[0]]);
        expect(second.cursor).toBeUndefined();
        expect(await codeOfAsync(() => store.listApiKeys('tenant-b', { limit: 2, cursor: first.cursor! }))).toBe(
          C2ErrorCode.InvalidCursor,
        );
      });

      it('replaces a secret only over the hash read and while the key is not revoked', async () => {
        // Prepare
        const store = await build();
        const key = apiKeyRecord('k1');
        await store.createApiKey(key);
        const next = { secretHash: randomKey(), prefix: 'k1.WxYz', rotatedAt: '2026-11-24T00:00:00.000Z' };

        // Act
        const stale = await codeOfAsync(() =>
          store.replaceApiKeySecret('tenant-a', 'k1', { ...next, expectedHash: randomKey() }),
        );
        await store.replaceApiKeySecret('tenant-a', 'k1', { ...next, expectedHash: key.secretHash });
        const missing = await codeOfAsync(() =>
          store.replaceApiKeySecret('tenant-a', 'k9', { ...next, expectedHash: key.secretHash }),
        );
        await store.revokeApiKey('tenant-a', 'k1', '2026-11-25T00:00:00.000Z');
        const revoked = await codeOfAsync(() =>
          store.replaceApiKeySecret('tenant-a', 'k1', { ...next, expectedHash: next.secretHash }),
        );

        // Assess
        expect(stale).toBe(C2ErrorCode.ConcurrentUpdate);
        expect(missing).toBe(C2ErrorCode.NotFound);
        expect(revoked).toBe(C2ErrorCode.ConcurrentUpdate);
        expect(await store.getApiKey('tenant-a', 'k1')).toEqual({
          ...key,
          secretHash: next.secretHash,
          prefix: 'k1.WxYz',
          rotatedAt: '2026-11-24T00:00:00.000Z',
          revokedAt: '2026-11-25T00:00:00.000Z',
        });
      });

      it('revokes once, undoes only its own revocation, and records a use at most once per interval', async () => {
        // Prepare
        const store = await build();
        await store.createApiKey(apiKeyRecord('k1'));
        const at = '2026-11-24T00:00:00.000Z';

        // Act
        await store.revokeApiKey('tenant-a', 'k1', at);
        const twice = await codeOfAsync(() => store.revokeApiKey('tenant-a', 'k1', '2026-11-24T00:00:01.000Z'));
        const missing = await codeOfAsync(() => store.revokeApiKey('tenant-b', 'k1', at));
        await store.unrevokeApiKey('tenant-a', 'k1', '2026-11-24T00:00:01.000Z');
        const stillRevoked = (await store.getApiKey('tenant-a', 'k1'))?.revokedAt;
        await store.unrevokeApiKey('tenant-a', 'k1', at);
        await store.recordApiKeyUsed('tenant-a', 'k1', '2026-11-24T00:01:00.000Z', '2026-11-24T00:00:00.000Z');
        await store.recordApiKeyUsed('tenant-a', 'k1', '2026-11-24T00:01:30.000Z', '2026-11-24T00:00:30.000Z');
        await store.recordApiKeyUsed('tenant-b', 'k1', '2026-11-24T00:01:30.000Z', '2026-11-24T00:00:30.000Z');

        // Assess
        expect(twice).toBe(C2ErrorCode.ConcurrentUpdate);
        expect(missing).toBe(C2ErrorCode.NotFound);
        expect(stillRevoked).toBe(at);
        const key = await store.getApiKey('tenant-a', 'k1');
        expect(key?.revokedAt).toBeUndefined();
        expect(key?.lastUsedAt).toBe('2026-11-24T00:01:00.000Z');
        expect(await store.getApiKey('tenant-b', 'k1')).toBeUndefined();
      });

      it('stays apart from the other kinds of record', async () => {
        // Prepare
        const store = await build();
        await store.createClient(clientRecord('k1'));
        await store.createTopic(topicRecord('k1'));
        await store.createC2Key(c2KeyRecord());
        await store.appendEvent(eventRecord(1));
        await store.putLink(linkRecord('k1', 'k1'));

        // Act
        await store.createApiKey(apiKeyRecord('k1'));

        // Assess
        expect(await store.countApiKeys('tenant-a')).toBe(1);
        expect(await store.countClients('tenant-a')).toBe(1);
        expect(await store.countTopics('tenant-a')).toBe(1);
        expect(unchained((await store.listEvents('tenant-a', {}, { limit: 10 })).items)).toEqual([eventRecord(1)]);
      });
    });
  });
}
