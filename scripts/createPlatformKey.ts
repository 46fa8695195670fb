/**
 * `npm run platform-key -- --table <name> [--name platform] [--region <region>]`: creates a platform operator key
 * (`e4c2p.<key id>.<secret>`: creates, lists, suspends, resumes and deletes tenants through /v1/tenants; no tenant's
 * routes) directly in the deployed table, and prints it once. Run it after `cdk deploy` (the deployment has no key
 * yet), and again for a lost key (the others stay valid). It runs with the deployer's AWS credentials (the default
 * provider chain) and needs dynamodb:PutItem on the table and KMS use through DynamoDB, as `npm run api-key`.
 * `--endpoint` points it at moto in tests.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Command } from 'commander';
import { createPlatformKey } from '../shared/c2/platform/createPlatformKey.js';
import { storeOnlyDeps } from './storeOnlyDeps.js';

const options = new Command('platform-key')
  .requiredOption('--table <name>', 'the DynamoDB table of the stateful stack (its output TableName)')
  .option('--name <name>', 'a name for the key', 'platform')
  .option('--region <region>', 'AWS region (default: the SDK default)')
  .option('--endpoint <url>', 'DynamoDB endpoint (tests)')
  .parse()
  .opts<{ table: string; name: string; region?: string; endpoint?: string }>();

const db = new DynamoDBClient({
  ...(options.region ? { region: options.region } : {}),
  ...(options.endpoint ? { endpoint: options.endpoint } : {}),
});
const deps = storeOnlyDeps(db, options.table, 'creates platform keys');
try {
  const created = await createPlatformKey(deps, 'cli:platform-key', options.name);
  console.log(`Platform operator key "${created.name}" (id ${created.keyId}):`);
  console.log(created.token);
  console.log('It is shown once: only its hash is stored. Use it on /v1/tenants as "Authorization: Bearer <key>".');
} catch (error) {
  console.error(`platform-key: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  db.destroy();
}
