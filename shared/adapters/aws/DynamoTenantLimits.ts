/**
 * The TenantLimitStore on the KeyStore's table, in the tenant's partition: `T#limits` holds the limits set
 * (`maxClients`, `maxTopics`, `maxPolicies`, `maxConcurrentOperations`, `requestsPerMinute`, `eventRetentionDays`;
 * absent ones at their defaults), `T#counts` the counters (`clients`, `topics`), changed only in the transactions
 * that write or delete the records they count (countedRecordWrites.ts); here they are read, started and recounted.
 * `W#<window start, ISO 8601>` counts the requests of a window (`requests`, one conditional increment below the
 * limit) and carries `expiresAt` (the table's TTL attribute, epoch seconds).
 */
import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  type CountedKind,
  TENANT_LIMIT_NAMES,
  type TenantLimitStore,
  type TenantLimits,
} from '../../c2/ports/TenantLimitStore.js';
import { partition } from './keyStoreItems.js';
import { writeIf } from './writeIf.js';

export const LIMITS_KEY = 'T#limits';
export const COUNTS_KEY = 'T#counts';
const WINDOW_PREFIX = 'W#';

export class DynamoTenantLimits implements TenantLimitStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  getTenantLimits = async (tenantId: string): Promise<Partial<TenantLimits>> => {
    const item = await this.#get(tenantId, LIMITS_KEY);
    const limits: { -readonly [K in keyof TenantLimits]?: number } = {};
    for (const name of TENANT_LIMIT_NAMES) {
      const value = item?.[name]?.N;
      if (value !== undefined) limits[name] = Number(value);
    }
    return limits;
  };

  setTenantLimits: TenantLimitStore['setTenantLimits'] = async (tenantId, limits) => {
    const set = TENANT_LIMIT_NAMES.filter((name) => typeof limits[name] === 'number');
    const removed = TENANT_LIMIT_NAMES.filter((name) => limits[name] === null);
    if (set.length + removed.length === 0) return;
    const clauses = [
      ...(set.length > 0 ? [`SET ${set.map((name) => `${name} = :${name}`).join(', ')}`] : []),
      ...(removed.length > 0 ? [`REMOVE ${removed.join(', ')}`] : []),
    ];
    await this.#db.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#key(tenantId, LIMITS_KEY),
        UpdateExpression: clauses.join(' '),
        ...(set.length > 0
          ? {
              ExpressionAttributeValues: Object.fromEntries(
                set.map((name) => [`:${name}`, { N: String(limits[name]) }]),
              ),
            }
          : {}),
      }),
    );
  };

  setCount: TenantLimitStore['setCount'] = (tenantId, kind, count, expected) =>
    writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#key(tenantId, COUNTS_KEY),
        UpdateExpression: 'SET #count = :count',
        ConditionExpression: expected === undefined ? 'attribute_not_exists(#count)' : '#count = :expected',
        ExpressionAttributeNames: { '#count': kind },
        ExpressionAttributeValues: {
          ':count': { N: String(count) },
          ...(expected === undefined ? {} : { ':expected': { N: String(expected) } }),
        },
      }),
    );

  countRequest: TenantLimitStore['countRequest'] = (tenantId, windowStart, max, expiresAt) =>
    writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#key(tenantId, `${WINDOW_PREFIX}${new Date(windowStart).toISOString()}`),
        UpdateExpression: 'ADD requests :one SET expiresAt = :expiresAt',
        ConditionExpression: 'attribute_not_exists(requests) OR requests < :max',
        ExpressionAttributeValues: {
          ':one': { N: '1' },
          ':max': { N: String(max) },
          ':expiresAt': { N: String(expiresAt) },
        },
      }),
    );

  getCounts = async (tenantId: string): Promise<{ [K in CountedKind]?: number }> => {
    const item = await this.#get(tenantId, COUNTS_KEY);
    const counts: { [K in CountedKind]?: number } = {};
    for (const kind of ['clients', 'topics'] as const) {
      const value = item?.[kind]?.N;
      if (value !== undefined) counts[kind] = Number(value);
    }
    return counts;
  };

  async #get(tenantId: string, key: string) {
    const { Item } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key(tenantId, key), ConsistentRead: true }),
    );
    return Item;
  }

  #key(tenantId: string, key: string) {
    return { PK: { S: partition(tenantId) }, SK: { S: key } };
  }
}
