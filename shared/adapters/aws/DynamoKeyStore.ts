/**
 * The KeyStore on DynamoDB (AWS SDK v3), one table for every tenant (see keyStoreTable.ts): the adapter of the AWS
 * deployment, and of local mode over dynalite. Each kind of record (client, topic, link, C2 key, event, API key) is
 * a codec (keyStoreItems.ts) over the same operations; lists and counts run over a range of sort keys. Clients,
 * topics and links are keyed by E4 hashes of their names (the names are attributes): a read by name returns the
 * record only if its stored name is the one asked, a read by id whatever its name. DynamoDB's errors are translated
 * here into C2 errors (ConditionalCheckFailedException -> ALREADY_EXISTS / NOT_FOUND / CONCURRENT_UPDATE). One
 * kind of write is a transaction: a client's or topic's record with its tenant's counter (countedRecordWrites.ts;
 * local mode's dynalite has them through dynaliteTransactions.cjs).
 */
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import { DEFAULT_TENANT_LIMITS } from '../../c2/limits/tenantLimits.js';
import type { ClientIdRegistry } from '../../c2/ports/ClientIdRegistry.js';
import type { CountedCreation, CountedKind, Quota, TenantLimitStore } from '../../c2/ports/TenantLimitStore.js';
import type { TenantRegistry } from '../../c2/ports/TenantRegistry.js';
import type {
  ApiKeyRecord,
  C2KeyRecord,
  ClientRecord,
  EventFilter,
  EventRecord,
  FenceStore,
  KeyStore,
  KeyUpdate,
  LinkConfirmation,
  LinkRecord,
  Page,
  PageRequest,
  TopicKeyUpdate,
  TopicRecord,
} from '../../c2/ports.js';
import { HASH_LEN, ID_LEN } from '../../e4/index.js';
import { batchGetItems } from '../dynamo/batchGetItems.js';
import { type Counter, deleteCounted, putCounted } from './countedRecordWrites.js';
import { DynamoClientIdRegistry } from './DynamoClientIdRegistry.js';
import { DynamoEnrolmentWindows } from './DynamoEnrolmentWindows.js';
import { DynamoEventChain } from './DynamoEventChain.js';
import { DynamoFactoryBatches } from './DynamoFactoryBatches.js';
import { DynamoFenceStore } from './DynamoFenceStore.js';
import { DynamoTenantLimits } from './DynamoTenantLimits.js';
import { DynamoTenantRegistry } from './DynamoTenantRegistry.js';
import { eventQuery } from './eventQuery.js';
import { filteredPage, matching } from './filteredPage.js';
import {
  API_KEYS,
  C2_KEY,
  C2_KEY_NAME,
  CLIENTS,
  clientKey,
  clientsOfTopic,
  eventKind,
  type Item,
  type ItemRange,
  LINKS_BY_CLIENT,
  LINKS_BY_TOPIC,
  linksOfClient,
  partition,
  type RecordKind,
  TOPICS,
  topicKey,
  topicsOfClient,
} from './keyStoreItems.js';
import { countRange, queryPage, rangeQuery } from './rangeQueries.js';
import { writeIf } from './writeIf.js';

export interface DynamoKeyStoreOptions {
  /**
   * The client of the E4-id claims (partition `N#`, outside every tenant's): on AWS the function's own, when `db`
   * holds a tenant's credentials, which reach only `T#<tenant>` (functions/composeAwsC2.ts). Default `db`.
   */
  readonly claimsDb?: DynamoDBClient;
}

