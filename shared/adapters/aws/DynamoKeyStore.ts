/**
 * The KeyStore on DynamoDB (AWS SDK v3), one table for every tenant (see keyStoreTable.ts): the adapter of the AWS
 * deployment, and of local mode over dynalite. DynamoDB's errors are translated here into C2 errors
 * (ConditionalCheckFailedException -> ALREADY_EXISTS / NOT_FOUND / CONCURRENT_UPDATE).
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
import type { ClientRecord, KeyStore, Page, PageRequest } from '../../c2/ports.js';

type Item = Record<string, AttributeValue>;

const CLIENT = 'C#';
const partition = (tenantId: string): string => `T#${tenantId}`;

function clientItem(record: ClientRecord): Item {
  return {
    PK: { S: partition(record.tenantId) },
    SK: { S: CLIENT + record.name },
    name: { S: record.name },
    id: { B: record.id },
    mode: { S: record.mode },
    wrappedKey: { B: record.wrappedKey },
    keyVersion: { N: String(record.keyVersion) },
    createdAt: { S: record.createdAt },
    updatedAt: { S: record.updatedAt },
  };
}

function clientRecord(tenantId: string, item: Item): ClientRecord {
  return {
    tenantId,
    name: item.name!.S!,
    id: item.id!.B!,
    mode: item.mode!.S! as ClientRecord['mode'],
    wrappedKey: item.wrappedKey!.B!,
    keyVersion: Number(item.keyVersion!.N),
    createdAt: item.createdAt!.S!,
    updatedAt: item.updatedAt!.S!,
  };
}

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

export class DynamoKeyStore implements KeyStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  async createClient(record: ClientRecord): Promise<void> {
    await this.#conditional(
      new PutItemCommand({
        TableName: this.#table,
        Item: clientItem(record),
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
      new C2Error(C2ErrorCode.AlreadyExists, `client "${record.name}" exists already`),
    );
  }

  async getClient(tenantId: string, name: string): Promise<ClientRecord | undefined> {
    const { Item } = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { PK: { S: partition(tenantId) }, SK: { S: CLIENT + name } },
        ConsistentRead: true,
      }),
    );
    return Item ? clientRecord(tenantId, Item) : undefined;
  }

  async listClients(tenantId: string, page: PageRequest): Promise<Page<ClientRecord>> {
    if (!Number.isSafeInteger(page.limit) || page.limit < 1 || page.limit > 100) {
      throw new RangeError('listClients: limit must be 1..100');
    }
    const { Items = [], LastEvaluatedKey } = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :kind)',
        ExpressionAttributeValues: { ':pk': { S: partition(tenantId) }, ':kind': { S: CLIENT } },
        Limit: page.limit,
        ExclusiveStartKey: page.cursor === undefined ? undefined : decodeCursor(page.cursor, tenantId, CLIENT),
        ConsistentRead: true,
      }),
    );
    const cursor = Items.length === page.limit ? encodeCursor(LastEvaluatedKey) : undefined;
    return { items: Items.map((item) => clientRecord(tenantId, item)), ...(cursor ? { cursor } : {}) };
  }

  async countClients(tenantId: string): Promise<number> {
    let count = 0;
    let start: Item | undefined;
    do {
      const result = await this.#db.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :kind)',
          ExpressionAttributeValues: { ':pk': { S: partition(tenantId) }, ':kind': { S: CLIENT } },
          Select: 'COUNT',
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      count += result.Count ?? 0;
      start = result.LastEvaluatedKey;
    } while (start);
    return count;
  }

  async updateClientKey(
    tenantId: string,
    name: string,
    update: { wrappedKey: Uint8Array; keyVersion: number; expectedVersion: number; updatedAt: string },
  ): Promise<void> {
    await this.#conditional(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { PK: { S: partition(tenantId) }, SK: { S: CLIENT + name } },
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
        (await this.getClient(tenantId, name))
          ? new C2Error(C2ErrorCode.ConcurrentUpdate, `client "${name}" changed since it was read`)
          : new C2Error(C2ErrorCode.NotFound, `no client "${name}"`),
    );
  }

  async deleteClient(tenantId: string, name: string): Promise<void> {
    await this.#conditional(
      new DeleteItemCommand({
        TableName: this.#table,
        Key: { PK: { S: partition(tenantId) }, SK: { S: CLIENT + name } },
        ConditionExpression: 'attribute_exists(PK)',
      }),
      new C2Error(C2ErrorCode.NotFound, `no client "${name}"`),
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
