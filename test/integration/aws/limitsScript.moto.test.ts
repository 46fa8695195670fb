/**
 * `npm run limits -- --table` (scripts/setTenantLimits.ts) against moto's DynamoDB, run as a process: the limits it
 * sets are those the use cases read; a bad value changes nothing.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, expect, it } from 'vitest';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';
import { runScriptOnMoto } from '../../support/motoScript.js';

describeWithMoto('npm run limits', (moto) => {
  beforeAll(async () => {
    const db = new DynamoDBClient(clientConfig(moto()));
    await createKeyStoreTable(db, 'e4c2-limits');
    db.destroy();
  });

  const script = (...args: string[]) =>
    runScriptOnMoto(moto().endpoint, 'scripts/setTenantLimits.ts', ['--table', 'e4c2-limits', ...args]);

  it("sets a tenant's limits in the table, prints them with its usage; a bad value changes nothing", async () => {
    // Act
    const set = await script('--tenant', 'acme', '--max-topics', '7', '--max-clients', '0');
    const bad = await script('--tenant', 'acme', '--max-topics', '1e3');
    const missing = await script('--max-topics', '7');

    // Assess
    expect(JSON.parse(set.stdout)).toEqual({
      tenantId: 'acme',
      limits: {
        maxClients: 0,
        maxTopics: 7,
        maxPolicies: 100,
        maxConcurrentOperations: 100,
        requestsPerMinute: 6_000,
        eventRetentionDays: 400,
      },
      usage: { clients: 0, topics: 0, policies: 0, operationsInProgress: 0 },
    });
    expect(bad.code).not.toBe(0);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('tenantId');
    const db = new DynamoDBClient(clientConfig(moto()));
    expect(await new DynamoKeyStore(db, 'e4c2-limits').getTenantLimits('acme')).toEqual({
      maxClients: 0,
      maxTopics: 7,
    });
    db.destroy();
  }, 90_000); // subprocesses (tsx start-up): slow on a loaded machine
});
