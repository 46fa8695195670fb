/**
 * The EnrolmentWindowStore on the KeyStore's table, in the tenant's partition: `J#<window id>` one item per window,
 * its `enrolled` count taken by one conditional update (`enrolled < maxCount`, not closed, before `closesAt`: ISO
 * times in UTC compare as strings), so that concurrent enrolments never take it past its maximum.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ReturnValue,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type {
  EnrolmentMode,
  EnrolmentWindowRecord,
  EnrolmentWindowStore,
} from '../../c2/ports/EnrolmentWindowStore.js';
import type { PageRequest } from '../../c2/ports.js';
import { type Item, type ItemRange, partition } from './keyStoreItems.js';
import { queryPage } from './rangeQueries.js';
import { writeIf } from './writeIf.js';

const PREFIX = 'J#';

export const ENROLMENT_WINDOWS: ItemRange<EnrolmentWindowRecord> = {
  prefix: PREFIX,
  fromItem: (tenantId, item) => ({
    tenantId,
    id: item.SK!.S!.slice(PREFIX.length),
    ...(item.name ? { name: item.name.S! } : {}),
    mode: item.mode!.S! as EnrolmentMode,
    topics: item.topics?.L?.map((topic) => topic.S!) ?? [],
    maxCount: Number(item.maxCount!.N),
    enrolled: Number(item.enrolled!.N),
    closesAt: item.closesAt!.S!,
    ...(item.closedAt ? { closedAt: item.closedAt.S! } : {}),
    actor: item.actor!.S!,
    createdAt: item.createdAt!.S!,
  }),
};

function toItem(record: EnrolmentWindowRecord): Item {
  return {
    PK: { S: partition(record.tenantId) },
    SK: { S: PREFIX + record.id },
    ...(record.name === undefined ? {} : { name: { S: record.name } }),
    mode: { S: record.mode },
    topics: { L: record.topics.map((topic) => ({ S: topic })) },
    maxCount: { N: String(record.maxCount) },
    enrolled: { N: String(record.enrolled) },
    closesAt: { S: record.closesAt },
    ...(record.closedAt === undefined ? {} : { closedAt: { S: record.closedAt } }),
    actor: { S: record.actor },
    createdAt: { S: record.createdAt },
  };
}

export class DynamoEnrolmentWindows implements EnrolmentWindowStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  createEnrolmentWindow = async (record: EnrolmentWindowRecord): Promise<void> => {
    const put = new PutItemCommand({
      TableName: this.#table,
      Item: toItem(record),
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    if (!(await writeIf(this.#db, put))) {
      throw new C2Error(C2ErrorCode.AlreadyExists, `enrolment window "${record.id}" exists already`);
    }
  };

  getEnrolmentWindow = async (tenantId: string, id: string): Promise<EnrolmentWindowRecord | undefined> => {
    const { Item } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key(tenantId, id), ConsistentRead: true }),
    );
    return Item ? ENROLMENT_WINDOWS.fromItem(tenantId, Item) : undefined;
  };

  listEnrolmentWindows = (tenantId: string, page: PageRequest) =>
    queryPage(this.#db, this.#table, ENROLMENT_WINDOWS, tenantId, page);

  takeEnrolmentSlot = async (tenantId: string, id: string, now: string): Promise<EnrolmentWindowRecord> => {
    try {
      const { Attributes } = await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: this.#key(tenantId, id),
          UpdateExpression: 'SET enrolled = enrolled + :one',
          ConditionExpression:
            'attribute_exists(PK) AND enrolled < maxCount AND closesAt > :now AND attribute_not_exists(closedAt)',
          ExpressionAttributeValues: { ':one': { N: '1' }, ':now': { S: now } },
          ReturnValues: ReturnValue.ALL_NEW,
        }),
      );
      return ENROLMENT_WINDOWS.fromItem(tenantId, Attributes!);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const window = await this.getEnrolmentWindow(tenantId, id);
      if (!window) throw new C2Error(C2ErrorCode.NotFound, `no enrolment window "${id}"`);
      throw new C2Error(C2ErrorCode.ConcurrentUpdate, `enrolment window "${id}" takes no enrolment now`);
    }
  };

  releaseEnrolmentSlot = async (tenantId: string, id: string): Promise<void> => {
    await writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#key(tenantId, id),
        UpdateExpression: 'SET enrolled = enrolled - :one',
        ConditionExpression: 'attribute_exists(PK) AND enrolled > :zero',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':zero': { N: '0' } },
      }),
    );
  };

  closeEnrolmentWindow = async (tenantId: string, id: string, at: string): Promise<void> => {
    const closed = await writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#key(tenantId, id),
        UpdateExpression: 'SET closedAt = :at',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(closedAt)',
        ExpressionAttributeValues: { ':at': { S: at } },
      }),
    );
    if (!closed && !(await this.getEnrolmentWindow(tenantId, id))) {
      throw new C2Error(C2ErrorCode.NotFound, `no enrolment window "${id}"`);
    }
  };

  #key(tenantId: string, id: string) {
    return { PK: { S: partition(tenantId) }, SK: { S: PREFIX + id } };
  }
}
