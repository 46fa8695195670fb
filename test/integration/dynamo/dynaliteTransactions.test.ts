/**
 * TransactWriteItems on the embedded store (shared/adapters/local/dynaliteTransactions.cjs), as DynamoDB answers it:
 * all writes or none, a cancellation naming the condition that failed (and the item as it was, when asked), two
 * actions on one item refused, and conditional increments in transactions at once never passing their bound.
 */
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { type RunningDynalite, startDynalite } from '../../../shared/adapters/local/DynaliteServer.js';

const TABLE = 'e4c2-transactions';
let server: RunningDynalite;
let db: DynamoDBClient;
beforeAll(async () => {
  server = await startDynalite();
  db = new DynamoDBClient({
    endpoint: server.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await createKeyStoreTable(db, TABLE);
});
afterAll(async () => {
  db?.destroy();
  await server?.close();
});

const key = (pk: string, sk: string) => ({ PK: { S: pk }, SK: { S: sk } });
const read = async (pk: string, sk: string) =>
  (await db.send(new GetItemCommand({ TableName: TABLE, Key: key(pk, sk), ConsistentRead: true }))).Item;

/** A record's put (only if new) and its counter's increment (only below `max`), as one transaction. */
const createCounted = (pk: string, name: string, max: number): TransactWriteItemsCommandInput => ({
  TransactItems: [
    {
      Put: {
        TableName: TABLE,
        Item: { ...key(pk, `R#${name}`), name: { S: name } },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    },
    {
      Update: {
        TableName: TABLE,
        Key: key(pk, 'counts'),
        UpdateExpression: 'ADD n :one',
        ConditionExpression: 'attribute_exists(n) AND n < :max',
        ExpressionAttributeValues: { ':one': { N: '1' }, ':max': { N: String(max) } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
  ],
});

async function cancellation(input: TransactWriteItemsCommandInput): Promise<TransactionCanceledException> {
  const error = await db.send(new TransactWriteItemsCommand(input)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TransactionCanceledException);
  return error as TransactionCanceledException;
}

describe('TransactWriteItems on dynalite', () => {
  it('applies every write when every condition holds (put, update, delete, condition check)', async () => {
    // Prepare
    await db.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('a', 'counts'), n: { N: '0' } } }));
    await db.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('a', 'old') } }));

    // Act
    await db.send(new TransactWriteItemsCommand(createCounted('a', 'one', 2)));
    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Delete: { TableName: TABLE, Key: key('a', 'old'), ConditionExpression: 'attribute_exists(PK)' } },
          {
            ConditionCheck: {
              TableName: TABLE,
              Key: key('a', 'absent'),
              ConditionExpression: 'attribute_not_exists(n)',
            },
          },
        ],
      }),
    );

    // Assess
    expect(await read('a', 'R#one')).toEqual({ ...key('a', 'R#one'), name: { S: 'one' } });
    expect((await read('a', 'counts'))?.n).toEqual({ N: '1' });
    expect(await read('a', 'old')).toBeUndefined();
    expect(await read('a', 'absent')).toBeUndefined();
  });

  it('writes nothing when a condition fails, and names it (with the item as it was when asked)', async () => {
    // Prepare: a counter at its bound of 1
    await db.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('b', 'counts'), n: { N: '1' } } }));

    // Act
    const full = await cancellation(createCounted('b', 'one', 1));
    const uncounted = await cancellation(createCounted('c', 'one', 1));
    await db.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('b', 'R#two') } }));
    const exists = await cancellation(createCounted('b', 'two', 5));

    // Assess
    expect(full.CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(full.CancellationReasons?.[1]?.Item).toEqual({ ...key('b', 'counts'), n: { N: '1' } });
    expect(uncounted.CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(uncounted.CancellationReasons?.[1]?.Item).toBeUndefined();
    expect(exists.CancellationReasons?.[0]?.Code).toBe('ConditionalCheckFailed');
    expect(await read('b', 'R#one')).toBeUndefined();
    expect(await read('c', 'R#one')).toBeUndefined();
    expect((await read('b', 'counts'))?.n).toEqual({ N: '1' });
  });

  it('refuses two actions on one item, and a malformed action, as a ValidationException', async () => {
    const twice = db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: key('d', 'x') } },
          { Delete: { TableName: TABLE, Key: key('d', 'x') } },
        ],
      }),
    );
    await expect(twice).rejects.toMatchObject({ name: 'ValidationException' });
    const unused = db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: key('d', 'y'), ExpressionAttributeValues: { ':x': { N: '1' } } } },
        ],
      }),
    );
    await expect(unused).rejects.toMatchObject({ name: 'ValidationException' });
    expect(await read('d', 'x')).toBeUndefined();
  });

  it('30 counted creations at once at a bound of 7: exactly 7 records, the counter at 7', async () => {
    await db.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('e', 'counts'), n: { N: '0' } } }));
    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        db.send(new TransactWriteItemsCommand(createCounted('e', `r${i}`, 7))).then(
          () => 'created',
          (error: unknown) => (error instanceof TransactionCanceledException ? 'cancelled' : String(error)),
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(7);
    expect(outcomes.filter((outcome) => outcome === 'cancelled')).toHaveLength(23);
    expect((await read('e', 'counts'))?.n).toEqual({ N: '7' });
  });
});
