/**
 * The OperationStore on DynamoDB, in the KeyStore's table (items in operationStoreItems.ts): the adapter of the AWS
 * deployment and of local mode (dynalite). No transactions (designed before local mode's dynalite had them; none is needed): an idempotency key is its own item,
 * written first and conditionally, and the operation second; a crash between the two is repaired by the next create
 * of the same key. Filters are applied while reading the tenant's operations (or an operation's deliveries): no
 * secondary index, since lists are read newest first and a tenant's recent operations are few against its devices.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { OperationSlotStore } from '../../c2/ports/OperationSlotStore.js';
import type {
  CommandRef,
  CommandRefKey,
  CountsDelta,
  DeliveryConfirmation,
  DeliveryRecord,
  DeliveryState,
  DeliveryTransition,
  OperationFilter,
  OperationRecord,
  OperationStore,
  OperationUpdate,
} from '../../c2/ports/OperationStore.js';
import type { Page, PageRequest } from '../../c2/ports.js';
import { hashIdAlias } from '../../e4/index.js';
import { batchGetItems } from '../dynamo/batchGetItems.js';
import { batchWriteItems } from '../dynamo/batchWriteItems.js';
import { DynamoOperationSlots } from './DynamoOperationSlots.js';
import { filteredPage, matching } from './filteredPage.js';
import { type Item, partition } from './keyStoreItems.js';
import {
  commandRefFromItem,
  commandRefItem,
  commandRefKey,
  countsItem,
  DELTA_ATTRIBUTES,
  deliveriesRange,
  deliveryFromItem,
  deliveryItem,
  deliveryKey,
  expiresAt,
  idempotencyItemKey,
  isIdempotencyKey,
  isOperationId,
  OPERATIONS,
  operationItem,
  operationKey,
} from './operationStoreItems.js';
import { retentionDaysOf } from './rangeQueries.js';
import { writeIf } from './writeIf.js';

export interface DynamoOperationStoreOptions {
  /** How long operations and deliveries are kept (`expiresAt`, the table's TTL): 400 days by default, as events. */
  readonly retentionDays?: number;
}

/** An idempotency key names the operation it made for a day. */
const IDEMPOTENCY_DAYS = 1;
/** BatchWriteItem requests in flight at once (a fan-out page writes 200 items: its deliveries and references). */
const BATCHES_IN_FLIGHT = 8;
/** Conditional updates of deliveries in flight at once. */
const TRANSITIONS_IN_FLIGHT = 25;
/**
 * What an update sets so that a delivery it creates (no record yet: a topic operation's first pass) is a whole
 * record, and leaves as it is on one that exists (values from #absentDeliveryValues, plus `:name`).
 */
const ABSENT_DELIVERY_SET =
  ', operationId = if_not_exists(operationId, :op), clientName = :name, clientId = if_not_exists(clientId, :id), ' +
  'expiresAt = if_not_exists(expiresAt, :expires)';
