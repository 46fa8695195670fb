/**
 * The OperationSlotStore on the KeyStore's table, in the tenant's partition: slot `n` is the item `U#<n, 6 digits>`
 * (`operationId`, `takenAt`) while an operation holds it. Taken with a conditional put (only if absent), freed with
 * a conditional delete (only by its holder).
 */
import { DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { OperationSlot, OperationSlotStore } from '../../c2/ports/OperationSlotStore.js';
import { partitionItems } from '../dynamo/partitionItems.js';
import { partition } from './keyStoreItems.js';
import { writeIf } from './writeIf.js';

const PREFIX = 'U#';
const slotKey = (slot: number): string => `${PREFIX}${String(slot).padStart(6, '0')}`;

export class DynamoOperationSlots implements OperationSlotStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  listOperationSlots = async (tenantId: string): Promise<OperationSlot[]> => {
    const items = await partitionItems(this.#db, this.#table, partition(tenantId), PREFIX);
    return items.map((item) => ({
      slot: Number(item.SK!.S!.slice(PREFIX.length)),
      operationId: item.operationId!.S!,
      takenAt: item.takenAt!.S!,
    }));
  };

  takeOperationSlot = (tenantId: string, { slot, operationId, takenAt }: OperationSlot): Promise<boolean> =>
    writeIf(
      this.#db,
      new PutItemCommand({
        TableName: this.#table,
        Item: { ...this.#key(tenantId, slot), operationId: { S: operationId }, takenAt: { S: takenAt } },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );

  freeOperationSlot = async (tenantId: string, slot: number, operationId: string): Promise<void> => {
    await writeIf(
      this.#db,
      new DeleteItemCommand({
        TableName: this.#table,
        Key: this.#key(tenantId, slot),
        ConditionExpression: 'operationId = :id',
        ExpressionAttributeValues: { ':id': { S: operationId } },
      }),
    );
  };

  #key(tenantId: string, slot: number) {
    return { PK: { S: partition(tenantId) }, SK: { S: slotKey(slot) } };
  }
}
