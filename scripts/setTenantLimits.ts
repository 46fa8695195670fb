/**
 * `npm run limits -- (--table <name> [--region <region>] | --state-dir <dir>) [--tenant <id>] [--max-clients <n>]
 * [--max-topics <n>] [--max-policies <n>] [--max-concurrent-operations <n>] [--requests-per-minute <n>] [--recount]`:
 * shows, and with a `--max-*` or `--requests-per-minute` sets, a tenant's quotas and request rate
 * (shared/c2/limits/); `--recount` first sets its counters of clients and topics to what it holds
 * (limits/recountTenantUsage.ts).
 * A value is an integer or `default`. It is the platform operator's tool: a tenant does not raise its own quota, so no
 * API route sets them. With `--table` it writes into the deployed table with the operator's AWS credentials (needs
 * dynamodb:GetItem, UpdateItem and Query on the table, and KMS use through DynamoDB as for `npm run api-key`);
 * `--endpoint` points it at moto in tests. With `--state-dir` it opens a local mode's store (tenant `local` by
 * default), which must be stopped (the state folder's lock says so). Prints the limits and usage as JSON.
 */

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Command, InvalidArgumentError } from 'commander';
import { localDynamoClient } from '../local/localDynamoClient.js';
import { lockStateDir } from '../local/lockStateDir.js';
import { startDynalite } from '../shared/adapters/local/DynaliteServer.js';
import { validateTenantId } from '../shared/c2/apiKeys/validateTenantId.js';
import { recountTenantUsage } from '../shared/c2/limits/recountTenantUsage.js';
import { setTenantLimits, type TenantLimitsInput } from '../shared/c2/limits/setTenantLimits.js';
import { TENANT_LIMIT_NAMES } from '../shared/c2/ports/TenantLimitStore.js';
import { storeOnlyDeps } from './storeOnlyDeps.js';

// `default` stays a string here (commander stores a parser's null as ''), null in the input below.
const limit = (value: string): number | 'default' => {
  if (value === 'default') return value;
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('an integer from 0, or "default"');
  return Number(value);
};

const options = new Command('limits')
  .option('--table <name>', 'the DynamoDB table of the stateful stack (its output TableName)')
  .option('--state-dir <dir>', "a stopped local mode's state folder (instead of --table)")
  .option('--tenant <id>', 'the tenant id (default with --state-dir: local)')
  .option('--max-clients <n>', 'clients the tenant may hold (or "default")', limit)
  .option('--max-topics <n>', 'topics the tenant may hold (or "default")', limit)
  .option('--max-policies <n>', 'rotation policies the tenant may hold (or "default")', limit)
  .option(
    '--max-concurrent-operations <n>',
    'operations asked through the API the tenant may have in progress at once (or "default")',
    limit,
  )
  .option('--requests-per-minute <n>', 'authenticated API requests the tenant may make a minute (or "default")', limit)
  .option('--event-retention-days <n>', 'days its event log keeps a record, 1 to 3650 (or "default")', limit)
  .option(
    '--recount',
    'set the counters of clients and topics to what the tenant holds (after writes that bypassed the C2: a restored backup, items written by hand)',
  )
  .option('--region <region>', 'AWS region (default: the SDK default)')
  .option('--endpoint <url>', 'DynamoDB endpoint (tests)')
  .parse()
  .opts<{
    table?: string;
    stateDir?: string;
    tenant?: string;
    maxClients?: number | 'default';
    maxTopics?: number | 'default';
    maxPolicies?: number | 'default';
    maxConcurrentOperations?: number | 'default';
    requestsPerMinute?: number | 'default';
    eventRetentionDays?: number | 'default';
    recount?: boolean;
    region?: string;
    endpoint?: string;
  }>();

async function openStore(): Promise<{ db: DynamoDBClient; table: string; close: () => Promise<void> }> {
  if (options.table !== undefined && options.stateDir === undefined) {
    const db = new DynamoDBClient({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
    return { db, table: options.table, close: async () => db.destroy() };
  }
  if (options.stateDir === undefined || options.table !== undefined) throw new Error('give --table or --state-dir');
  if (!existsSync(join(options.stateDir, 'db'))) {
    throw new Error(`no local mode state in ${options.stateDir}: start local mode there once (npm start)`);
  }
  const lock = await lockStateDir(options.stateDir);
  const dynalite = await startDynalite({ path: join(options.stateDir, 'db') }).catch(async (error: unknown) => {
    await lock.release();
    throw error;
  });
  const db = localDynamoClient(dynalite.endpoint);
  return {
    db,
    table: 'e4c2',
    close: async () => {
      db.destroy();
      await dynalite.close();
      await lock.release();
    },
  };
}

try {
  const tenantId = validateTenantId(options.tenant ?? (options.stateDir !== undefined ? 'local' : undefined));
  const { db, table, close } = await openStore();
  try {
    const deps = storeOnlyDeps(db, table, 'reads and sets limits');
    const input: { -readonly [K in keyof TenantLimitsInput]: TenantLimitsInput[K] } = {};
    for (const name of TENANT_LIMIT_NAMES) {
      const value = options[name];
      if (value !== undefined) input[name] = value === 'default' ? null : value;
    }
    if (options.recount) await recountTenantUsage(deps, tenantId);
    const view = await setTenantLimits(deps, tenantId, input);
    console.log(JSON.stringify({ tenantId, ...view }, null, 2));
  } finally {
    await close();
  }
} catch (error) {
  console.error(`limits: ${(error as Error).message}`);
  process.exitCode = 1;
}
