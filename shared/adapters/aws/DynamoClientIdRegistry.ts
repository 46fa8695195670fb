/**
 * The ClientIdRegistry on the KeyStore's table: one item per E4 id in a partition of its own, `PK` = `N#<hex id>`,
 * `SK` = `N`, outside every tenant's `T#` partition (an id is unique across tenants), holding `tenantId`,
 * `claimedAt` and, once issued, `mqttSecretHash`. A claim is one conditional update (no one holds it, or the same
 * tenant does), so that of two tenants claiming an id at once exactly one wins.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ClaimOutcome, ClientIdClaim, ClientIdRegistry } from '../../c2/ports/ClientIdRegistry.js';
import { bytesToHex } from '../../e4/index.js';
import { writeIf } from './writeIf.js';

export const CLAIM_PREFIX = 'N#';

export class DynamoClientIdRegistry implements ClientIdRegistry {
  readonly #db: DynamoDBClient;
  readonly #table: string;

  constructor(db: DynamoDBClient, tableName: string) {
    this.#db = db;
    this.#table = tableName;
  }

  claimClientId = async (tenantId: string, id: Uint8Array, at: string): Promise<ClaimOutcome> => {
    const command = new UpdateItemCommand({
      TableName: this.#table,
      Key: this.#key(id),
      UpdateExpression: 'SET #tenant = :tenant, claimedAt = if_not_exists(claimedAt, :at)',
      ConditionExpression: 'attribute_not_exists(PK) OR #tenant = :tenant',
      ExpressionAttributeNames: { '#tenant': 'tenantId' },
      ExpressionAttributeValues: { ':tenant': { S: tenantId }, ':at': { S: at } },
      ReturnValues: 'ALL_OLD',
    });
    try {
      const { Attributes } = await this.#db.send(command);
      return Attributes?.tenantId === undefined ? 'claimed' : 'held';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'taken';
      throw error;
    }
  };

  releaseClientId = async (
    tenantId: string,
    id: Uint8Array,
    options: { readonly claimedAt?: string } = {},
  ): Promise<void> => {
    const { claimedAt } = options;
    await writeIf(
      this.#db,
      new DeleteItemCommand({
        TableName: this.#table,
        Key: this.#key(id),
        ConditionExpression: claimedAt === undefined ? '#tenant = :tenant' : '#tenant = :tenant AND claimedAt = :at',
        ExpressionAttributeNames: { '#tenant': 'tenantId' },
        ExpressionAttributeValues: {
          ':tenant': { S: tenantId },
          ...(claimedAt === undefined ? {} : { ':at': { S: claimedAt } }),
        },
      }),
    );
  };

  getClientIdClaim = async (id: Uint8Array): Promise<ClientIdClaim | undefined> => {
    const { Item } = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key(id), ConsistentRead: true }),
    );
    const tenantId = Item?.tenantId?.S;
    const claimedAt = Item?.claimedAt?.S;
    if (tenantId === undefined || claimedAt === undefined) return undefined;
    const hash = Item?.mqttSecretHash?.B;
    return { tenantId, claimedAt, ...(hash ? { mqttSecretHash: Uint8Array.from(hash) } : {}) };
  };

  transferClientId = async (from: string, to: string, id: Uint8Array, at: string): Promise<boolean> =>
    writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#key(id),
        UpdateExpression: 'SET #tenant = :to, claimedAt = :at REMOVE mqttSecretHash',
        ConditionExpression: '#tenant = :from',
        ExpressionAttributeNames: { '#tenant': 'tenantId' },
        ExpressionAttributeValues: { ':from': { S: from }, ':to': { S: to }, ':at': { S: at } },
      }),
    ).then(async (moved) => moved || (await this.getClientIdClaim(id))?.tenantId === to);

  setMqttSecretHash = (tenantId: string, id: Uint8Array, hash: Uint8Array): Promise<boolean> =>
    writeIf(
      this.#db,
      new UpdateItemCommand({
        TableName: this.#table,
        Key: this.#key(id),
        UpdateExpression: 'SET mqttSecretHash = :hash',
        ConditionExpression: '#tenant = :tenant',
        ExpressionAttributeNames: { '#tenant': 'tenantId' },
        ExpressionAttributeValues: { ':tenant': { S: tenantId }, ':hash': { B: hash } },
      }),
    );

  #key(id: Uint8Array) {
    return { PK: { S: CLAIM_PREFIX + bytesToHex(id) }, SK: { S: 'N' } };
  }
}
