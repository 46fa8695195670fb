/**
 * The tenants' fences (FenceStore, see shared/c2/c2key/tenantFence.ts) on the KeyStore's table: one item per tenant,
 * `F#fence`, its writer two attributes (`fenceOwner`, `fenceUntil`, ms) and each reader one (`r_<reader id>`: until
 * when, ms). Every change is one conditional write on that item, so that a reader is let in only while no writer
 * holds the fence, and a writer sees in one read every reader that got in before it raised it.
 */
import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { C2Error, C2ErrorCode } from '../../c2/errors.js';
import type { FenceStore, TenantFence } from '../../c2/ports.js';
import { partition } from './keyStoreItems.js';
import { writeIf } from './writeIf.js';

const READER = 'r_';
/** No writer, or one whose lease ended. */
const FENCE_DOWN = '(attribute_not_exists(fenceOwner) OR fenceUntil <= :now)';

export class DynamoFenceStore implements FenceStore {
  readonly #db: DynamoDBClient;
  readonly #table: string;

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  raiseFence = async (tenantId: string, lease: { owner: string; now: number; until: number }): Promise<void> => {
    const raised = await this.#update(tenantId, {
      UpdateExpression: 'SET fenceOwner = :owner, fenceUntil = :until',
      ConditionExpression: `${FENCE_DOWN} OR fenceOwner = :owner`,
      ExpressionAttributeValues: {
        ':owner': { S: lease.owner },
        ':now': { N: String(lease.now) },
        ':until': { N: String(lease.until) },
      },
    });
    if (!raised) throw new C2Error(C2ErrorCode.ConcurrentUpdate, "the tenant's C2 key is being replaced already");
  };

  lowerFence = async (tenantId: string, owner: string): Promise<void> => {
    await this.#update(tenantId, {
      UpdateExpression: 'REMOVE fenceOwner, fenceUntil',
      ConditionExpression: 'fenceOwner = :owner',
      ExpressionAttributeValues: { ':owner': { S: owner } },
    });
  };

  enterFence = async (tenantId: string, stay: { reader: string; now: number; until: number }): Promise<void> => {
    const entered = await this.#update(tenantId, {
      UpdateExpression: 'SET #reader = :until',
      ConditionExpression: `${FENCE_DOWN} OR #reader > :now`,
      ExpressionAttributeNames: { '#reader': READER + stay.reader },
      ExpressionAttributeValues: { ':now': { N: String(stay.now) }, ':until': { N: String(stay.until) } },
    });
    if (!entered) throw new C2Error(C2ErrorCode.ConcurrentUpdate, "the tenant's C2 key is being replaced; retry");
  };

  leaveFence = async (tenantId: string, reader: string): Promise<void> => {
    await this.#update(tenantId, {
      UpdateExpression: 'REMOVE #reader',
      ExpressionAttributeNames: { '#reader': READER + reader },
    });
  };

  getFence = async (tenantId: string): Promise<TenantFence> => {
    const { Item = {} } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key(tenantId), ConsistentRead: true }),
    );
    const readers: Record<string, number> = {};
    for (const [name, value] of Object.entries(Item)) {
      if (name.startsWith(READER) && value.N !== undefined) readers[name.slice(READER.length)] = Number(value.N);
    }
    const { fenceOwner, fenceUntil } = Item;
    return {
      ...(fenceOwner?.S && fenceUntil?.N ? { writer: { owner: fenceOwner.S, until: Number(fenceUntil.N) } } : {}),
      readers,
    };
  };

  #key(tenantId: string) {
    return { PK: { S: partition(tenantId) }, SK: { S: 'F#fence' } };
  }

  /** An update of the tenant's fence item (made by the first one); false when its condition failed. */
  #update(
    tenantId: string,
    update: Pick<
      ConstructorParameters<typeof UpdateItemCommand>[0],
      'UpdateExpression' | 'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<boolean> {
    return writeIf(this.#db, new UpdateItemCommand({ TableName: this.#table, Key: this.#key(tenantId), ...update }));
  }
}
