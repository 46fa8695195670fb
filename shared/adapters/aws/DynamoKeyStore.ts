/**
 * The KeyStore on DynamoDB (AWS SDK v3), one table for every tenant (see keyStoreTable.ts): the adapter of the AWS
 * deployment, and of local mode over dynalite. Each kind of record (client, topic) is a codec over the same
 * operations. DynamoDB's errors are translated here into C2 errors (ConditionalCheckFailedException ->
 * ALREADY_EXISTS / NOT_FOUND / CONCURRENT_UPDATE).
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { ClientRecord, KeyStore, Page, PageRequest, TopicRecord } from '../../c2/ports.js';

type Item = Record<string, AttributeValue>;

/** How one kind of record maps to items: its sort-key prefix and its attributes. */
interface RecordKind<R> {
  readonly prefix: string;
  readonly label: string;
  nameOf(record: R): string;
  attributes(record: R): Item;
  fromItem(tenantId: string, item: Item): R;
}

const CLIENTS: RecordKind<ClientRecord> = {
  prefix: 'C#',
  label: 'client',
  nameOf: (r) => r.name,
  attributes: (r) => ({ name: { S: r.name }, id: { B: r.id }, mode: { S: r.mode } }),
  fromItem: (tenantId, item) => ({
    tenantId,
    name: item.name!.S!,
    id: item.id!.B!,
    mode: item.mode!.S! as ClientRecord['mode'],
    ...keyFields(item),
  }),
};

const TOPICS: RecordKind<TopicRecord> = {
  prefix: 'P#',
  label: 'topic',
  nameOf: (r) => r.topic,
  attributes: (r) => ({ topic: { S: r.topic }, hash: { B: r.hash } }),
  fromItem: (tenantId, item) => ({ tenantId, topic: item.topic!.S!, hash: item.hash!.B!, ...keyFields(item) }),
};

interface KeyFields {
  wrappedKey: Uint8Array;
  keyVersion: number;
  createdAt: string;
  updatedAt: string;
}

function keyFields(item: Item): KeyFields {
  return {
    wrappedKey: item.wrappedKey!.B!,
    keyVersion: Number(item.keyVersion!.N),
    createdAt: item.createdAt!.S!,
    updatedAt: item.updatedAt!.S!,
  };
}

const partition = (tenantId: string): string => `T#${tenantId}`;

/** Cursors are the base64url JSON of DynamoDB's LastEvaluatedKey, checked to belong to the same tenant and kind. */
function encodeCursor(key: Item | undefined): string | undefined {
  if (!key) return undefined;
  return Buffer.from(JSON.stringify({ pk: key.PK!.S, sk: key.SK!.S })).toString('base64url');
}

function decodeCursor(cursor: string, tenantId: string, prefix: string): Item {
  try {
    const { pk, sk } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { pk: unknown; sk: unknown };
    if (pk === partition(tenantId) && typeof sk === 'string' && sk.startsWith(prefix)) {
      return { PK: { S: pk }, SK: { S: sk } };
    }
  } catch {
    // fall through
  }
  throw new C2Error(C2ErrorCode.InvalidCursor, 'invalid pagination cursor');
}

type KeyUpdate = { wrappedKey: Uint8Array; keyVersion: number; expectedVersion: number; updatedAt: string };

