/**
 * The single table of the C2 (DynamoDB): partition key `PK` = `T#<tenant>` for every item, sort key `SK` =
 * `<kind>#<key>`, one letter per kind (so that a `begins_with` query on one kind never sees another). Clients, topics
 * and links are keyed by the lowercase hex of E4 hashes (32 characters each: the HTTP API addresses them by those,
 * which are URL-safe), their names stored as attributes (`name`, `topic`, `clientName`):
 * - `C#<hex client id>` clients (id = SHA3-256(name)[0:16]);
 * - `P#<hex topic hash>` topics (hash = SHA3-256(topic)[0:16]), with their lease (`leaseOwner`, `leaseUntil`) while
 *   a change of the topic runs;
 * - `L#<hex topic hash><hex client id>` and `M#<hex client id><hex topic hash>` the two items of a link (topic side,
 *   client side): `begins_with(SK, 'L#<hex topic hash>')` lists a topic's clients, in client id order;
 * - `K#c2` the tenant's C2 key pair (and its pending key);
 * - `E#<event id>` the event log, deleted by the table's TTL on `expiresAt` (epoch seconds); `H#events` its hash
 *   chain's head (DynamoEventChain.ts);
 * - `A#<key id>` API keys (the SHA-256 of their secret);
 * - `O#<operation id>`, `D#<operation id>#<hex client id>`, `I#<idempotency key>`, `R#<hex client id>#<hex hash>`
 *   operations, their deliveries, idempotency keys and command references (DynamoOperationStore, codecs in
 *   operationStoreItems.ts);
 * - `Y#<policy id>`, `Z#<policy id>#<run id>` rotation policies and their runs (DynamoPolicyStore, codecs in
 *   policyStoreItems.ts);
 * - `F#fence` the tenant's fence (DynamoFenceStore);
 * - `J#<window id>` enrolment windows (DynamoEnrolmentWindows);
 * - `T#limits`, `T#counts` the tenant's limits and counters, `W#<window start>` its request counters, deleted by the
 *   TTL on `expiresAt` (DynamoTenantLimits).
 * Claims of E4 ids (DynamoClientIdRegistry: which tenant holds a client name's id) are outside every tenant's
 * partition, `PK` = `N#<hex client id>`, `SK` = `N`.
 * The tenants registry (DynamoTenantRegistry: status, display name, times, the deletion's operation id) is outside
 * them too, `PK` = `G#tenants`, `SK` = `<tenant id>`. The platform operator's own records (its keys `A#`, events `E#`
 * and operations `O#`: shared/c2/platform/) are the partition of a tenant id no tenant can have, `T#~platform`.
 * Local mode's work queue (LocalWorkQueue) keeps its messages in a partition of its own, `PK` = `Q#work`.
 * Codecs in keyStoreItems.ts. On-demand capacity. The CDK stack declares the same table for AWS (with TTL on
 * `expiresAt`); local mode and the tests create it with {@link createKeyStoreTable} (dynalite has no TTL: events
 * stay).
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';

export function keyStoreTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'PK', AttributeType: 'S' },
      { AttributeName: 'SK', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
  };
}

/** Creates the table if it does not exist, and waits until it is active. */
export async function createKeyStoreTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(keyStoreTableDefinition(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`table ${tableName} did not become active`);
}
