/**
 * The role the functions act with for one tenant (functions/tenantCredentials.ts): assumed by the functions' roles
 * with the session tag `tenant=<id>` (a session without it is refused), it reaches only the table items whose
 * partition key is `T#<that tenant>` (`dynamodb:LeadingKeys`) and only the data keys of KMS encryption context
 * `tenant=<that tenant>`, so that a bug in a use case cannot read or write another tenant's items or unwrap its keys.
 * The table's stream is not granted (the link-change pipe reads it with its own role). The functions' roles keep no
 * direct access to tenant items (ServiceStack.ts; the exceptions are listed in infra/README.md).
 *
 * The pre-provisioning hook of fleet provisioning (the one function that handles input from anyone holding a claim
 * certificate) gets its own, narrower instance (`access: 'provisioningHook'`): it reads the tenant's items, unwraps
 * data keys (no new ones) and appends to the event log (shared/adapters/aws/DynamoEventChain.ts): UpdateItem of the
 * chain head's attributes only and PutItem of an event item's attributes only (`dynamodb:Attributes`); no DeleteItem,
 * no batch writes, and no write of a client's or a key's attributes.
 */
import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ArnPrincipal, CompositePrincipal, Effect, type IRole, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** The session tag (and KMS encryption context key) naming the tenant. */
export const TENANT_TAG = 'tenant';
/** The tenant of the calling session, as the role's policies read it. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, not a template string
export const PRINCIPAL_TENANT = '${aws:PrincipalTag/tenant}';
/** The partition key prefix of a tenant's items (shared/adapters/aws/keyStoreItems.ts `partition`). */
export const TENANT_PARTITION_PREFIX = 'T#';

/** The table item actions of the C2's adapters (DynamoKeyStore and its siblings): no Scan, no table management. */
export const TENANT_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  // DynamoOperationStore.putDeliveries (deliveries written in batches).
  'dynamodb:BatchWriteItem',
  // A transaction is allowed item by item (PutItem, UpdateItem, DeleteItem, and this for its condition checks):
  // countedRecordWrites.ts deletes a record of a tenant without a counter only while the counter is still absent.
  'dynamodb:ConditionCheckItem',
] as const;

/** What the pre-provisioning hook reads of a tenant: its clients (by name or E4 id), the event chain's head, limits. */
export const HOOK_TENANT_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'] as const;
/** The attributes DynamoEventChain's UpdateItem of the chain head (`H#events`) names, keys included. */
export const EVENT_CHAIN_HEAD_ATTRIBUTES = ['PK', 'SK', 'seq', 'hash', 'pending'] as const;
/** The attributes of an event item (keyStoreItems.ts `eventKind`), keys included: DynamoEventChain's PutItem. */
export const EVENT_ITEM_ATTRIBUTES = [
  'PK',
  'SK',
  'at',
  'actor',
  'action',
  'targetType',
  'targetName',
  'result',
  'errorCode',
  'details',
  'seq',
  'prevHash',
  'hash',
  'expiresAt',
] as const;

/** `full`: the functions' (every item action of the adapters); `provisioningHook`: reads and event appends only. */
export type TenantAccess = 'full' | 'provisioningHook';

export interface TenantAccessRoleProps {
  readonly table: ITable;
  readonly key: IKey;
  /** The roles that may assume it (the functions' execution roles). */
  readonly assumedBy: readonly IRole[];
  readonly description?: string;
  /** `full` unless given. */
  readonly access?: TenantAccess;
}

export class TenantAccessRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: TenantAccessRoleProps) {
    super(scope, id);
    const { table, key } = props;
    const stack = Stack.of(this);
    // Only with a `tenant` session tag, and no other tag: a session always names exactly its tenant.
    const principal = new CompositePrincipal(...props.assumedBy.map((role) => new ArnPrincipal(role.roleArn)))
      .withSessionTags()
      .withConditions({
        Null: { [`aws:RequestTag/${TENANT_TAG}`]: 'false' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [TENANT_TAG] },
      });
    this.role = new Role(this, 'Role', {
      assumedBy: principal,
      description:
        props.description ??
        'The functions act for one tenant with it (session tag tenant): its items and data keys only',
    });
    const leadingKeys = {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`${TENANT_PARTITION_PREFIX}${PRINCIPAL_TENANT}`] },
    };
    const items = (sid: string, actions: readonly string[], attributes?: readonly string[]) =>
      this.role.addToPrincipalPolicy(
        new PolicyStatement({
          sid,
          effect: Effect.ALLOW,
          actions: [...actions],
          resources: [table.tableArn],
          conditions: attributes
            ? {
                'ForAllValues:StringEquals': {
                  ...leadingKeys['ForAllValues:StringEquals'],
                  'dynamodb:Attributes': [...attributes],
                },
              }
            : leadingKeys,
        }),
      );
    const hook = props.access === 'provisioningHook';
    if (hook) {
      items('TenantItemsRead', HOOK_TENANT_READ_ACTIONS);
      items('EventChainHead', ['dynamodb:UpdateItem'], EVENT_CHAIN_HEAD_ATTRIBUTES);
      items('EventItems', ['dynamodb:PutItem'], EVENT_ITEM_ATTRIBUTES);
    } else {
      items('TenantItems', TENANT_TABLE_ACTIONS);
    }
    // The table is encrypted with the same key: DynamoDB uses it on the caller's behalf, and only DynamoDB may.
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'TableEncryptionThroughDynamoDB',
        effect: Effect.ALLOW,
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.${stack.urlSuffix}` } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'TenantDataKeys',
        effect: Effect.ALLOW,
        // The hook unwraps a client's key; it makes none.
        actions: hook ? ['kms:Decrypt'] : ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [key.keyArn],
        conditions: { StringEquals: { [`kms:EncryptionContext:${TENANT_TAG}`]: PRINCIPAL_TENANT } },
      }),
    );
  }
}
