/**
 * `npm run platform-key` (scripts/createPlatformKey.ts), the platform operator's first key after `cdk deploy`: run as
 * a process against moto's DynamoDB, its key then authenticates as a platform principal; `npm run api-key` registers
 * the tenant it makes a key of.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { authenticateApiKey } from '../../../shared/c2/apiKeys/authenticateApiKey.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { PLATFORM_TENANT } from '../../../shared/c2/platform/platformKeyToken.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';
import { runScriptOnMoto } from '../../support/motoScript.js';

describeWithMoto('npm run platform-key', (moto) => {
  beforeAll(async () => {
    const db = new DynamoDBClient(clientConfig(moto()));
    await createKeyStoreTable(db, 'e4c2-platform');
    db.destroy();
  });

  const script = async (file: string, ...args: string[]) => {
    const result = await runScriptOnMoto(moto().endpoint, file, ['--table', 'e4c2-platform', ...args]);
    if (result.code !== 0) throw Object.assign(new Error(result.stderr), result);
    return result;
  };

  it('prints a platform key once; the API authenticates it as the platform', async () => {
    // Act
    const { stdout } = await script('scripts/createPlatformKey.ts');

    // Assess
    const token = stdout.split('\n').find((line) => line.startsWith('e4c2p.'))!;
    expect(token).toMatch(/^e4c2p\.[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    const db = new DynamoDBClient(clientConfig(moto()));
    // authenticate reads the store and the clock only
    const deps = { store: new DynamoKeyStore(db, 'e4c2-platform'), clock: Date.now } as unknown as C2Deps;
    const keyId = token.split('.')[1]!;
    expect(await authenticateApiKey(deps, token)).toEqual({
      tenantId: PLATFORM_TENANT,
      keyId,
      scope: 'platform',
      actor: `platform:${keyId}`,
    });
    expect(await authenticateApiKey(deps, `${token.slice(0, -2)}AA`)).toBeUndefined();
    const { items } = await deps.store.listEvents(PLATFORM_TENANT, {}, { limit: 10 });
    expect(items.map((e) => [e.action, e.actor])).toEqual([['platformkey.create', 'cli:platform-key']]);
    db.destroy();
  });

  it('npm run api-key registers the tenant (active), which a suspension then refuses', async () => {
    // Act
    const { stdout } = await script('scripts/createApiKey.ts', '--tenant', 'legacy');

    // Assess
    const token = stdout.split('\n').find((line) => line.startsWith('e4c2.'))!;
    const db = new DynamoDBClient(clientConfig(moto()));
    const deps = { store: new DynamoKeyStore(db, 'e4c2-platform'), clock: Date.now } as unknown as C2Deps;
    expect(await deps.store.getTenant('legacy')).toMatchObject({ id: 'legacy', status: 'active' });
    expect((await authenticateApiKey(deps, token))?.tenantStatus).toBeUndefined();
    await deps.store.setTenantStatus('legacy', { status: 'suspended', from: ['active'], at: new Date().toISOString() });
    expect((await authenticateApiKey(deps, token))?.tenantStatus).toBe('suspended');
    db.destroy();
  });
});
