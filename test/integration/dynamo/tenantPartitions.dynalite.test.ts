/**
 * What the TenantAccessRole's `dynamodb:LeadingKeys` condition relies on (infra/constructs/TenantAccessRole.ts): the
 * contract suites of the KeyStore, OperationStore and PolicyStore run over dynalite with a DynamoDB client that
 * records the partition keys of every command, then: each command reaches one partition only (a session tagged with
 * one tenant may reach one `T#` partition), every partition is `T#<tenant id>` or an E4-id claim `N#<hex id>`, and
 * the claims are reached only by the actions the functions' own roles keep for them (GetItem, UpdateItem,
 * DeleteItem), and only with the actions the role allows. moto does not evaluate LeadingKeys (see test/integration/aws/tenantDeps.moto.test.ts): this and the
 * template assertions (test/infra/serviceStack.test.ts) are the proof.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_TABLE_ACTIONS } from '../../../infra/constructs/TenantAccessRole.js';
import { PLATFORM_PARTITIONS } from '../../../infra/ServiceStack.js';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { DynamoOperationStore } from '../../../shared/adapters/aws/DynamoOperationStore.js';
import { DynamoPolicyStore } from '../../../shared/adapters/aws/DynamoPolicyStore.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { type RunningDynalite, startDynalite } from '../../../shared/adapters/local/DynaliteServer.js';
import { keyStoreContract } from '../../contract/keyStore.contract.js';
import { operationStoreContract } from '../../contract/operationStore.contract.js';
import { policyStoreContract } from '../../contract/policyStore.contract.js';

type Attribute = { S?: string } | undefined;
type Input = Record<string, unknown>;

/** A command as sent: its name and the partition keys it reaches (`?` where none could be read: a Scan). */
interface Recorded {
  readonly command: string;
  readonly partitions: readonly string[];
  /** The IAM actions it is allowed by: its own, or for a transaction each item's (PutItem, ConditionCheckItem...). */
  readonly actions: readonly string[];
}

/** The IAM action of each kind of transaction item. */
const TRANSACT_ITEM_ACTIONS: Record<string, string> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
};

function actionsOf(command: string, input: Input): string[] {
  if (command !== 'TransactWriteItemsCommand') return [`dynamodb:${command.replace(/Command$/, '')}`];
  return (input.TransactItems as Input[]).flatMap((entry) =>
    Object.keys(entry).map((kind) => TRANSACT_ITEM_ACTIONS[kind] ?? kind),
  );
}

const recorded: Recorded[] = [];

const pkOf = (item: unknown): string => (item as { PK?: Attribute } | undefined)?.PK?.S ?? '?';

/** The partition a Query names in `PK = :value` (or `#name = :value` with `#name` standing for PK). */
function queryPartition(input: Input): string {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, Attribute>;
  for (const [, left, right] of String(input.KeyConditionExpression ?? '').matchAll(/([#\w]+)\s*=\s*(:\w+)/g)) {
    if ((names[left!] ?? left) === 'PK') return values[right!]?.S ?? '?';
  }
  return '?';
}

function partitionsOf(command: string, input: Input): string[] {
  switch (command) {
    case 'GetItemCommand':
    case 'UpdateItemCommand':
    case 'DeleteItemCommand':
      return [pkOf(input.Key)];
    case 'PutItemCommand':
      return [pkOf(input.Item)];
    case 'QueryCommand':
      return [queryPartition(input)];
    case 'BatchGetItemCommand':
      return Object.values(input.RequestItems as Record<string, { Keys: unknown[] }>).flatMap(({ Keys }) =>
        Keys.map(pkOf),
      );
    case 'BatchWriteItemCommand':
      return Object.values(input.RequestItems as Record<string, Input[]>).flatMap((requests) =>
        requests.map((request) =>
          pkOf((request.PutRequest as Input | undefined)?.Item ?? (request.DeleteRequest as Input | undefined)?.Key),
        ),
      );
    case 'TransactWriteItemsCommand':
    case 'TransactGetItemsCommand':
      return (input.TransactItems as Input[]).map((entry) => {
        const [action] = Object.values(entry) as Input[];
        return pkOf(action?.Item ?? action?.Key);
      });
    default:
      return ['?'];
  }
}

/** A client over dynalite that records what each command reaches (table management is not recorded). */
function recordingClient(endpoint: string): DynamoDBClient {
  const db = new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });
  db.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName);
      if (!/Table/.test(command)) {
        const input = args.input as Input;
        recorded.push({
          command,
          partitions: [...new Set(partitionsOf(command, input))],
          actions: actionsOf(command, input),
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordPartitions' },
  );
  return db;
}

let server: RunningDynalite;
let tables = 0;
beforeAll(async () => {
  server = await startDynalite();
});
afterAll(async () => {
  await server?.close();
});

async function fresh(): Promise<{ db: DynamoDBClient; table: string }> {
  const db = recordingClient(server.endpoint);
  const table = `e4c2-partitions-${tables++}`;
  await createKeyStoreTable(db, table);
  return { db, table };
}

keyStoreContract('DynamoKeyStore (partitions recorded)', async () => {
  const { db, table } = await fresh();
  return new DynamoKeyStore(db, table);
});
operationStoreContract('DynamoOperationStore (partitions recorded)', async () => {
  const { db, table } = await fresh();
  return new DynamoOperationStore(db, table);
});
policyStoreContract('DynamoPolicyStore (partitions recorded)', async () => {
  const { db, table } = await fresh();
  return new DynamoPolicyStore(db, table);
});

describe('the partitions the Dynamo adapters reach (after the contract suites above)', () => {
  const TENANT = /^T#[a-z0-9][a-z0-9-]{0,62}$/;
  const CLAIM = /^N#[0-9a-f]{32}$/;

  it('recorded the commands of the suites', () => {
    const commands = new Set(recorded.map(({ command }) => command));
    for (const command of ['GetItemCommand', 'PutItemCommand', 'UpdateItemCommand', 'QueryCommand']) {
      expect(commands).toContain(command);
    }
    expect(recorded.some(({ partitions }) => partitions.some((pk) => CLAIM.test(pk)))).toBe(true);
  });

  it("each command reaches one partition: T#<tenant>, the platform's, or an E4-id claim with the claims actions only", () => {
    const wrong = recorded.filter(({ command, partitions }) => {
      if (partitions.length !== 1) return true;
      const [pk] = partitions as [string];
      // The platform's partitions (the tenants registry, its own records): the functions' own roles' PlatformRecords.
      if (TENANT.test(pk) || (PLATFORM_PARTITIONS as readonly string[]).includes(pk)) return false;
      return !(CLAIM.test(pk) && ['GetItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'].includes(command));
    });
    expect(wrong.map(({ command, partitions }) => `${command} ${partitions.join(',')}`)).toEqual([]);
  });

  it('uses only the actions the TenantAccessRole allows (each command its own IAM action, a transaction its items)', () => {
    const actions = new Set(recorded.flatMap(({ actions }) => actions));
    expect(actions).toContain('dynamodb:ConditionCheckItem'); // the transactions were recorded item by item
    expect([...actions].filter((action) => !(TENANT_TABLE_ACTIONS as readonly string[]).includes(action))).toEqual([]);
  });
});