export class DynamoKeyStore implements KeyStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  readonly #events: RecordKind<EventRecord>;
  readonly #fence: DynamoFenceStore;
  readonly #claims: DynamoClientIdRegistry;
  readonly #limits: DynamoTenantLimits;
  readonly #tenants: DynamoTenantRegistry;
  readonly #chain: DynamoEventChain;
  readonly #windows: DynamoEnrolmentWindows;
  readonly #factory: DynamoFactoryBatches;

  constructor(db: DynamoDBClient, tableName: string, options: DynamoKeyStoreOptions = {}) {
    this.#db = db;
    this.#table = tableName;
    this.#events = eventKind(DEFAULT_TENANT_LIMITS.eventRetentionDays);
    this.#chain = new DynamoEventChain(db, tableName);
    this.#fence = new DynamoFenceStore(db, tableName);
    this.#claims = new DynamoClientIdRegistry(options.claimsDb ?? db, tableName);
    this.#limits = new DynamoTenantLimits(db, tableName);
    this.#tenants = new DynamoTenantRegistry(db, tableName);
    this.#windows = new DynamoEnrolmentWindows(db, tableName);
    this.#factory = new DynamoFactoryBatches(db, tableName);
  }

  /** Factory batches: platform records (DynamoFactoryBatches.ts). */
  createFactoryBatch: KeyStore['createFactoryBatch'] = (record) => this.#factory.createFactoryBatch(record);
  deleteFactoryBatch: KeyStore['deleteFactoryBatch'] = (id) => this.#factory.deleteFactoryBatch(id);
  getFactoryBatch: KeyStore['getFactoryBatch'] = (id) => this.#factory.getFactoryBatch(id);
  listFactoryBatches: KeyStore['listFactoryBatches'] = (page) => this.#factory.listFactoryBatches(page);
  putFactoryDevice: KeyStore['putFactoryDevice'] = (record) => this.#factory.putFactoryDevice(record);
  getFactoryDevice: KeyStore['getFactoryDevice'] = (batchId, id) => this.#factory.getFactoryDevice(batchId, id);
  listFactoryDevices: KeyStore['listFactoryDevices'] = (batchId, page) =>
    this.#factory.listFactoryDevices(batchId, page);
  countFactoryDevices: KeyStore['countFactoryDevices'] = (batchId) => this.#factory.countFactoryDevices(batchId);
  findClaimCode: KeyStore['findClaimCode'] = (codeHash) => this.#factory.findClaimCode(codeHash);
  takeFactoryDevice: KeyStore['takeFactoryDevice'] = (batchId, id, codeHash, tenantId, at) =>
    this.#factory.takeFactoryDevice(batchId, id, codeHash, tenantId, at);
  completeFactoryClaim: KeyStore['completeFactoryClaim'] = (batchId, id, tenantId, at) =>
    this.#factory.completeFactoryClaim(batchId, id, tenantId, at);
  releaseFactoryClaim: KeyStore['releaseFactoryClaim'] = (batchId, id, tenantId) =>
    this.#factory.releaseFactoryClaim(batchId, id, tenantId);
  deleteFactoryDevice: KeyStore['deleteFactoryDevice'] = (batchId, id, options) =>
    this.#factory.deleteFactoryDevice(batchId, id, options);
  replaceClaimCode: KeyStore['replaceClaimCode'] = (batchId, id, oldHash, newHash) =>
    this.#factory.replaceClaimCode(batchId, id, oldHash, newHash);
  deleteClaimCode: KeyStore['deleteClaimCode'] = (codeHash) => this.#factory.deleteClaimCode(codeHash);

  createEnrolmentWindow: KeyStore['createEnrolmentWindow'] = (record) => this.#windows.createEnrolmentWindow(record);
  getEnrolmentWindow: KeyStore['getEnrolmentWindow'] = (tenantId, id) => this.#windows.getEnrolmentWindow(tenantId, id);
  listEnrolmentWindows: KeyStore['listEnrolmentWindows'] = (tenantId, page) =>
    this.#windows.listEnrolmentWindows(tenantId, page);
  takeEnrolmentSlot: KeyStore['takeEnrolmentSlot'] = (tenantId, id, now) =>
    this.#windows.takeEnrolmentSlot(tenantId, id, now);
  releaseEnrolmentSlot: KeyStore['releaseEnrolmentSlot'] = (tenantId, id) =>
    this.#windows.releaseEnrolmentSlot(tenantId, id);
  closeEnrolmentWindow: KeyStore['closeEnrolmentWindow'] = (tenantId, id, at) =>
    this.#windows.closeEnrolmentWindow(tenantId, id, at);

  createClient = (record: ClientRecord, quota?: Quota) => this.#createCounted(CLIENTS, 'clients', record, quota);
  getClient = (tenantId: string, name: string) => this.#get(CLIENTS, tenantId, name);
  /** An id of another length than E4's (16 bytes) names no client. */
  getClientById = async (tenantId: string, id: Uint8Array): Promise<ClientRecord | undefined> =>
    id.length === ID_LEN ? this.#getByKey(CLIENTS, tenantId, clientKey(id)) : undefined;
  listClients = (tenantId: string, page: PageRequest) => this.#list(CLIENTS, tenantId, page);
  findClientsByNamePrefix = (tenantId: string, prefix: string, page: PageRequest) =>
    filteredPage(this.#db, this.#table, CLIENTS, tenantId, { filter: matching([['name', prefix, 'prefix']]) }, page);
  countClients = (tenantId: string) => this.#count(CLIENTS, tenantId);
  /**
   * A filtered query of the window of `C#` items (hex ids: `g` sorts after any id's items, `~` after all), `Limit`
   * counting the items examined (the filter applies after it).
   */
  listClientsWithPendingKey = async (
    tenantId: string,
    window: { readonly afterClientId?: string; readonly throughClientId?: string; readonly limit: number },
  ): Promise<{ clients: ClientRecord[]; examinedThrough?: string }> => {
    if (!Number.isSafeInteger(window.limit) || window.limit < 1 || window.limit > 100) {
      throw new RangeError(`list: limit must be 1..100, not ${window.limit}`);
    }
    const { Items = [], LastEvaluatedKey } = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :low AND :high',
        FilterExpression: 'attribute_exists(pendingKeyVersion)',
        ExpressionAttributeValues: {
          ':pk': { S: partition(tenantId) },
          ':low': { S: `${CLIENTS.prefix}${window.afterClientId === undefined ? '' : `${window.afterClientId}g`}` },
          ':high': { S: `${CLIENTS.prefix}${window.throughClientId ?? '~'}` },
        },
        ConsistentRead: true,
        Limit: window.limit,
      }),
    );
    const clients = Items.map((item) => CLIENTS.fromItem(tenantId, item));
    const last = LastEvaluatedKey?.SK?.S?.slice(CLIENTS.prefix.length);
    return last === undefined ? { clients } : { clients, examinedThrough: last };
  };
  updateClientKey = (tenantId: string, name: string, update: KeyUpdate) =>
    this.#updateKey(CLIENTS, tenantId, name, update, ' REMOVE pendingWrappedKey, pendingKeyVersion, rekeyOnReturn');
  setClientPendingKey = async (
    tenantId: string,
    name: string,
    pending: { wrappedKey: Uint8Array; keyVersion: number },
    expectedVersion: number,
  ): Promise<void> => {
    await this.#conditional(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(CLIENTS, tenantId, name),
        UpdateExpression: 'SET pendingWrappedKey = :key, pendingKeyVersion = :version',
        ConditionExpression:
          'attribute_exists(PK) AND keyVersion = :expected AND attribute_not_exists(pendingKeyVersion)',
        ExpressionAttributeValues: {
          ':key': { B: pending.wrappedKey },
          ':version': { N: String(pending.keyVersion) },
          ':expected': { N: String(expectedVersion) },
        },
      }),
      this.#conflict(CLIENTS, tenantId, name, 'changed since it was read'),
    );
  };
  deleteClient = (tenantId: string, name: string) => this.#deleteCounted(CLIENTS, 'clients', tenantId, name);

  /** ISO 8601 times in UTC compare as strings; a time already later, or no client of that name, changes nothing. */
  recordClientSeen = async (tenantId: string, name: string, at: string): Promise<void> => {
    await this.#write(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(CLIENTS, tenantId, name),
        UpdateExpression: 'SET lastSeenAt = :at',
        ConditionExpression: '#name = :name AND (attribute_not_exists(lastSeenAt) OR lastSeenAt < :at)',
        ExpressionAttributeNames: { '#name': 'name' },
        ExpressionAttributeValues: { ':name': { S: name }, ':at': { S: at } },
      }),
    );
  };

  /**
   * The clients of those E4 ids that exist, in the order of `ids`, once per occurrence (an id of another length than
   * E4's names none).
   */
  getClientsById = async (tenantId: string, ids: readonly Uint8Array[]): Promise<ClientRecord[]> => {
    const keys = [...new Set(ids.filter((id) => id.length === ID_LEN).map(clientKey))];
    const items = await batchGetItems(
      this.#db,
      this.#table,
      keys.map((key) => this.#key(CLIENTS, tenantId, key)),
    );
    const found = new Map(items.map((item) => CLIENTS.fromItem(tenantId, item)).map((c) => [clientKey(c.id), c]));
    return ids.flatMap((id) => (id.length === ID_LEN ? (found.get(clientKey(id)) ?? []) : []));
  };

  /** In the order of `names`, once per occurrence (a name given twice is read once and returned twice). */
  getClients = async (tenantId: string, names: readonly string[]): Promise<ClientRecord[]> => {
    const unique = [...new Set(names)]; // BatchGetItem refuses a request that names a key twice
    const items = await batchGetItems(
      this.#db,
      this.#table,
      unique.map((name) => this.#keyOf(CLIENTS, tenantId, name)),
    );
    // Found by stored name: an item whose name is not one asked is never returned.
    const found = new Map(items.map((item) => CLIENTS.fromItem(tenantId, item)).map((c) => [c.name, c]));
    return names.flatMap((name) => found.get(name) ?? []);
  };

  createTopic = (record: TopicRecord, quota?: Quota) => this.#createCounted(TOPICS, 'topics', record, quota);
  getTopic = (tenantId: string, topic: string) => this.#get(TOPICS, tenantId, topic);
  getTopics = async (tenantId: string, topics: readonly string[]): Promise<TopicRecord[]> => {
    const unique = [...new Set(topics)]; // BatchGetItem refuses a request that names a key twice
    const items = await batchGetItems(
      this.#db,
      this.#table,
      unique.map((topic) => this.#keyOf(TOPICS, tenantId, topic)),
    );
    // Found by stored name: an item whose topic is not one asked is never returned.
    const found = new Map(items.map((item) => TOPICS.fromItem(tenantId, item)).map((t) => [t.topic, t]));
    return topics.flatMap((topic) => found.get(topic) ?? []);
  };
  /** A hash of another length than E4's (16 bytes) names no topic. */
  getTopicByHash = async (tenantId: string, hash: Uint8Array): Promise<TopicRecord | undefined> =>
    hash.length === HASH_LEN ? this.#getByKey(TOPICS, tenantId, topicKey(hash)) : undefined;
  listTopics = (tenantId: string, page: PageRequest) => this.#list(TOPICS, tenantId, page);
  findTopicsByPrefix = (tenantId: string, prefix: string, page: PageRequest) =>
    filteredPage(this.#db, this.#table, TOPICS, tenantId, { filter: matching([['topic', prefix, 'prefix']]) }, page);
  countTopics = (tenantId: string) => this.#count(TOPICS, tenantId);
  /** The operation that installed the key is kept with it (`keyOperation`), removed by a key from elsewhere. */
  updateTopicKey = (tenantId: string, topic: string, update: TopicKeyUpdate) =>
    this.#updateKey(
      TOPICS,
      tenantId,
      topic,
      update,
      update.operationId === undefined ? ' REMOVE keyOperation' : '',
      update.operationId === undefined ? {} : { keyOperation: { S: update.operationId } },
    );
  deleteTopic = (tenantId: string, topic: string) => this.#deleteCounted(TOPICS, 'topics', tenantId, topic);

  /** The lease is two attributes of the topic's item (`leaseOwner`, `leaseUntil` in ms), unseen by its codec. */
  acquireTopicLease = async (
    tenantId: string,
    topic: string,
    lease: { owner: string; now: number; until: number; keySecond?: number },
  ) => {
    const second = lease.keySecond === undefined ? undefined : { ':second': { N: String(lease.keySecond) } };
    await this.#conditional(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(TOPICS, tenantId, topic),
        UpdateExpression: `SET leaseOwner = :owner, leaseUntil = :until${second ? ', keySecond = :second' : ''}`,
        ConditionExpression:
          'attribute_exists(PK) AND (attribute_not_exists(leaseUntil) OR leaseUntil <= :now OR leaseOwner = :owner)',
        ExpressionAttributeValues: {
          ':owner': { S: lease.owner },
          ':now': { N: String(lease.now) },
          ':until': { N: String(lease.until) },
          ...second,
        },
      }),
      this.#conflict(TOPICS, tenantId, topic, 'is busy with another change; retry'),
    );
  };

  releaseTopicLease = async (tenantId: string, topic: string, owner: string, keySecond?: number): Promise<void> => {
    // A failed condition: the lease expired and was taken, or the topic is gone; either way nothing to give back.
    const second = keySecond === undefined ? undefined : { ':second': { N: String(keySecond) } };
    await this.#write(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(TOPICS, tenantId, topic),
        UpdateExpression: `${second ? 'SET keySecond = :second ' : ''}REMOVE leaseOwner, leaseUntil`,
        ConditionExpression: 'leaseOwner = :owner',
        ExpressionAttributeValues: { ':owner': { S: owner }, ...second },
      }),
    );
  };

  releaseAllTopicLeases = async (tenantId: string): Promise<number> => {
    let released = 0;
    let start: Item | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.#db.send(
        new QueryCommand({
          ...this.#query(TOPICS, tenantId),
          FilterExpression: 'attribute_exists(leaseOwner)',
          ProjectionExpression: 'PK, SK',
          ExclusiveStartKey: start,
        }),
      );
      for (const { PK, SK } of Items) {
        if (!PK || !SK) continue;
        const removed = await this.#write(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: { PK, SK },
            UpdateExpression: 'REMOVE leaseOwner, leaseUntil',
            ConditionExpression: 'attribute_exists(leaseOwner)',
          }),
        );
        if (removed) released++;
      }
      start = LastEvaluatedKey;
    } while (start);
    return released;
  };

  /** Topic side first (fan-out reads it); writing a link again keeps its first `createdAt`. */
  putLink = async (link: LinkRecord): Promise<void> => {
    for (const side of [LINKS_BY_TOPIC, LINKS_BY_CLIENT]) await this.#upsert(side, link);
  };

  /** Topic side first; a link that is not there (or half there) is no error. */
  deleteLink = async (tenantId: string, topic: string, clientName: string): Promise<void> => {
    for (const side of [LINKS_BY_TOPIC, LINKS_BY_CLIENT]) {
      await this.#db.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: this.#keyOf(side, tenantId, { topic, clientName }),
        }),
      );
    }
  };

  getLink = (tenantId: string, topic: string, clientName: string) =>
    this.#get(LINKS_BY_TOPIC, tenantId, { topic, clientName });
  listClientsOfTopic = (tenantId: string, topic: string, page: PageRequest) =>
    this.#list(clientsOfTopic(topic), tenantId, page);
  listTopicsOfClient = (tenantId: string, clientName: string, page: PageRequest) =>
    this.#list(topicsOfClient(clientName), tenantId, page);
  listLinksOfClient = (tenantId: string, clientName: string, page: PageRequest) =>
    this.#list(linksOfClient(clientName), tenantId, page);

  /**
   * Links in client order (the by-client items), after a client id when given (after that client's link of a topic
   * hash, with one: the key itself + '!' sorts after it and before the next key): one query of at most `limit`
   * items; `more` when the range goes on.
   */
  listLinksAfterClient = async (
    tenantId: string,
    request: { readonly afterClientId?: string; readonly afterTopicHash?: string; readonly limit: number },
  ): Promise<{ links: LinkRecord[]; more: boolean }> => {
    if (!Number.isSafeInteger(request.limit) || request.limit < 1 || request.limit > 100) {
      throw new RangeError(`list: limit must be 1..100, not ${request.limit}`);
    }
    const { afterClientId, afterTopicHash } = request;
    if (afterTopicHash !== undefined && (afterClientId === undefined || !/^[0-9a-f]{32}$/.test(afterTopicHash))) {
      throw new RangeError('list: afterTopicHash must be 32 lowercase hex characters, with afterClientId');
    }
    const after =
      afterClientId === undefined
        ? undefined
        : afterTopicHash === undefined
          ? afterClientId
          : `${afterClientId}${afterTopicHash}!`;
    const { Items = [], LastEvaluatedKey } = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :low AND :high',
        ExpressionAttributeValues: {
          ':pk': { S: partition(tenantId) },
          ':low': {
            S: `${LINKS_BY_CLIENT.prefix}${after === undefined ? '' : afterTopicHash === undefined ? `${after}g` : after}`,
          },
          ':high': { S: `${LINKS_BY_CLIENT.prefix}~` },
        },
        ConsistentRead: true,
        Limit: request.limit,
      }),
    );
    return {
      links: Items.map((item) => LINKS_BY_CLIENT.fromItem(tenantId, item)),
      more: LastEvaluatedKey !== undefined,
    };
  };

  /**
   * The client's item of the link only (what listLinksOfClient reads), conditionally (the link exists, no later
   * version recorded): a failed condition is no error. One write per receipt.
   */
  recordLinkConfirmed = async (
    tenantId: string,
    topic: string,
    clientName: string,
    confirmed: LinkConfirmation,
  ): Promise<void> => {
    await this.#write(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(LINKS_BY_CLIENT, tenantId, { topic, clientName }),
        UpdateExpression: 'SET confirmedKeyVersion = :version, confirmedAt = :at',
        ConditionExpression:
          '#topic = :topic AND #client = :client AND ' +
          '(attribute_not_exists(confirmedKeyVersion) OR confirmedKeyVersion < :version OR ' +
          '(confirmedKeyVersion = :version AND confirmedAt < :at))',
        ExpressionAttributeNames: { '#topic': 'topic', '#client': 'clientName' },
        ExpressionAttributeValues: {
          ':version': { N: String(confirmed.keyVersion) },
          ':at': { S: confirmed.at },
          ':topic': { S: topic },
          ':client': { S: clientName },
        },
      }),
    );
  };
  countClientsOfTopic = (tenantId: string, topic: string) => this.#count(clientsOfTopic(topic), tenantId);
  countTopicsOfClient = (tenantId: string, clientName: string) => this.#count(topicsOfClient(clientName), tenantId);

  getC2Key = (tenantId: string) => this.#get(C2_KEY, tenantId, C2_KEY_NAME);
  createC2Key = (record: C2KeyRecord) => this.#create(C2_KEY, record);

  replaceC2Key = async (record: C2KeyRecord, expected: { keyVersion: number; pendingVersion: number | undefined }) => {
    const { pendingVersion } = expected;
    await this.#conditional(
      new PutItemCommand({
        TableName: this.#table,
        Item: this.#item(C2_KEY, record),
        ConditionExpression:
          pendingVersion === undefined
            ? 'keyVersion = :version AND attribute_not_exists(pendingVersion)'
            : 'keyVersion = :version AND pendingVersion = :pending',
        ExpressionAttributeValues: {
          ':version': { N: String(expected.keyVersion) },
          ...(pendingVersion === undefined ? {} : { ':pending': { N: String(pendingVersion) } }),
        },
      }),
      this.#conflict(C2_KEY, record.tenantId, C2_KEY_NAME, 'changed since it was read'),
    );
  };

  /** Claims of E4 ids: items outside the tenants' partitions (DynamoClientIdRegistry.ts). */
  claimClientId: ClientIdRegistry['claimClientId'] = (tenantId, id, at) => this.#claims.claimClientId(tenantId, id, at);
  releaseClientId: ClientIdRegistry['releaseClientId'] = (tenantId, id, options) =>
    this.#claims.releaseClientId(tenantId, id, options);
  getClientIdClaim: ClientIdRegistry['getClientIdClaim'] = (id) => this.#claims.getClientIdClaim(id);
  transferClientId: ClientIdRegistry['transferClientId'] = (from, to, id, at) =>
    this.#claims.transferClientId(from, to, id, at);
  setMqttSecretHash: ClientIdRegistry['setMqttSecretHash'] = (tenantId, id, hash) =>
    this.#claims.setMqttSecretHash(tenantId, id, hash);

  /** The tenant's fence: its own item (DynamoFenceStore.ts). */
  raiseFence: FenceStore['raiseFence'] = (tenantId, lease) => this.#fence.raiseFence(tenantId, lease);
  lowerFence: FenceStore['lowerFence'] = (tenantId, owner) => this.#fence.lowerFence(tenantId, owner);
  enterFence: FenceStore['enterFence'] = (tenantId, stay) => this.#fence.enterFence(tenantId, stay);
  leaveFence: FenceStore['leaveFence'] = (tenantId, reader) => this.#fence.leaveFence(tenantId, reader);
  getFence: FenceStore['getFence'] = (tenantId) => this.#fence.getFence(tenantId);

  getTenantLimits: TenantLimitStore['getTenantLimits'] = (tenantId) => this.#limits.getTenantLimits(tenantId);
  setTenantLimits: TenantLimitStore['setTenantLimits'] = (tenantId, limits) =>
    this.#limits.setTenantLimits(tenantId, limits);
  countRequest: TenantLimitStore['countRequest'] = (tenantId, windowStart, max, expiresAt) =>
    this.#limits.countRequest(tenantId, windowStart, max, expiresAt);
  setCount: TenantLimitStore['setCount'] = (tenantId, kind, count, expected) =>
    this.#limits.setCount(tenantId, kind, count, expected);
  getCounts: TenantLimitStore['getCounts'] = (tenantId) => this.#limits.getCounts(tenantId);

  createTenant: TenantRegistry['createTenant'] = (record) => this.#tenants.createTenant(record);
  getTenant: TenantRegistry['getTenant'] = (tenantId) => this.#tenants.getTenant(tenantId);
  listTenants: TenantRegistry['listTenants'] = (page) => this.#tenants.listTenants(page);
  setTenantStatus: TenantRegistry['setTenantStatus'] = (tenantId, change) =>
    this.#tenants.setTenantStatus(tenantId, change);
  deleteTenantRecord: TenantRegistry['deleteTenantRecord'] = (tenantId) => this.#tenants.deleteTenantRecord(tenantId);
  deleteTenantItems: TenantRegistry['deleteTenantItems'] = (tenantId, limit) =>
    this.#tenants.deleteTenantItems(tenantId, limit);

  /** An id taken already is ALREADY_EXISTS. */
  /** Chained per tenant, expiring after the tenant's retention: DynamoEventChain.ts. */
  appendEvent = (event: EventRecord) => this.#chain.appendEvent(event);
  listEvents = async (tenantId: string, filter: EventFilter, page: PageRequest): Promise<Page<EventRecord>> => {
    const query = eventQuery(this.#events.prefix, filter);
    return query ? filteredPage(this.#db, this.#table, this.#events, tenantId, query, page) : { items: [] };
  };

  createApiKey = (record: ApiKeyRecord) => this.#create(API_KEYS, record);
  getApiKey = (tenantId: string, keyId: string) => this.#get(API_KEYS, tenantId, keyId);
  listApiKeys = (tenantId: string, page: PageRequest) => this.#list(API_KEYS, tenantId, page);
  countApiKeys = (tenantId: string) => this.#count(API_KEYS, tenantId);

  replaceApiKeySecret: KeyStore['replaceApiKeySecret'] = async (tenantId, keyId, update) => {
    await this.#conditional(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(API_KEYS, tenantId, keyId),
        UpdateExpression: 'SET secretHash = :hash, #prefix = :prefix, rotatedAt = :at',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(revokedAt) AND secretHash = :expected',
        ExpressionAttributeNames: { '#prefix': 'prefix' },
        ExpressionAttributeValues: {
          ':hash': { B: update.secretHash },
          ':prefix': { S: update.prefix },
          ':at': { S: update.rotatedAt },
          ':expected': { B: update.expectedHash },
        },
      }),
      this.#conflict(API_KEYS, tenantId, keyId, 'changed since it was read'),
    );
  };

  revokeApiKey = async (tenantId: string, keyId: string, at: string): Promise<void> => {
    await this.#conditional(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(API_KEYS, tenantId, keyId),
        UpdateExpression: 'SET revokedAt = :at',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(revokedAt)',
        ExpressionAttributeValues: { ':at': { S: at } },
      }),
      this.#conflict(API_KEYS, tenantId, keyId, 'is revoked already'),
    );
  };

  unrevokeApiKey = async (tenantId: string, keyId: string, at: string): Promise<void> => {
    await this.#write(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(API_KEYS, tenantId, keyId),
        UpdateExpression: 'REMOVE revokedAt',
        ConditionExpression: 'revokedAt = :at',
        ExpressionAttributeValues: { ':at': { S: at } },
      }),
    );
  };

  /** ISO 8601 times in UTC compare as strings. */
  recordApiKeyUsed = async (tenantId: string, keyId: string, at: string, notAfter: string): Promise<void> => {
    await this.#write(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(API_KEYS, tenantId, keyId),
        UpdateExpression: 'SET lastUsedAt = :at',
        ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt <= :notAfter)',
        ExpressionAttributeValues: { ':at': { S: at }, ':notAfter': { S: notAfter } },
      }),
    );
  };

  /** The key of the item `prefix + key` of a tenant. */
  #key(range: { prefix: string }, tenantId: string, key: string): Item {
    return { PK: { S: partition(tenantId) }, SK: { S: range.prefix + key } };
  }

  /** The key of the item of the record named `name`. */
  #keyOf<R, N>(kind: RecordKind<R, N>, tenantId: string, name: N): Item {
    return this.#key(kind, tenantId, kind.keyOf(name));
  }

  #item<R extends { tenantId: string }, N>(kind: RecordKind<R, N>, record: R): Item {
    return { ...this.#keyOf(kind, record.tenantId, kind.nameOf(record)), ...kind.toItem(record) };
  }

  async #create<R extends { tenantId: string }, N>(kind: RecordKind<R, N>, record: R): Promise<void> {
    await this.#conditional(
      new PutItemCommand({
        TableName: this.#table,
        Item: this.#item(kind, record),
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
      new C2Error(C2ErrorCode.AlreadyExists, `${kind.title(kind.nameOf(record))} exists already`),
    );
  }

  /** A client or topic: with a quota, the record and its tenant's counter in one transaction (countedRecordWrites.ts). */
  async #createCounted<R extends { tenantId: string }, N>(
    kind: RecordKind<R, N>,
    counted: CountedKind,
    record: R,
    quota: Quota | undefined,
  ): Promise<CountedCreation> {
    if (quota === undefined) {
      await this.#create(kind, record);
      return 'created';
    }
    const put = {
      TableName: this.#table,
      Item: this.#item(kind, record),
      ConditionExpression: 'attribute_not_exists(PK)',
    };
    const outcome = await putCounted(this.#db, put, this.#counter(record.tenantId, counted), quota.max);
    if (outcome === 'exists') {
      throw new C2Error(C2ErrorCode.AlreadyExists, `${kind.title(kind.nameOf(record))} exists already`);
    }
    return outcome;
  }

  /** A client or topic: the record's deletion and its tenant's counter in one transaction (countedRecordWrites.ts). */
  async #deleteCounted<R>(kind: RecordKind<R>, counted: CountedKind, tenantId: string, name: string): Promise<void> {
    const del = {
      TableName: this.#table,
      Key: this.#keyOf(kind, tenantId, name),
      ConditionExpression: 'attribute_exists(PK)',
    };
    if (!(await deleteCounted(this.#db, del, this.#counter(tenantId, counted)))) {
      throw new C2Error(C2ErrorCode.NotFound, `no ${kind.title(name)}`);
    }
  }

  #counter(tenantId: string, kind: CountedKind): Counter {
    return { table: this.#table, tenantId, kind };
  }

  /** Writes the record's item whether it exists or not, keeping the `createdAt` it has. */
  async #upsert<R extends { tenantId: string }, N>(kind: RecordKind<R, N>, record: R): Promise<void> {
    const { createdAt, ...attributes } = kind.toItem(record);
    const names = Object.keys(attributes);
    await this.#db.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(kind, record.tenantId, kind.nameOf(record)),
        UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}, createdAt = if_not_exists(createdAt, :createdAt)`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(names.map((name, i) => [`:a${i}`, attributes[name]!])),
          ':createdAt': createdAt!,
        },
      }),
    );
  }

  /** The record named `name`: not the one its key holds if that one has another name. */
  async #get<R, N>(kind: RecordKind<R, N>, tenantId: string, name: N): Promise<R | undefined> {
    const record = await this.#getByKey(kind, tenantId, kind.keyOf(name));
    return record !== undefined && kind.sameName(kind.nameOf(record), name) ? record : undefined;
  }

  /** The record of the item `prefix + key`, whatever its name. */
  async #getByKey<R>(range: ItemRange<R>, tenantId: string, key: string): Promise<R | undefined> {
    const { Item } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key(range, tenantId, key), ConsistentRead: true }),
    );
    return Item ? range.fromItem(tenantId, Item) : undefined;
  }

  #list<T>(range: ItemRange<T>, tenantId: string, page: PageRequest): Promise<Page<T>> {
    return queryPage(this.#db, this.#table, range, tenantId, page);
  }

  #count<T>(range: ItemRange<T>, tenantId: string): Promise<number> {
    return countRange(this.#db, this.#table, range, tenantId);
  }

  #query<T>(range: ItemRange<T>, tenantId: string) {
    return rangeQuery(this.#table, range, tenantId);
  }

  async #updateKey<R>(
    kind: RecordKind<R>,
    tenantId: string,
    name: string,
    update: TopicKeyUpdate,
    /** A clause added to the update expression (e.g. ` REMOVE ...`). */
    andThen = '',
    /** More attributes to set. */
    extra: Item = {},
  ): Promise<void> {
    // Optional numbers, set when given (a record's earlier value stays otherwise).
    const optional = (['keySecond', 'revokedVersion'] as const).filter((field) => update[field] !== undefined);
    const extras = Object.keys(extra);
    await this.#conditional(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#keyOf(kind, tenantId, name),
        UpdateExpression: `SET wrappedKey = :key, keyVersion = :version, updatedAt = :at${optional
          .map((field) => `, ${field} = :${field}`)
          .join('')}${extras.map((name) => `, ${name} = :x_${name}`).join('')}${andThen}`,
        ConditionExpression: 'attribute_exists(PK) AND keyVersion = :expected',
        ExpressionAttributeValues: {
          ':key': { B: update.wrappedKey },
          ':version': { N: String(update.keyVersion) },
          ':expected': { N: String(update.expectedVersion) },
          ':at': { S: update.updatedAt },
          ...Object.fromEntries(optional.map((field) => [`:${field}`, { N: String(update[field]) }])),
          ...Object.fromEntries(extras.map((name) => [`:x_${name}`, extra[name]!])),
        },
      }),
      this.#conflict(kind, tenantId, name, 'changed since it was read'),
    );
  }

  /** The error of a failed condition on a record: NOT_FOUND when it is not there, else CONCURRENT_UPDATE. */
  #conflict<R, N>(kind: RecordKind<R, N>, tenantId: string, name: N, conflict: string): () => Promise<C2Error> {
    return async () =>
      (await this.#get(kind, tenantId, name))
        ? new C2Error(C2ErrorCode.ConcurrentUpdate, `${kind.title(name)} ${conflict}`)
        : new C2Error(C2ErrorCode.NotFound, `no ${kind.title(name)}`);
  }

  /** Sends a conditional write; a failed condition becomes the given C2 error. */
  async #conditional(
    command: PutItemCommand | UpdateItemCommand | DeleteItemCommand,
    failure: C2Error | (() => Promise<C2Error>),
  ): Promise<void> {
    if (!(await this.#write(command))) throw typeof failure === 'function' ? await failure() : failure;
  }

  /** Sends a conditional write: false when its condition failed. */
  #write(command: PutItemCommand | UpdateItemCommand | DeleteItemCommand): Promise<boolean> {
    return writeIf(this.#db, command);
  }
}
