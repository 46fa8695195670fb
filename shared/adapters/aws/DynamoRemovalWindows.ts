/**
 * The `client.removed` windows of DynamoPolicyStore (openRemovalWindow, armRemovalWindow): one item per policy and
 * counter, `U#<policy id>#<counter hash>`, holding the window open now. A removal opens a window with one
 * conditional write (none yet, or the last one opened more than `batchMs` before); otherwise it joins the one there.
 * A window replaced by the next one is not lost: its run was queued when it was armed, and is keyed by its start.
 * An event seen already (its marker, `W#...`, written after the window is opened or joined) only reads the window,
 * so a removal delivered again after its window closed opens none.
 */
import { type DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { RemovalWindow, RemovalWindowInput } from '../../c2/ports/PolicyStore.js';
import { type Item, partition } from './keyStoreItems.js';
import { counterKey, isEventId, isPolicyId, markerKey } from './policyStoreItems.js';
import { writeIf } from './writeIf.js';

const MARKER_DAYS = 14;
const DAY_MS = 86_400_000;

const windowKey = (policyId: string, counter: string) => `U#${counterKey(policyId, counter).slice(2)}`;
const seconds = (ms: number) => String(Math.floor(ms / 1000));
const windowOf = (item: Item): RemovalWindow => ({
  window: Number(item.windowStart!.N),
  dueAt: Number(item.dueAt!.N),
  armed: item.armed?.BOOL === true,
});

export class DynamoRemovalWindows {
  readonly #db: DynamoDBClient;
  readonly #table: string;

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  openRemovalWindow = async (removal: RemovalWindowInput): Promise<RemovalWindow> => {
    const { tenantId, policyId, counter, eventId, at, batchMs, delayMs } = removal;
    if (!isPolicyId(policyId)) throw new RangeError(`policy id "${policyId}" is not valid`);
    if (!isEventId(eventId)) throw new RangeError('the event id is not [0-9A-Za-z_.:-]{1,128}');
    const key = this.#key(tenantId, windowKey(policyId, counter));
    const marker = this.#key(tenantId, markerKey(policyId, counter, eventId));
    const seen = await this.#db.send(new GetItemCommand({ TableName: this.#table, Key: marker, ConsistentRead: true }));
    let opened: Item | undefined;
    if (!seen.Item) {
      try {
        const { Attributes } = await this.#db.send(
          new UpdateItemCommand({
            TableName: this.#table,
            Key: key,
            UpdateExpression: 'SET windowStart = :at, dueAt = :due, armed = :false, expiresAt = :expires',
            ConditionExpression: 'attribute_not_exists(windowStart) OR windowStart < :cutoff',
            ExpressionAttributeValues: {
              ':at': { N: String(at) },
              ':due': { N: String(at + batchMs + delayMs) },
              ':false': { BOOL: false },
              ':cutoff': { N: String(at - batchMs) },
              ':expires': { N: seconds(at + batchMs + delayMs + MARKER_DAYS * DAY_MS) },
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        opened = Attributes;
      } catch (error) {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      }
    }
    const current =
      opened ??
      (await this.#db.send(new GetItemCommand({ TableName: this.#table, Key: key, ConsistentRead: true }))).Item;
    if (!current) throw new Error('a removal window vanished while it was read');
    if (!seen.Item) {
      await this.#db.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: { ...marker, expiresAt: { N: seconds(at + MARKER_DAYS * DAY_MS) } },
        }),
      );
    }
    return windowOf(current);
  };

  armRemovalWindow = async (tenantId: string, policyId: string, counter: string, window: number): Promise<void> => {
    if (!isPolicyId(policyId)) return;
    await writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#key(tenantId, windowKey(policyId, counter)),
        UpdateExpression: 'SET armed = :true',
        ConditionExpression: 'windowStart = :window',
        ExpressionAttributeValues: { ':true': { BOOL: true }, ':window': { N: String(window) } },
      }),
    );
  };

  #key(tenantId: string, sortKey: string): Item {
    return { PK: { S: partition(tenantId) }, SK: { S: sortKey } };
  }
}
