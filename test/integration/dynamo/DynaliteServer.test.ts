/**
 * The embedded store's server in its own thread: it answers over HTTP like DynamoDB, a port already taken is a clear
 * error (no thread left behind), and closing it twice is harmless. The SDK client it is used with runs without the
 * SDK's per-call logger (withoutCallLog).
 */
import { createServer } from 'node:net';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { localDynamoClient } from '../../../local/localDynamoClient.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { withoutCallLog } from '../../../shared/adapters/aws/withoutCallLog.js';
import { startDynalite } from '../../../shared/adapters/local/DynaliteServer.js';

const clientFor = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

describe('startDynalite (a worker thread)', () => {
  it('serves DynamoDB calls from its thread; close is idempotent', async () => {
    // Prepare
    const server = await startDynalite();
    const db = withoutCallLog(clientFor(server.endpoint));
    try {
      await createKeyStoreTable(db, 'e4c2');

      // Act
      await db.send(new PutItemCommand({ TableName: 'e4c2', Item: { PK: { S: 'p' }, SK: { S: 's' }, v: { N: '7' } } }));
      const { Item } = await db.send(
        new GetItemCommand({ TableName: 'e4c2', Key: { PK: { S: 'p' }, SK: { S: 's' } } }),
      );

      // Assess
      expect(Item?.v).toEqual({ N: '7' });
    } finally {
      db.destroy();
      await server.close();
    }
    await expect(server.close()).resolves.toBeUndefined();
    await expect(fetch(server.endpoint)).rejects.toThrow();
  });

  it('refuses a port already in use with an error naming why', async () => {
    // Prepare
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      // Act / Assess
      await expect(startDynalite({ port })).rejects.toThrow(/dynalite did not start: .*EADDRINUSE/);
    } finally {
      taken.close();
    }
  });
});

describe('withoutCallLog', () => {
  it('removes the SDK logger middleware and nothing else', () => {
    // Prepare
    const plain = clientFor('http://127.0.0.1:1');
    const before = plain.middlewareStack.identify();

    // Act
    const quiet = withoutCallLog(clientFor('http://127.0.0.1:1'));
    const after = quiet.middlewareStack.identify();

    // Assess
    expect(before.some((entry) => entry.startsWith('loggerMiddleware'))).toBe(true);
    expect(after.some((entry) => entry.startsWith('loggerMiddleware'))).toBe(false);
    expect(after).toHaveLength(before.length - 1);
    plain.destroy();
    quiet.destroy();
  });
});

describe('localDynamoClient', () => {
  it('talks to the embedded store without signing its requests (the same Authorization on every call)', async () => {
    // Prepare: a middleware after signing that keeps the headers each request went out with
    const server = await startDynalite();
    const db = localDynamoClient(server.endpoint);
    const sent: Record<string, string>[] = [];
    db.middlewareStack.add(
      (next) => async (args) => {
        sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'recordHeaders' },
    );
    try {
      // Act
      await createKeyStoreTable(db, 'e4c2');
      await db.send(new PutItemCommand({ TableName: 'e4c2', Item: { PK: { S: 'p' }, SK: { S: 's' } } }));
      const { Item } = await db.send(
        new GetItemCommand({ TableName: 'e4c2', Key: { PK: { S: 'p' }, SK: { S: 's' } } }),
      );

      // Assess
      expect(Item?.PK).toEqual({ S: 'p' });
      expect(sent.length).toBeGreaterThanOrEqual(3);
      // The same Authorization on every call, of SigV4's shape (dynalite wants one), signing nothing
      expect(new Set(sent.map((headers) => headers.authorization)).size).toBe(1);
      expect(sent[0]!.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=.* Signature=none$/);
    } finally {
      db.destroy();
      await server.close();
    }
  });
});
