/**
 * The PolicyStore on DynamoDB, in the KeyStore's table (items in policyStoreItems.ts): the adapter of the AWS
 * deployment and of local mode (dynalite). Every change is one conditional write: a policy created if absent,
 * replaced if its revision is still the one read, deleted if present; a run appended if absent (its id says which
 * run it is, so a repeat finds it). Event counters: DynamoEventCounter.ts; removal windows: DynamoRemovalWindows.ts.
 */
import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { PolicyRecord } from '../../c2/policies/PolicyRecord.js';
import type { PolicyRunRecord, PolicyStore } from '../../c2/ports/PolicyStore.js';
import type { Page, PageRequest } from '../../c2/ports.js';
import { DynamoEventCounter } from './DynamoEventCounter.js';
import { DynamoRemovalWindows } from './DynamoRemovalWindows.js';
import { type Item, type ItemRange, partition } from './keyStoreItems.js';
import {
  isPolicyId,
  POLICIES,
  policyItem,
  policyKey,
  runFromItem,
  runItem,
  runKey,
  runsRange,
} from './policyStoreItems.js';
import { countRange, queryPage, retentionDaysOf } from './rangeQueries.js';
import { writeIf } from './writeIf.js';

export interface DynamoPolicyStoreOptions {
  /** How long runs are kept (`expiresAt`, the table's TTL): 400 days by default, as events and operations. */
  readonly retentionDays?: number;
}

export class DynamoPolicyStore implements PolicyStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  readonly #retentionDays: number;
  readonly #counter: DynamoEventCounter;
  readonly #windows: DynamoRemovalWindows;

  constructor(db: DynamoDBClient, tableName: string, options: DynamoPolicyStoreOptions = {}) {
    this.#db = db;
    this.#table = tableName;
    this.#retentionDays = retentionDaysOf(options.retentionDays);
    this.#counter = new DynamoEventCounter(db, tableName);
    this.#windows = new DynamoRemovalWindows(db, tableName);
  }

  countEvent: PolicyStore['countEvent'] = (count) => this.#counter.countEvent(count);
  settleEventRun: PolicyStore['settleEventRun'] = (...args) => this.#counter.settleEventRun(...args);
  openRemovalWindow: PolicyStore['openRemovalWindow'] = (removal) => this.#windows.openRemovalWindow(removal);
  armRemovalWindow: PolicyStore['armRemovalWindow'] = (...args) => this.#windows.armRemovalWindow(...args);

  createPolicy = async (record: PolicyRecord): Promise<void> => {
    const written = await writeIf(
      this.#db,
      new PutItemCommand({
        TableName: this.#table,
        Item: this.#policyItem(record),
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    if (!written) throw new C2Error(C2ErrorCode.AlreadyExists, `policy "${record.id}" exists already`);
  };

  getPolicy = async (tenantId: string, id: string): Promise<PolicyRecord | undefined> => {
    if (!isPolicyId(id)) return undefined;
    const { Item: item } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key(tenantId, policyKey(id)), ConsistentRead: true }),
    );
    return item ? POLICIES.fromItem(tenantId, item) : undefined;
  };

  listPolicies = (tenantId: string, page: PageRequest): Promise<Page<PolicyRecord>> =>
    this.#list(POLICIES, tenantId, page);

  countPolicies = (tenantId: string): Promise<number> => countRange(this.#db, this.#table, POLICIES, tenantId);

  replacePolicy = async (record: PolicyRecord, expectedRevision: number): Promise<void> => {
    const missing = new C2Error(C2ErrorCode.NotFound, `no policy "${record.id}"`);
    if (!isPolicyId(record.id)) throw missing;
    const written = await writeIf(
      this.#db,
      new PutItemCommand({
        TableName: this.#table,
        Item: this.#policyItem(record),
        ConditionExpression: 'attribute_exists(PK) AND revision = :expected',
        ExpressionAttributeValues: { ':expected': { N: String(expectedRevision) } },
      }),
    );
    if (written) return;
    if (!(await this.getPolicy(record.tenantId, record.id))) throw missing;
    throw new C2Error(C2ErrorCode.ConcurrentUpdate, `policy "${record.id}" changed since it was read`);
  };

  deletePolicy = async (tenantId: string, id: string): Promise<void> => {
    const deleted =
      isPolicyId(id) &&
      (await writeIf(
        this.#db,
        new DeleteItemCommand({
          TableName: this.#table,
          Key: this.#key(tenantId, policyKey(id)),
          ConditionExpression: 'attribute_exists(PK)',
        }),
      ));
    if (!deleted) throw new C2Error(C2ErrorCode.NotFound, `no policy "${id}"`);
  };

  appendRun = async (run: PolicyRunRecord): Promise<{ run: PolicyRunRecord; created: boolean }> => {
    const key = this.#key(run.tenantId, runKey(run.policyId, run.id));
    const written = await writeIf(
      this.#db,
      new PutItemCommand({
        TableName: this.#table,
        Item: { ...key, ...runItem(run, this.#retentionDays) },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    if (written) return { run, created: true };
    const { Item: item } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: key, ConsistentRead: true }),
    );
    if (!item) throw new C2Error(C2ErrorCode.ConcurrentUpdate, 'the run changed while it was read; retry');
    return { run: runFromItem(run.tenantId, item), created: false };
  };

  getRun = async (tenantId: string, policyId: string, runId: string): Promise<PolicyRunRecord | undefined> => {
    if (!isPolicyId(policyId) || !isPolicyId(runId)) return undefined;
    const { Item: item } = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: this.#key(tenantId, runKey(policyId, runId)),
        ConsistentRead: true,
      }),
    );
    return item ? runFromItem(tenantId, item) : undefined;
  };

  listRuns = async (tenantId: string, policyId: string, page: PageRequest): Promise<Page<PolicyRunRecord>> =>
    isPolicyId(policyId) ? this.#list(runsRange(policyId), tenantId, page) : { items: [] };

  #key(tenantId: string, sortKey: string): Item {
    return { PK: { S: partition(tenantId) }, SK: { S: sortKey } };
  }

  #policyItem(record: PolicyRecord): Item {
    return { ...this.#key(record.tenantId, policyKey(record.id)), ...policyItem(record) };
  }

  #list<T>(range: ItemRange<T>, tenantId: string, page: PageRequest): Promise<Page<T>> {
    return queryPage(this.#db, this.#table, range, tenantId, page);
  }
}