export class DynamoOperationStore implements OperationStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  readonly #retentionDays: number;
  readonly #slots: DynamoOperationSlots;

  constructor(db: DynamoDBClient, tableName: string, options: DynamoOperationStoreOptions = {}) {
    this.#db = db;
    this.#table = tableName;
    this.#retentionDays = retentionDaysOf(options.retentionDays);
    this.#slots = new DynamoOperationSlots(db, tableName);
  }

  listOperationSlots: OperationSlotStore['listOperationSlots'] = (tenantId) => this.#slots.listOperationSlots(tenantId);
  takeOperationSlot: OperationSlotStore['takeOperationSlot'] = (tenantId, slot) =>
    this.#slots.takeOperationSlot(tenantId, slot);
  freeOperationSlot: OperationSlotStore['freeOperationSlot'] = (tenantId, slot, operationId) =>
    this.#slots.freeOperationSlot(tenantId, slot, operationId);

  createOperation = async (
    record: OperationRecord,
    options: { readonly idempotencyKey?: string } = {},
  ): Promise<{ operation: OperationRecord; created: boolean }> => {
    const { idempotencyKey } = options;
    if (idempotencyKey === undefined) {
      await this.#create(record);
      return { operation: record, created: true };
    }
    if (!isIdempotencyKey(idempotencyKey)) {
      throw new C2Error(C2ErrorCode.InvalidInput, 'an idempotency key is 1 to 128 printable ASCII characters');
    }
    const key = { PK: { S: partition(record.tenantId) }, SK: { S: idempotencyItemKey(idempotencyKey) } };
    const claimed = await writeIf(
      this.#db,
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          ...key,
          operationId: { S: record.id },
          kind: { S: record.kind },
          targetType: { S: record.target.type },
          targetName: { S: record.target.name },
          expiresAt: { N: expiresAt(record.createdAt, IDEMPOTENCY_DAYS) },
        },
        // An expired key is free again (dynalite has no TTL: it stays until written over).
        ConditionExpression: 'attribute_not_exists(PK) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': { N: expiresAt(record.createdAt, 0) } },
      }),
    );
    if (claimed) {
      await this.#create(record);
      return { operation: record, created: true };
    }
    const { Item: claim } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: key, ConsistentRead: true }),
    );
    if (!claim) throw new C2Error(C2ErrorCode.ConcurrentUpdate, 'the idempotency key changed while it was read; retry');
    if (
      claim.kind?.S !== record.kind ||
      claim.targetType?.S !== record.target.type ||
      claim.targetName?.S !== record.target.name
    ) {
      throw new C2Error(C2ErrorCode.InvalidInput, 'this idempotency key was used for another change');
    }
    const id = claim.operationId!.S!;
    const existing = await this.getOperation(record.tenantId, id);
    if (existing) return { operation: existing, created: false };
    // The first create of this key stopped before its operation: this one finishes it, under the id it claimed.
    const operation = { ...record, id };
    try {
      await this.#create(operation);
      return { operation, created: true };
    } catch (error) {
      const raced = await this.getOperation(record.tenantId, id);
      if (error instanceof C2Error && error.code === C2ErrorCode.AlreadyExists && raced) {
        return { operation: raced, created: false };
      }
      throw error;
    }
  };

  operationOfIdempotencyKey = async (
    tenantId: string,
    idempotencyKey: string,
  ): Promise<OperationRecord | undefined> => {
    if (!isIdempotencyKey(idempotencyKey)) return undefined;
    const { Item: claim } = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { PK: { S: partition(tenantId) }, SK: { S: idempotencyItemKey(idempotencyKey) } },
        ConsistentRead: true,
      }),
    );
    if (!claim?.operationId?.S) return undefined;
    return this.getOperation(tenantId, claim.operationId.S);
  };

  getOperation = async (tenantId: string, id: string): Promise<OperationRecord | undefined> => {
    if (!isOperationId(id)) return undefined;
    const item = await this.#getItem(tenantId, operationKey(id));
    return item ? OPERATIONS.fromItem(tenantId, item) : undefined;
  };

  getOperations = async (tenantId: string, ids: readonly string[]): Promise<OperationRecord[]> => {
    const items = await this.#batchGetItems(tenantId, ids.filter(isOperationId).map(operationKey));
    return items.map((item) => OPERATIONS.fromItem(tenantId, item));
  };

  listOperations = async (
    tenantId: string,
    filter: OperationFilter,
    page: PageRequest,
  ): Promise<Page<OperationRecord>> => {
    if (filter.parentId !== undefined && !isOperationId(filter.parentId)) return { items: [] };
    return filteredPage(
      this.#db,
      this.#table,
      OPERATIONS,
      tenantId,
      {
        filter: matching([
          ...(filter.status === undefined ? [] : [['status', filter.status] as const]),
          ...(filter.kind === undefined ? [] : [['kind', filter.kind] as const]),
          ...(filter.target === undefined
            ? []
            : ([
                ['targetType', filter.target.type],
                ['targetName', filter.target.name],
              ] as const)),
          ...(filter.parentId === undefined ? [] : [['parentId', filter.parentId] as const]),
        ]),
        // Children come after their parent: only the operations newer than it are read.
        between:
          filter.parentId === undefined ? undefined : [operationKey(filter.parentId), `${OPERATIONS.prefix}\uffff`],
      },
      page,
    );
  };

  updateOperation = async (
    tenantId: string,
    id: string,
    update: OperationUpdate,
    expectedRevision: number,
  ): Promise<OperationRecord> => {
    const { confirmable: _, ...countsAdded } = update.countsDelta ?? {};
    if (update.counts !== undefined && countFields(countsAdded).length > 0) {
      throw new RangeError('updateOperation: counts and countsDelta of the counts together');
    }
    const set: Item = {
      updatedAt: { S: update.updatedAt },
      revision: { N: String(expectedRevision + 1) },
      ...(update.status === undefined ? {} : { status: { S: update.status } }),
      ...(typeof update.finishedAt === 'string' ? { finishedAt: { S: update.finishedAt } } : {}),
      ...(update.keyVersion === undefined ? {} : { keyVersion: { N: String(update.keyVersion) } }),
      ...(typeof update.cursor === 'string' ? { fanOutCursor: { S: update.cursor } } : {}),
      ...(update.counts === undefined ? {} : countsItem(update.counts)),
      ...(update.error ? { errorCode: { S: update.error.code }, errorMessage: { S: update.error.message } } : {}),
    };
    const removed = [
      ...(update.cursor === null ? ['fanOutCursor'] : []),
      ...(update.finishedAt === null ? ['finishedAt'] : []),
      ...(update.error === null ? ['errorCode', 'errorMessage'] : []),
    ];
    const names = Object.keys(set);
    const adds = countFields(update.countsDelta ?? {});
    const add = adds.length > 0 ? ` ADD ${adds.map((_, i) => `#c${i} :c${i}`).join(', ')}` : '';
    return this.#updateOperation(tenantId, id, {
      expression: `SET ${names.map((_, i) => `#a${i} = :a${i}`).join(', ')}${add}${removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : ''}`,
      names: {
        ...Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
        ...Object.fromEntries(adds.map((field, i) => [`#c${i}`, DELTA_ATTRIBUTES[field]])),
      },
      values: {
        ...Object.fromEntries(names.map((name, i) => [`:a${i}`, set[name]!])),
        ...Object.fromEntries(adds.map((field, i) => [`:c${i}`, { N: String(update.countsDelta![field]) }])),
        ':expected': { N: String(expectedRevision) },
      },
      condition: 'attribute_exists(PK) AND revision = :expected',
    });
  };

  addToCounts = (tenantId: string, id: string, delta: CountsDelta, updatedAt: string): Promise<OperationRecord> => {
    const fields = countFields(delta);
    return this.#updateOperation(tenantId, id, {
      expression: `SET updatedAt = :at${fields.length > 0 ? ` ADD ${fields.map((_, i) => `#c${i} :c${i}`).join(', ')}` : ''}`,
      names: Object.fromEntries(fields.map((field, i) => [`#c${i}`, DELTA_ATTRIBUTES[field]])),
      values: {
        ':at': { S: updatedAt },
        ...Object.fromEntries(fields.map((field, i) => [`:c${i}`, { N: String(delta[field]) }])),
      },
      condition: 'attribute_exists(PK)',
    });
  };

  putDeliveries = (deliveries: readonly DeliveryRecord[]): Promise<void> =>
    this.#putAll(
      deliveries.map((delivery) => ({
        PK: { S: partition(delivery.tenantId) },
        SK: { S: deliveryKey(delivery.operationId, delivery.clientName) },
        ...deliveryItem(delivery, this.#retentionDays),
      })),
    );

  putCommandRefs = (refs: readonly CommandRef[]): Promise<void> =>
    this.#putAll(
      refs.map((ref) => ({
        PK: { S: partition(ref.tenantId) },
        SK: { S: commandRefKey(ref.clientId, ref.commandHash) },
        ...commandRefItem(ref),
      })),
    );

  /** The references found (an expired one, still there in dynalite, which has no TTL, is ignored), in no order. */
  getCommandRefs = async (tenantId: string, keys: readonly CommandRefKey[]): Promise<CommandRef[]> => {
    const asked = new Map(keys.map((key) => [commandRefKey(key.clientId, key.commandHash), key]));
    const now = Date.now();
    return (await this.#batchGetItems(tenantId, [...asked.keys()]))
      .filter((item) => Number(item.expiresAt?.N) * 1000 > now)
      .map((item) => {
        const { clientId, commandHash } = asked.get(item.SK!.S!)!;
        return commandRefFromItem(tenantId, clientId, commandHash, item);
      });
  };

  /** Writes items (created or replaced), 25 per BatchWriteItem, {@link BATCHES_IN_FLIGHT} requests at once. */
  #putAll(items: readonly Item[]): Promise<void> {
    return batchWriteItems(
      this.#db,
      this.#table,
      items.map((Item) => ({ PutRequest: { Item } })),
      BATCHES_IN_FLIGHT,
    );
  }

  transitionDeliveries = async (
    tenantId: string,
    operationId: string,
    transitions: readonly DeliveryTransition[],
  ): Promise<DeliveryRecord[]> => {
    const changed: (DeliveryRecord | undefined)[] = [];
    for (let i = 0; i < transitions.length; i += TRANSITIONS_IN_FLIGHT) {
      const chunk = transitions.slice(i, i + TRANSITIONS_IN_FLIGHT);
      changed.push(...(await Promise.all(chunk.map((t) => this.#transition(tenantId, operationId, t)))));
    }
    return changed.filter((record) => record !== undefined);
  };

  getDelivery = async (
    tenantId: string,
    operationId: string,
    clientName: string,
  ): Promise<DeliveryRecord | undefined> => {
    if (!isOperationId(operationId)) return undefined;
    const item = await this.#getItem(tenantId, deliveryKey(operationId, clientName));
    const record = item ? deliveryFromItem(tenantId, item) : undefined;
    return record?.clientName === clientName ? record : undefined;
  };

  confirmDelivery = async (
    tenantId: string,
    operationId: string,
    clientName: string,
    confirm: DeliveryConfirmation,
  ): Promise<DeliveryState | undefined> => {
    if (!isOperationId(operationId) || confirm.from.length === 0) return undefined;
    const states = `clientName = :name AND #state IN (${confirm.from.map((_, i) => `:from${i}`).join(', ')})`;
    const { commandHash, via } = confirm;
    const sets = [
      '#state = :confirmed',
      'updatedAt = :at',
      'attempts = if_not_exists(attempts, :one)',
      ...(commandHash ? ['commandHash = if_not_exists(commandHash, :hash)'] : []),
      ...(via === undefined ? [] : ['confirmedVia = :via']),
    ];
    try {
      const { Attributes } = await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { PK: { S: partition(tenantId) }, SK: { S: deliveryKey(operationId, clientName) } },
          UpdateExpression: `SET ${sets.join(', ')}${ABSENT_DELIVERY_SET} REMOVE lastError`,
          ConditionExpression: confirm.orAbsent ? `attribute_not_exists(SK) OR (${states})` : states,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':confirmed': { S: 'confirmed' },
            ':at': { S: confirm.updatedAt },
            ':one': { N: '1' },
            ...(commandHash ? { ':hash': { B: commandHash } } : {}),
            ...(via === undefined ? {} : { ':via': { S: via } }),
            ':name': { S: clientName },
            ...this.#absentDeliveryValues(operationId, clientName, confirm.updatedAt),
            ...Object.fromEntries(confirm.from.map((state, i) => [`:from${i}`, { S: state }])),
          },
          // The state it had (absent when the write created the record).
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      return (Attributes?.state?.S as DeliveryState | undefined) ?? 'pending';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  };

  getDeliveries = async (
    tenantId: string,
    operationId: string,
    clientNames: readonly string[],
  ): Promise<DeliveryRecord[]> => {
    if (!isOperationId(operationId)) return [];
    const items = await this.#batchGetItems(
      tenantId,
      clientNames.map((name) => deliveryKey(operationId, name)),
    );
    return items.map((item) => deliveryFromItem(tenantId, item));
  };

  listDeliveries = async (
    tenantId: string,
    operationId: string,
    filter: { readonly state?: DeliveryState },
    page: PageRequest,
  ): Promise<Page<DeliveryRecord>> => {
    if (!isOperationId(operationId)) return { items: [] };
    return filteredPage(
      this.#db,
      this.#table,
      deliveriesRange(operationId),
      tenantId,
      { filter: matching(filter.state === undefined ? [] : [['state', filter.state]]) },
      page,
    );
  };

  async #create(record: OperationRecord): Promise<void> {
    const written = await writeIf(
      this.#db,
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          PK: { S: partition(record.tenantId) },
          SK: { S: operationKey(record.id) },
          ...operationItem(record, this.#retentionDays),
        },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    if (!written) throw new C2Error(C2ErrorCode.AlreadyExists, `operation "${record.id}" exists already`);
  }

  /** The items of a tenant with those sort keys (each read once), in no order. */
  #batchGetItems(tenantId: string, sortKeys: readonly string[]): Promise<Item[]> {
    const unique = [...new Set(sortKeys)]; // BatchGetItem refuses a request that names a key twice
    const keys = unique.map((sortKey) => ({ PK: { S: partition(tenantId) }, SK: { S: sortKey } }));
    return batchGetItems(this.#db, this.#table, keys);
  }

  async #getItem(tenantId: string, sortKey: string): Promise<Item | undefined> {
    const { Item } = await this.#db.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { PK: { S: partition(tenantId) }, SK: { S: sortKey } },
        ConsistentRead: true,
      }),
    );
    return Item;
  }

  /** A conditional update of an operation, returning it as stored; NOT_FOUND or CONCURRENT_UPDATE when refused. */
  async #updateOperation(
    tenantId: string,
    id: string,
    update: { expression: string; names: Record<string, string>; values: Item; condition: string },
  ): Promise<OperationRecord> {
    const missing = new C2Error(C2ErrorCode.NotFound, `no operation "${id}"`);
    if (!isOperationId(id)) throw missing;
    try {
      const { Attributes } = await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { PK: { S: partition(tenantId) }, SK: { S: operationKey(id) } },
          UpdateExpression: update.expression,
          ConditionExpression: update.condition,
          ...(Object.keys(update.names).length > 0 ? { ExpressionAttributeNames: update.names } : {}),
          ExpressionAttributeValues: update.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return OPERATIONS.fromItem(tenantId, Attributes!);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (!(await this.getOperation(tenantId, id))) throw missing;
      throw new C2Error(C2ErrorCode.ConcurrentUpdate, `operation "${id}" changed since it was read`);
    }
  }

  /** The values of {@link ABSENT_DELIVERY_SET} (`:name` is the caller's, as its condition needs it too). */
  #absentDeliveryValues(operationId: string, clientName: string, updatedAt: string): Item {
    return {
      ':op': { S: operationId },
      ':id': { B: hashIdAlias(clientName) },
      ':expires': { N: expiresAt(updatedAt, this.#retentionDays) },
    };
  }

  async #transition(tenantId: string, operationId: string, t: DeliveryTransition): Promise<DeliveryRecord | undefined> {
    if (t.from.length === 0) return undefined;
    const clearsError = t.lastError === undefined && (t.to === 'sent' || t.to === 'confirmed');
    const states = `#state IN (${t.from.map((_, i) => `:from${i}`).join(', ')})`;
    // A transition is of the delivery's own command: one confirmed through another operation's says so no more.
    // Created when absent (orAbsent): the attributes a record has from the start, kept as they are otherwise.
    const identity = t.orAbsent ? ABSENT_DELIVERY_SET : '';
    try {
      const { Attributes } = await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { PK: { S: partition(tenantId) }, SK: { S: deliveryKey(operationId, t.clientName) } },
          UpdateExpression: `SET #state = :to, updatedAt = :at${identity}${t.lastError === undefined ? '' : ', lastError = :error'}${t.commandHash === undefined ? '' : ', commandHash = :hash'} ADD attempts :attempts REMOVE ${clearsError ? 'lastError, ' : ''}confirmedVia`,
          ConditionExpression: t.orAbsent
            ? `attribute_not_exists(SK) OR (clientName = :name AND ${states})`
            : `clientName = :name AND ${states}`,
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':to': { S: t.to },
            ':at': { S: t.updatedAt },
            ':name': { S: t.clientName },
            ':attempts': { N: String(t.addAttempts ?? 0) },
            ...(t.orAbsent ? this.#absentDeliveryValues(operationId, t.clientName, t.updatedAt) : {}),
            ...(t.lastError === undefined ? {} : { ':error': { S: t.lastError } }),
            ...(t.commandHash === undefined ? {} : { ':hash': { B: t.commandHash } }),
            ...Object.fromEntries(t.from.map((state, i) => [`:from${i}`, { S: state }])),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return deliveryFromItem(tenantId, Attributes!);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}

/** The counts a delta changes (zeros left out), each checked to be an integer. */
function countFields(delta: CountsDelta): (keyof CountsDelta)[] {
  const fields = (Object.keys(DELTA_ATTRIBUTES) as (keyof CountsDelta)[]).filter(
    (field) => delta[field] !== undefined && delta[field] !== 0,
  );
  for (const field of fields) {
    if (!Number.isSafeInteger(delta[field])) throw new RangeError(`counts delta "${field}" is not an integer`);
  }
  return fields;
}
