/**
 * TransactWriteItems on the embedded store (shared/adapters/local/dynaliteTransactions.cjs), as DynamoDB answers it:
 * all writes or none, a cancellation naming the condition that failed (and the item as it was, when asked), two
 * actions on one item refused, and conditional increments in transactions at once never passing their bound.
 */

import { request as httpRequest } from 'node:http';
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

  it('puts back what it wrote when a later write fails once the conditions held (an ADD to a string): nothing left', async () => {
    // Prepare: an item whose `n` is a string (an ADD to it passes the condition, then fails), one to overwrite
    await db.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('f', 'counts'), n: { S: 'x' } } }));
    await db.send(new PutItemCommand({ TableName: TABLE, Item: { ...key('f', 'old'), v: { S: 'before' } } }));

    // Act
    const failed = db.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: key('f', 'new'), ConditionExpression: 'attribute_not_exists(PK)' } },
          { Put: { TableName: TABLE, Item: { ...key('f', 'old'), v: { S: 'after' } } } },
          {
            Update: {
              TableName: TABLE,
              Key: key('f', 'counts'),
              UpdateExpression: 'ADD #n :one',
              ExpressionAttributeNames: { '#n': 'n' },
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
        ],
      }),
    );

    // Assess: refused, and neither the new item nor the overwrite is left
    await expect(failed).rejects.toMatchObject({ name: 'ValidationException' });
    expect(await read('f', 'new')).toBeUndefined();
    expect((await read('f', 'old'))?.v).toEqual({ S: 'before' });
    expect((await read('f', 'counts'))?.n).toEqual({ S: 'x' });
  });

  it('answers an action that is not an object with 400, not 500', async () => {
    const answer = await rawRequest('TransactWriteItems', JSON.stringify({ TransactItems: [{ Put: null }] }));
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('ValidationException');
  });

  it('keeps answering after a client gives up on a request queued behind a transaction (its place given back)', async () => {
    // Prepare: request A holds the gate (half its body sent); transaction T waits behind it; request B waits behind T
    const get = JSON.stringify({ TableName: TABLE, Key: key('g', 'x') });
    const held = openRequest('GetItem', get);
    held.request.write(get.slice(0, 5));
    await sleep(100);
    const waiting = rawRequest(
      'TransactWriteItems',
      JSON.stringify({ TransactItems: [{ Put: { TableName: TABLE, Item: key('g', 'x') } }] }),
    );
    await sleep(100);
    const abandoned = openRequest('GetItem', get);
    abandoned.request.end(get);
    await sleep(100);

    // Act: B's client gives up while it waits; A's body completes
    abandoned.request.destroy();
    await sleep(100);
    held.request.end(get.slice(5));

    // Assess: T answers, and so do a later transaction and a later read (B's place was given back)
    expect((await waiting).status).toBe(200);
    const later = await rawRequest(
      'TransactWriteItems',
      JSON.stringify({ TransactItems: [{ Delete: { TableName: TABLE, Key: key('g', 'x') } }] }),
      5_000,
    );
    expect(later.status).toBe(200);
    expect((await rawRequest('GetItem', get, 5_000)).status).toBe(200);
    expect((await held.answer).status).toBe(200);
  });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request to the store as the SDK sends it (the signature is not checked by dynalite), its body written by the caller. */
function openRequest(target: string, body: string) {
  const url = new URL(server.endpoint);
  let answered: (value: { status: number; body: string }) => void = () => {};
  const answer = new Promise<{ status: number; body: string }>((resolve) => {
    answered = resolve;
  });
  const request = httpRequest(
    {
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: '/',
      headers: {
        'x-amz-target': `DynamoDB_20120810.${target}`,
        'content-type': 'application/x-amz-json-1.0',
        'content-length': Buffer.byteLength(body),
        authorization:
          'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        'x-amz-date': '20260101T000000Z',
      },
    },
    (response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => answered({ status: response.statusCode ?? 0, body: text }));
    },
  );
  request.on('error', () => answered({ status: 0, body: 'connection closed' }));
  return { request, answer };
}

/** A whole request; status 0 when no answer came within `timeoutMs` (the store hung). */
async function rawRequest(target: string, body: string, timeoutMs = 3_000) {
  const { request, answer } = openRequest(target, body);
  request.end(body);
  const timeout = sleep(timeoutMs).then(() => {
    request.destroy();
    return { status: 0, body: 'no answer' };
  });
  return Promise.race([answer, timeout]);
}
