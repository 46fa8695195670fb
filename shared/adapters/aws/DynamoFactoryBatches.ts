/**
 * The FactoryBatchStore on the KeyStore's table, in the platform's partition (`T#~platform`: no tenant's): a batch
 * `FB#<batch id>`, a device `FD#<batch id>#<hex E4 id>` (its wrapped key until claimed, its code's hash, its
 * claim), a code `FK#<hex SHA-256 of the code>` naming its device. A claim is one conditional update of the device
 * (its `codeHash` the code's, and `claimTenant` absent, or the same tenant's and `claimCompletedAt` absent).
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
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import { PLATFORM_TENANT } from '../../c2/platform/platformKeyToken.js';
import type {
  FactoryBatchRecord,
  FactoryBatchStore,
  FactoryClaimOutcome,
  FactoryDeviceRecord,
} from '../../c2/ports/FactoryBatchStore.js';
import type { PageRequest } from '../../c2/ports.js';
import { bytesToHex, equalBytes, hexToBytes } from '../../e4/index.js';
import { type Item, type ItemRange, partition } from './keyStoreItems.js';
import { queryPage, rangeQuery } from './rangeQueries.js';
import { writeIf } from './writeIf.js';

const BATCH = 'FB#';
const DEVICE = 'FD#';
const CODE = 'FK#';
const PK = { S: partition(PLATFORM_TENANT) };

const BATCHES: ItemRange<FactoryBatchRecord> = {
  prefix: BATCH,
  fromItem: (_tenantId, item) => ({
    id: item.SK!.S!.slice(BATCH.length),
    name: item.name!.S!,
    actor: item.actor!.S!,
    createdAt: item.createdAt!.S!,
  }),
};

function deviceOf(item: Item): FactoryDeviceRecord {
  const [batchId = '', idHex = ''] = item.SK!.S!.slice(DEVICE.length).split('#');
  return {
    batchId,
    name: item.name!.S!,
    id: hexToBytes(idHex),
    mode: item.mode!.S! as FactoryDeviceRecord['mode'],
    ...(item.wrappedKey?.B ? { wrappedKey: Uint8Array.from(item.wrappedKey.B) } : {}),
    codeHash: Uint8Array.from(item.codeHash!.B!),
    ...(item.claimTenant?.S
      ? {
          claim: {
            tenantId: item.claimTenant.S,
            at: item.claimedAt!.S!,
            ...(item.claimCompletedAt?.S ? { completedAt: item.claimCompletedAt.S } : {}),
          },
        }
      : {}),
    createdAt: item.createdAt!.S!,
  };
}

const devicesOf = (batchId: string): ItemRange<FactoryDeviceRecord> => ({
  prefix: `${DEVICE}${batchId}#`,
  fromItem: (_tenantId, item) => deviceOf(item),
});

export class DynamoFactoryBatches implements FactoryBatchStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  createFactoryBatch = async (record: FactoryBatchRecord): Promise<void> => {
    const put = new PutItemCommand({
      TableName: this.#table,
      Item: {
        PK,
        SK: { S: BATCH + record.id },
        name: { S: record.name },
        actor: { S: record.actor },
        createdAt: { S: record.createdAt },
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    if (!(await writeIf(this.#db, put))) {
      throw new C2Error(C2ErrorCode.AlreadyExists, `factory batch "${record.id}" exists already`);
    }
  };

  deleteFactoryBatch = async (id: string): Promise<void> => {
    await this.#db.send(new DeleteItemCommand({ TableName: this.#table, Key: { PK, SK: { S: BATCH + id } } }));
  };

  getFactoryBatch = async (id: string): Promise<FactoryBatchRecord | undefined> => {
    const Item = await this.#get(BATCH + id);
    return Item ? BATCHES.fromItem(PLATFORM_TENANT, Item) : undefined;
  };

  listFactoryBatches = (page: PageRequest) => queryPage(this.#db, this.#table, BATCHES, PLATFORM_TENANT, page);

  /**
   * The device, then its code (two conditional puts, designed before local mode's dynalite had transactions, see
   * DynamoEventChain.ts). A failure between leaves a device no code names (deleting it cleans it), never a code
   * naming no device; a code left by a delete that stopped midway is deleted by the claim that finds it.
   */
  putFactoryDevice = async (record: FactoryDeviceRecord): Promise<void> => {
    const device = new PutItemCommand({
      TableName: this.#table,
      Item: {
        PK,
        SK: { S: this.#deviceKey(record.batchId, record.id) },
        name: { S: record.name },
        mode: { S: record.mode },
        ...(record.wrappedKey ? { wrappedKey: { B: record.wrappedKey } } : {}),
        codeHash: { B: record.codeHash },
        createdAt: { S: record.createdAt },
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    if (!(await writeIf(this.#db, device))) {
      throw new C2Error(C2ErrorCode.AlreadyExists, `factory device "${record.name}" exists already`);
    }
    const code = new PutItemCommand({
      TableName: this.#table,
      Item: {
        PK,
        SK: { S: CODE + bytesToHex(record.codeHash) },
        batchId: { S: record.batchId },
        idHex: { S: bytesToHex(record.id) },
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    if (!(await writeIf(this.#db, code))) throw new C2Error(C2ErrorCode.AlreadyExists, 'this claim code exists');
  };

  getFactoryDevice = async (batchId: string, id: Uint8Array): Promise<FactoryDeviceRecord | undefined> => {
    const Item = await this.#get(this.#deviceKey(batchId, id));
    return Item ? deviceOf(Item) : undefined;
  };

  listFactoryDevices = (batchId: string, page: PageRequest) =>
    queryPage(this.#db, this.#table, devicesOf(batchId), PLATFORM_TENANT, page);

  countFactoryDevices = async (batchId: string): Promise<{ devices: number; claimed: number }> => {
    let devices = 0;
    let claimed = 0;
    let start: Item | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.#db.send(
        new QueryCommand({
          ...rangeQuery(this.#table, devicesOf(batchId), PLATFORM_TENANT),
          ProjectionExpression: 'claimTenant',
          ExclusiveStartKey: start,
        }),
      );
      devices += Items.length;
      claimed += Items.filter((item) => item.claimTenant !== undefined).length;
      start = LastEvaluatedKey;
    } while (start);
    return { devices, claimed };
  };

  findClaimCode = async (codeHash: Uint8Array) => {
    const Item = await this.#get(CODE + bytesToHex(codeHash));
    return Item ? { batchId: Item.batchId!.S!, id: hexToBytes(Item.idHex!.S!) } : undefined;
  };

  takeFactoryDevice = async (
    batchId: string,
    id: Uint8Array,
    codeHash: Uint8Array,
    tenantId: string,
    at: string,
  ): Promise<FactoryClaimOutcome> => {
    try {
      const { Attributes } = await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { PK, SK: { S: this.#deviceKey(batchId, id) } },
          UpdateExpression: 'SET claimTenant = :tenant, claimedAt = if_not_exists(claimedAt, :at)',
          ConditionExpression:
            'attribute_exists(PK) AND codeHash = :code AND (attribute_not_exists(claimTenant) OR ' +
            '(claimTenant = :tenant AND attribute_not_exists(claimCompletedAt)))',
          ExpressionAttributeValues: { ':tenant': { S: tenantId }, ':at': { S: at }, ':code': { B: codeHash } },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes?.claimTenant === undefined ? 'taken' : 'resumed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const device = await this.getFactoryDevice(batchId, id);
      if (!device || !equalBytes(device.codeHash, codeHash)) throw new C2Error(C2ErrorCode.NotFound, 'no such device');
      return 'used';
    }
  };

  completeFactoryClaim = async (batchId: string, id: Uint8Array, tenantId: string, at: string): Promise<void> => {
    await writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { PK, SK: { S: this.#deviceKey(batchId, id) } },
        UpdateExpression: 'SET claimCompletedAt = :at REMOVE wrappedKey',
        ConditionExpression: 'claimTenant = :tenant AND attribute_not_exists(claimCompletedAt)',
        ExpressionAttributeValues: { ':tenant': { S: tenantId }, ':at': { S: at } },
      }),
    );
  };

  releaseFactoryClaim = async (batchId: string, id: Uint8Array, tenantId: string): Promise<boolean> =>
    writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { PK, SK: { S: this.#deviceKey(batchId, id) } },
        UpdateExpression: 'REMOVE claimTenant, claimedAt',
        ConditionExpression: 'claimTenant = :tenant AND attribute_not_exists(claimCompletedAt)',
        ExpressionAttributeValues: { ':tenant': { S: tenantId } },
      }),
    );

  deleteFactoryDevice = async (
    batchId: string,
    id: Uint8Array,
    options: { readonly incompleteClaimOf?: string } = {},
  ): Promise<'deleted' | 'claimed' | 'missing'> => {
    const tenant = options.incompleteClaimOf;
    const deleted = await writeIf(
      this.#db,
      new DeleteItemCommand({
        TableName: this.#table,
        Key: { PK, SK: { S: this.#deviceKey(batchId, id) } },
        ConditionExpression:
          tenant === undefined
            ? 'attribute_exists(PK) AND attribute_not_exists(claimTenant)'
            : 'attribute_exists(PK) AND (attribute_not_exists(claimTenant) OR ' +
              '(claimTenant = :tenant AND attribute_not_exists(claimCompletedAt)))',
        ...(tenant === undefined ? {} : { ExpressionAttributeValues: { ':tenant': { S: tenant } } }),
      }),
    );
    if (deleted) return 'deleted';
    return (await this.getFactoryDevice(batchId, id)) ? 'claimed' : 'missing';
  };

  replaceClaimCode = async (
    batchId: string,
    id: Uint8Array,
    oldHash: Uint8Array,
    newHash: Uint8Array,
  ): Promise<'replaced' | 'claimed' | 'changed'> => {
    const code = new PutItemCommand({
      TableName: this.#table,
      Item: { PK, SK: { S: CODE + bytesToHex(newHash) }, batchId: { S: batchId }, idHex: { S: bytesToHex(id) } },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    if (!(await writeIf(this.#db, code))) throw new C2Error(C2ErrorCode.AlreadyExists, 'this claim code exists');
    const replaced = await writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { PK, SK: { S: this.#deviceKey(batchId, id) } },
        UpdateExpression: 'SET codeHash = :new',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(claimTenant) AND codeHash = :old',
        ExpressionAttributeValues: { ':new': { B: newHash }, ':old': { B: oldHash } },
      }),
    );
    await this.deleteClaimCode(replaced ? oldHash : newHash);
    if (replaced) return 'replaced';
    const device = await this.getFactoryDevice(batchId, id);
    if (!device) throw new C2Error(C2ErrorCode.NotFound, 'no such device in this batch');
    return device.claim ? 'claimed' : 'changed';
  };

  deleteClaimCode = async (codeHash: Uint8Array): Promise<void> => {
    await this.#db.send(
      new DeleteItemCommand({ TableName: this.#table, Key: { PK, SK: { S: CODE + bytesToHex(codeHash) } } }),
    );
  };

  async #get(sk: string): Promise<Item | undefined> {
    const { Item } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: { PK, SK: { S: sk } }, ConsistentRead: true }),
    );
    return Item;
  }

  #deviceKey(batchId: string, id: Uint8Array): string {
    return `${DEVICE}${batchId}#${bytesToHex(id)}`;
  }
}
