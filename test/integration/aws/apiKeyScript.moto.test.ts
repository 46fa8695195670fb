/**
 * `npm run api-key` (scripts/createApiKey.ts), the first API key of a tenant after `cdk deploy`: run as a process
 * against moto's DynamoDB, its key then authenticates through the API's own authenticator.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { authenticateApiKey } from '../../../shared/c2/apiKeys/authenticateApiKey.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';
import { runScriptOnMoto } from '../../support/motoScript.js';

describeWithMoto('npm run api-key', (moto) => {
  beforeAll(async () => {
    const db = new DynamoDBClient(clientConfig(moto()));
    await createKeyStoreTable(db, 'e4c2-keys');
    db.destroy();
  });

  const script = async (...args: string[]) => {
    const result = await runScriptOnMoto(moto().endpoint, 'scripts/createApiKey.ts', ['--table', 'e4c2-keys', ...args]);
    if (result.code !== 0) throw Object.assign(new Error(result.stderr), result);
    return result;
  };

  it('prints a key of the tenant once; the API authenticates it', async () => {
    // Act
    const { stdout } = await script('--tenant', 'acme');

    // Assess
    const token = stdout.split('\n').find((line) => line.startsWith('e4c2.'))!;
    expect(token).toMatch(/^e4c2\.acme\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    const db = new DynamoDBClient(clientConfig(moto()));
    // authenticate reads the store and the clock only
    const deps = { store: new DynamoKeyStore(db, 'e4c2-keys'), clock: Date.now } as unknown as C2Deps;
    const keyId = token.split('.')[2]!;
    expect(await authenticateApiKey(deps, token)).toEqual({
      tenantId: 'acme',
      keyId,
      scope: 'admin',
      actor: `apikey:${keyId}`,
    });
    const { items } = await deps.store.listEvents('acme', {}, { limit: 10 });
    expect(items.map((e) => [e.action, e.actor])).toEqual([['apikey.create', 'cli:api-key']]);
    db.destroy();
  });

  it('makes a key of the scope asked (--scope), and refuses an unknown scope', async () => {
    const { stdout } = await script('--tenant', 'acme-ro', '--scope', 'read-only');
    const failure = await script('--tenant', 'acme-ro', '--scope', 'root').catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(stdout).toContain('(read-only)');
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(/^api-key: .*scope/m);
  }, 90_000); // subprocesses (tsx start-up): slow on a loaded machine

  it('refuses a bad tenant id with one line and exit code 1', async () => {
    const failure = await script('--tenant', 'Not A Tenant').catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toMatch(/^api-key: .*tenant/m);
  });
});
