/**
 * `npm run api-key -- --table <name> --tenant <id> [--name admin] [--scope admin] [--region <region>]`: creates an API key of a
 * tenant directly in the deployed table (the AWS deployment has no key yet after `cdk deploy`; local mode prints its
 * own) and prints it once. It runs with the operator's AWS credentials (the default provider chain) and needs
 * dynamodb:PutItem and GetItem on the table, and (the table being encrypted with the stack's KMS key) kms:GenerateDataKey and
 * kms:Decrypt on that key through DynamoDB; API keys themselves are stored hashed, not under KMS. The tenant is
 * registered (active) if it is not yet (shared/c2/tenants/registerTenant.ts), so that the platform operator can
 * suspend or delete it; tenants are better created with POST /v1/tenants and a platform key (`npm run platform-key`).
 * `--endpoint` points it at moto in tests.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Command } from 'commander';
import type { ApiKeyScope } from '../shared/c2/apiKeys/ApiKeyScope.js';
import { createApiKey } from '../shared/c2/apiKeys/createApiKey.js';
import { registerTenant } from '../shared/c2/tenants/registerTenant.js';
import { storeOnlyDeps } from './storeOnlyDeps.js';

const options = new Command('api-key')
  .requiredOption('--table <name>', 'the DynamoDB table of the stateful stack (its output TableName)')
  .requiredOption('--tenant <id>', 'the tenant id: lowercase letters, digits and "-"')
  .option('--name <name>', 'a name for the key', 'admin')
  .option('--scope <scope>', 'admin, operator, read-only or enrol', 'admin')
  .option('--region <region>', 'AWS region (default: the SDK default)')
  .option('--endpoint <url>', 'DynamoDB endpoint (tests)')
  .parse()
  .opts<{ table: string; tenant: string; name: string; scope: string; region?: string; endpoint?: string }>();

const db = new DynamoDBClient({
  ...(options.region ? { region: options.region } : {}),
  ...(options.endpoint ? { endpoint: options.endpoint } : {}),
});
const deps = storeOnlyDeps(db, options.table, 'creates API keys');
try {
  await registerTenant(deps, options.tenant);
  const created = await createApiKey(
    deps,
    { tenantId: options.tenant, actor: 'cli:api-key' },
    {
      name: options.name,
      // Checked by createApiKey (INVALID_INPUT for anything else).
      scope: options.scope as ApiKeyScope,
    },
  );
  console.log(`API key "${created.name}" (${created.scope}) of tenant ${options.tenant} (id ${created.keyId}):`);
  console.log(created.token);
  console.log('It is shown once: only its hash is stored.');
} catch (error) {
  console.error(`api-key: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  db.destroy();
}
