/**
 * The TenantRegistry on the KeyStore's table: one item per tenant in a partition of its own, `PK` = `G#tenants`,
 * `SK` = `<tenant id>`, outside every tenant's `T#` partition (the platform operator lists them with one query),
 * holding `status`, `displayName`, `createdAt`, `updatedAt` and `deletionId`. A creation and a change of status are
 * conditional writes (the id not registered; the status one of those expected). The sweep of a deleted tenant's
 * records reads a page of its partition's keys and deletes them with BatchWriteItem.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { TENANT_ID_PATTERN } from '../../c2/apiKeys/validateTenantId.js';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { TenantRecord, TenantRegistry, TenantStatus } from '../../c2/ports/TenantRegistry.js';
import type { Page, PageRequest } from '../../c2/ports.js';
import { batchWriteItems } from '../dynamo/batchWriteItems.js';
import { encodeCursor } from './keyStoreCursors.js';
import { type Item, partition } from './keyStoreItems.js';

export const TENANTS_PARTITION = 'G#tenants';

export class DynamoTenantRegistry implements TenantRegistry {
  readonly #db: DynamoDBClient;
  readonly #table: string;

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  createTenant = async (record: TenantRecord): Promise<void> => {
    try {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { ...this.#key(record.id), ...toItem(record) },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new C2Error(C2ErrorCode.AlreadyExists, `tenant "${record.id}" exists already`, { cause: error });
      }
      throw error;
    }
  };

  getTenant = async (tenantId: string): Promise<TenantRecord | undefined> => {
    const { Item } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key(tenantId), ConsistentRead: true }),
    );
    return Item ? fromItem(Item) : undefined;
  };

  listTenants = async (page: PageRequest): Promise<Page<TenantRecord>> => {
    if (!Number.isSafeInteger(page.limit) || page.limit < 1 || page.limit > 100) {
      throw new RangeError(`list: limit must be 1..100, not ${page.limit}`);
    }
    const { Items = [], LastEvaluatedKey } = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: TENANTS_PARTITION } },
        ConsistentRead: true,
        Limit: page.limit,
        ...(page.cursor === undefined ? {} : { ExclusiveStartKey: decodeTenantCursor(page.cursor) }),
      }),
    );
    const cursor = encodeCursor(LastEvaluatedKey);
    return { items: Items.map(fromItem), ...(cursor ? { cursor } : {}) };
  };

  setTenantStatus: TenantRegistry['setTenantStatus'] = async (tenantId, change) => {
    const from = Object.fromEntries(change.from.map((status, i) => [`:from${i}`, { S: status }]));
    try {
      const { Attributes } = await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: this.#key(tenantId),
          UpdateExpression: `SET #status = :status, updatedAt = :at${change.deletionId === undefined ? '' : ', deletionId = :deletion'}`,
          ConditionExpression: `attribute_exists(PK) AND (${Object.keys(from)
            .map((name) => `#status = ${name}`)
            .join(' OR ')})`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': { S: change.status },
            ':at': { S: change.at },
            ...from,
            ...(change.deletionId === undefined ? {} : { ':deletion': { S: change.deletionId } }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return fromItem(Attributes ?? {});
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const now = await this.getTenant(tenantId);
      if (!now) throw new C2Error(C2ErrorCode.NotFound, `no tenant "${tenantId}"`, { cause: error });
      throw new C2Error(C2ErrorCode.ConcurrentUpdate, `tenant "${tenantId}" is ${now.status}`, { cause: error });
    }
  };

  deleteTenantRecord = async (tenantId: string): Promise<void> => {
    await this.#db.send(new DeleteItemCommand({ TableName: this.#table, Key: this.#key(tenantId) }));
  };

  deleteTenantItems = async (tenantId: string, limit: number): Promise<number> => {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100) throw new RangeError('limit must be 1..100');
    const { Items = [] } = await this.#db.send(
      new QueryCommand({
        TableName: this.#table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': { S: partition(tenantId) } },
        ProjectionExpression: 'PK, SK',
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    const requests = Items.map((item) => ({ DeleteRequest: { Key: { PK: item.PK!, SK: item.SK! } } }));
    await batchWriteItems(this.#db, this.#table, requests, 2);
    return requests.length;
  };

  #key(tenantId: string) {
    return { PK: { S: TENANTS_PARTITION }, SK: { S: tenantId } };
  }
}

function toItem(record: TenantRecord): Item {
  return {
    status: { S: record.status },
    createdAt: { S: record.createdAt },
    updatedAt: { S: record.updatedAt },
    ...(record.displayName === undefined ? {} : { displayName: { S: record.displayName } }),
    ...(record.deletionId === undefined ? {} : { deletionId: { S: record.deletionId } }),
  };
}

function fromItem(item: Item): TenantRecord {
  const displayName = item.displayName?.S;
  const deletionId = item.deletionId?.S;
  return {
    id: item.SK?.S ?? '',
    status: (item.status?.S ?? 'active') as TenantStatus,
    createdAt: item.createdAt?.S ?? '',
    updatedAt: item.updatedAt?.S ?? '',
    ...(displayName === undefined ? {} : { displayName }),
    ...(deletionId === undefined ? {} : { deletionId }),
  };
}

/** A cursor of the registry's list: its key, with a tenant id as the sort key (else INVALID_CURSOR). */
function decodeTenantCursor(cursor: string): Item {
  try {
    const { pk, sk } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { pk: unknown; sk: unknown };
    if (pk === TENANTS_PARTITION && typeof sk === 'string' && TENANT_ID_PATTERN.test(sk)) {
      return { PK: { S: pk }, SK: { S: sk } };
    }
  } catch {
    // fall through
  }
  throw new C2Error(C2ErrorCode.InvalidCursor, 'invalid pagination cursor');
}