export class DynamoKeyStore implements KeyStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  createClient = (record: ClientRecord) => this.#create(CLIENTS, record);
  getClient = (tenantId: string, name: string) => this.#get(CLIENTS, tenantId, name);
  listClients = (tenantId: string, page: PageRequest) => this.#list(CLIENTS, tenantId, page);
  countClients = (tenantId: string) => this.#count(CLIENTS, tenantId);
  updateClientKey = (tenantId: string, name: string, update: KeyUpdate) =>
    this.#updateKey(CLIENTS, tenantId, name, update);
  deleteClient = (tenantId: string, name: string) => this.#delete(CLIENTS, tenantId, name);

  createTopic = (record: TopicRecord) => this.#create(TOPICS, record);
  getTopic = (tenantId: string, topic: string) => this.#get(TOPICS, tenantId, topic);
  listTopics = (tenantId: string, page: PageRequest) => this.#list(TOPICS, tenantId, page);
  countTopics = (tenantId: string) => this.#count(TOPICS, tenantId);
  updateTopicKey = (tenantId: string, topic: string, update: KeyUpdate) =>
    this.#updateKey(TOPICS, tenantId, topic, update);
  deleteTopic = (tenantId: string, topic: string) => this.#delete(TOPICS, tenantId, topic);

  #key<R>(kind: RecordKind<R>, tenantId: string, name: string): Item {
    return { PK: { S: partition(tenantId) }, SK: { S: kind.prefix + name } };
  }

  async #create<R extends KeyFields & { tenantId: string }>(kind: RecordKind<R>, record: R): Promise<void> {
    const name = kind.nameOf(record);
    const item: Item = {
      ...this.#key(kind, record.tenantId, name),
      ...kind.attributes(record),
      wrappedKey: { B: record.wrappedKey },
      keyVersion: { N: String(record.keyVersion) },
      createdAt: { S: record.createdAt },
      updatedAt: { S: record.updatedAt },
    };
    await this.#conditional(
      new PutItemCommand({ TableName: this.#table, Item: item, ConditionExpression: 'attribute_not_exists(PK)' }),
      new C2Error(C2ErrorCode.AlreadyExists, `${kind.label} "${name}" exists already`),
    );
  }

  async #get<R>(kind: RecordKind<R>, tenantId: string, name: string): Promise<R | undefined> {
    const { Item } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key(kind, tenantId, name), ConsistentRead: true }),
    );
    return Item ? kind.fromItem(tenantId, Item) : undefined;
  }

  async #list<R>(kind: RecordKind<R>, tenantId: string, page: PageRequest): Promise<Page<R>> {
    if (!Number.isSafeInteger(page.limit) || page.limit < 1 || page.limit > 100) {
      throw new RangeError(`list ${kind.label}s: limit must be 1..100`);
    }
    const { Items = [], LastEvaluatedKey } = await this.#db.send(
      new QueryCommand({
        ...this.#query(kind, tenantId),
        Limit: page.limit,
        ExclusiveStartKey: page.cursor === undefined ? undefined : decodeCursor(page.cursor, tenantId, kind.prefix),
      }),
    );
    const cursor = Items.length === page.limit ? encodeCursor(LastEvaluatedKey) : undefined;
    return { items: Items.map((item) => kind.fromItem(tenantId, item)), ...(cursor ? { cursor } : {}) };
  }

  async #count<R>(kind: RecordKind<R>, tenantId: string): Promise<number> {
    let count = 0;
    let start: Item | undefined;
    do {
      const result = await this.#db.send(
        new QueryCommand({ ...this.#query(kind, tenantId), Select: 'COUNT', ExclusiveStartKey: start }),
      );
      count += result.Count ?? 0;
      start = result.LastEvaluatedKey;
    } while (start);
    return count;
  }

  #query<R>(kind: RecordKind<R>, tenantId: string) {
    return {
      TableName: this.#table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :kind)',
      ExpressionAttributeValues: { ':pk': { S: partition(tenantId) }, ':kind': { S: kind.prefix } },
      ConsistentRead: true,
    };
  }

  async #updateKey<R>(kind: RecordKind<R>, tenantId: string, name: string, update: KeyUpdate): Promise<void> {
    await this.#conditional(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#key(kind, tenantId, name),
        UpdateExpression: 'SET wrappedKey = :key, keyVersion = :version, updatedAt = :at',
        ConditionExpression: 'attribute_exists(PK) AND keyVersion = :expected',
        ExpressionAttributeValues: {
          ':key': { B: update.wrappedKey },
          ':version': { N: String(update.keyVersion) },
          ':expected': { N: String(update.expectedVersion) },
          ':at': { S: update.updatedAt },
        },
      }),
      async () =>
        (await this.#get(kind, tenantId, name))
          ? new C2Error(C2ErrorCode.ConcurrentUpdate, `${kind.label} "${name}" changed since it was read`)
          : new C2Error(C2ErrorCode.NotFound, `no ${kind.label} "${name}"`),
    );
  }

  async #delete<R>(kind: RecordKind<R>, tenantId: string, name: string): Promise<void> {
    await this.#conditional(
      new DeleteItemCommand({
        TableName: this.#table,
        Key: this.#key(kind, tenantId, name),
        ConditionExpression: 'attribute_exists(PK)',
      }),
      new C2Error(C2ErrorCode.NotFound, `no ${kind.label} "${name}"`),
    );
  }

  /** Sends a conditional write; a failed condition becomes the given C2 error. */
  async #conditional(
    command: PutItemCommand | UpdateItemCommand | DeleteItemCommand,
    failure: C2Error | (() => Promise<C2Error>),
  ): Promise<void> {
    try {
      // biome-ignore lint/suspicious/noExplicitAny: the three command types share send()'s overloads poorly
      await this.#db.send(command as any);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw typeof failure === 'function' ? await failure() : failure;
      }
      throw error;
    }
  }
}
