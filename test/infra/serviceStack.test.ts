import { Match, Template } from 'aws-cdk-lib/assertions';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/api/routes.js';
import type { C2Function } from '../../infra/constructs/C2Function.js';
import {
  CLAIM_CLIENT_PREFIX,
  HOOK_PAYLOAD_VERSION,
  TEMPLATE_PARAMETERS,
} from '../../infra/constructs/FleetProvisioning.js';
import { RECEIPT_RULE_SQL, TENANT_OF_THING_NAME, THING_NAME_PATTERN } from '../../infra/constructs/ReceiptRule.js';
import {
  EVENT_CHAIN_HEAD_ATTRIBUTES,
  EVENT_ITEM_ATTRIBUTES,
  PRINCIPAL_TENANT,
  TENANT_TABLE_ACTIONS,
} from '../../infra/constructs/TenantAccessRole.js';
import { PLATFORM_PARTITIONS, PUBLIC_ROUTES } from '../../infra/ServiceStack.js';
import { CHAIN_HEAD_KEY } from '../../shared/adapters/aws/DynamoEventChain.js';
import { TENANTS_PARTITION } from '../../shared/adapters/aws/DynamoTenantRegistry.js';
import { thingNameOf } from '../../shared/adapters/aws/IotDeviceProvisioner.js';
import { eventKind, partition } from '../../shared/adapters/aws/keyStoreItems.js';
import { TENANT_ID_PATTERN } from '../../shared/c2/apiKeys/validateTenantId.js';
import { PLATFORM_TENANT } from '../../shared/c2/platform/platformKeyToken.js';
import { PROVISIONING_PARAMETERS } from '../../shared/c2/provisioning/allowFleetProvisioning.js';
import { evaluateTemplate } from '../support/fleetProvisioningStandIn.js';
import { flat, logicalIdOf, removeTestApps, testApp } from './synthApp.js';

afterAll(removeTestApps);

// Prepare: one app, one template (bundling skipped: the assembly test bundles).
const { service, stateful } = testApp();
const template = Template.fromStack(service);
// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is loosely typed JSON
type Json = any;
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, Json> }>;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
/** The one resource of `type`. */
function only(type: string): { Type: string; Properties: Record<string, Json> } {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0]![1];
}

const ARN = 'arn:<AWS::Partition>';
const REGION_ACCOUNT = 'eu-west-1:123456789012';
const tableArn = `import:e4c2-dev-stateful:ExportsOutputFnGetAtt${logicalIdOf(stateful.table)}Arn`;
const keyArn = `import:e4c2-dev-stateful:ExportsOutputFnGetAtt${logicalIdOf(stateful.key)}Arn`;

interface Statement {
  sid: string | undefined;
  actions: string[];
  resources: string[];
  condition: unknown;
}

/** Every statement of the policies attached to the role of `fn`, resources flattened (export hashes cut). */
function statementsOf(fn: C2Function): Statement[] {
  const roleId = logicalIdOf(fn.executionRole);
  const policies = ofType('AWS::IAM::Policy').filter(([, policy]) =>
    (policy.Properties.Roles as unknown[]).some((role) => flat(role) === `<${roleId}>`),
  );
  return policies.flatMap(([, policy]) =>
    (policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]).map((statement) => {
      expect(statement.Effect).toBe('Allow');
      return {
        sid: statement.Sid as string | undefined,
        actions: [statement.Action as string | string[]].flat(),
        resources: [statement.Resource].flat().map((resource) => flat(resource).replace(/Arn[0-9A-F]{8}$/, 'Arn')),
        condition: statement.Condition,
      };
    }),
  );
}

const tenantRoleArn = `<${logicalIdOf(service.tenantAccess.role)}.Arn>`;
const dynamoViaService = {
  StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } },
};
/** The table encrypted with the C2's key: DynamoDB uses it for whoever reads or writes items. */
const tableEncryption: Statement = {
  sid: 'TableEncryptionThroughDynamoDB',
  actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
  resources: [keyArn],
  condition: dynamoViaService,
};

/** Every function: tracing, its logs, tenant data through the TenantAccessRole only, commands, work. */
const common = (fn: C2Function): Statement[] => [
  {
    sid: undefined,
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
    resources: ['*'],
    condition: undefined,
  },
  {
    sid: 'WriteOwnLogs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [`<${logicalIdOf(fn.logGroup)}.Arn>`],
    condition: undefined,
  },
  {
    sid: 'AssumeTenantAccessRole',
    actions: ['sts:AssumeRole', 'sts:TagSession'],
    resources: [tenantRoleArn],
    condition: { Null: { 'aws:RequestTag/tenant': 'false' } },
  },
  {
    sid: 'PublishControlTopics',
    actions: ['iot:Publish'],
    resources: [`${ARN}:iot:${REGION_ACCOUNT}:topic/e4/*`],
    condition: undefined,
  },
  {
    sid: 'SendWork',
    actions: ['sqs:SendMessage'],
    resources: [`<${logicalIdOf(service.workQueue.queue)}.Arn>`],
    condition: undefined,
  },
];

/**
 * The api function and the worker: E4-id claims (partitions N#) and the platform's partitions (the tenants registry,
 * the platform's own records), with their own roles (infra/README.md).
 */
const claims: Statement[] = [
  {
    sid: 'ClientIdClaims',
    actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    resources: [tableArn],
    condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['N#*'] } },
  },
  {
    sid: 'PlatformRecords',
    actions: [...TENANT_TABLE_ACTIONS],
    resources: [tableArn],
    condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['G#tenants', 'T#~platform'] } },
  },
  tableEncryption,
];

/**
 * What Lambda needs to put a failed asynchronous event (the rotation function's) into the schedules' dead-letter queue
 * (CDK adds it first).
 */
const sendDeadLetters: Statement = {
  sid: undefined,
  actions: ['sqs:SendMessage'],
  resources: [`<${logicalIdOf(service.scheduleDeadLetterQueue)}.Arn>`],
  condition: undefined,
};

/** The policies' schedules: put and deleted by the api function and the worker, with the scheduler role. */
const manageSchedules: Statement[] = [
  {
    sid: 'ManageRotationSchedules',
    actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
    resources: [`${ARN}:scheduler:${REGION_ACCOUNT}:schedule/e4c2-dev/*`],
    condition: undefined,
  },
  {
    sid: 'PassSchedulerRole',
    actions: ['iam:PassRole'],
    resources: [`<${logicalIdOf(service.schedulerRole)}.Arn>`],
    condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
  },
];

describe('service stack: functions', () => {
  const functions: Array<[string, C2Function]> = [
    ...service.functions(),
    ['authorizer', service.authorizerFunction],
    ['provisioningHook', service.provisioningHookFunction],
  ];

  it('builds six functions from functions/, all arm64 on Node.js 22 with tracing and their own log group', () => {
    // Assess
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs22.x' }, 6);
    for (const [, fn] of functions) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Role: { 'Fn::GetAtt': [logicalIdOf(fn.executionRole), 'Arn'] },
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: logicalIdOf(fn.logGroup) } },
      });
    }
  });

  it('gives each function exactly the environment its composition root reads', () => {
    // Assess
    const common = [
      'DEVICE_POLICY_NAME',
      'IOT_DATA_ENDPOINT',
      'KMS_KEY_ARN',
      'LOG_LEVEL',
      'NODE_OPTIONS',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_SERVICE_NAME',
      'SCHEDULER_ROLE_ARN',
      'SCHEDULE_GROUP',
      'TABLE_NAME',
      'TENANT_ROLE_ARN',
      'WORK_QUEUE_URL',
    ];
    for (const [name, fn] of functions) {
      const variables = resources[logicalIdOf(fn)]!.Properties.Environment.Variables as Record<string, unknown>;
      // The authorizer reads API keys with its own narrow grant, never as a tenant (infra/README.md).
      const expected =
        name === 'api' || name === 'worker'
          ? [...common, 'ROTATION_FUNCTION_ARN', 'SCHEDULE_DEAD_LETTER_ARN'].sort()
          : name === 'authorizer'
            ? common.filter((variable) => variable !== 'TENANT_ROLE_ARN')
            : common;
      expect(Object.keys(variables).sort(), name).toEqual(expected);
      expect(variables).toMatchObject({
        NODE_OPTIONS: '--enable-source-maps',
        DEVICE_POLICY_NAME: 'e4c2-dev-device',
        SCHEDULE_GROUP: 'e4c2-dev',
        POWERTOOLS_SERVICE_NAME: 'e4c2-dev',
        POWERTOOLS_METRICS_NAMESPACE: 'E4C2',
        LOG_LEVEL: 'INFO',
      });
      expect(flat(variables.TABLE_NAME)).toMatch(/^import:e4c2-dev-stateful:ExportsOutputRefKeyStoreTable/);
      expect(flat(variables.KMS_KEY_ARN)).toMatch(/^import:e4c2-dev-stateful:ExportsOutputFnGetAttC2Key/);
      expect(flat(variables.SCHEDULER_ROLE_ARN)).toBe(`<${logicalIdOf(service.schedulerRole)}.Arn>`);
      expect(flat(variables.WORK_QUEUE_URL)).toBe(`<${logicalIdOf(service.workQueue.queue)}>`);
      // The hook's is its own, narrower tenant role.
      const hookRoleArn = `<${logicalIdOf(service.hookTenantAccess.role)}.Arn>`;
      if (name !== 'authorizer') {
        expect(flat(variables.TENANT_ROLE_ARN)).toBe(name === 'provisioningHook' ? hookRoleArn : tenantRoleArn);
      }
      expect(flat(variables.IOT_DATA_ENDPOINT)).toMatch(/^<IotDataEndpointLookup[0-9A-F]{8}\.endpointAddress>$/);
    }
    for (const fn of [service.apiFunction, service.workerFunction]) {
      const scheduling = resources[logicalIdOf(fn)]!.Properties.Environment.Variables;
      expect(flat(scheduling.ROTATION_FUNCTION_ARN)).toBe(`<${logicalIdOf(service.rotationFunction)}.Arn>`);
      expect(flat(scheduling.SCHEDULE_DEAD_LETTER_ARN)).toBe(`<${logicalIdOf(service.scheduleDeadLetterQueue)}.Arn>`);
    }
  });

  it('gives every function role no managed policy, assumable by Lambda only', () => {
    for (const [, fn] of functions) {
      const role = resources[logicalIdOf(fn.executionRole)]!.Properties;
      expect(role.ManagedPolicyArns).toBeUndefined();
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });
});

describe('service stack: tenant isolation (TenantAccessRole)', () => {
  const role = resources[logicalIdOf(service.tenantAccess.role)]!.Properties;
  const principalTenant = PRINCIPAL_TENANT;

  it('is assumed only by the four function roles (not the pre-provisioning hook), with a tenant session tag and no other tag', () => {
    const roles = service.functions().map(([, fn]) => `<${logicalIdOf(fn.executionRole)}.Arn>`);
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.AssumeRolePolicyDocument.Statement).toEqual(
      roles.map(() => ({
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Effect: 'Allow',
        Principal: { AWS: expect.anything() },
        Condition: {
          Null: { 'aws:RequestTag/tenant': 'false' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenant'] },
        },
      })),
    );
    const principals = (role.AssumeRolePolicyDocument.Statement as Json[]).map((statement) =>
      flat(statement.Principal.AWS),
    );
    expect(principals.sort()).toEqual([...roles].sort());
  });

  it("reaches the table's items only in the partition T#<session tenant>, data keys only of that tenant", () => {
    expect(principalTenant).toBe(['$', '{aws:PrincipalTag/tenant}'].join(''));
    const policies = ofType('AWS::IAM::Policy').filter(([, policy]) =>
      (policy.Properties.Roles as unknown[]).some((r) => flat(r) === `<${logicalIdOf(service.tenantAccess.role)}>`),
    );
    const statements = policies.flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Json[]);
    expect(
      statements.map((statement) => ({
        ...statement,
        Resource: flat(statement.Resource).replace(/Arn[0-9A-F]{8}$/, 'Arn'),
      })),
    ).toEqual([
      {
        Sid: 'TenantItems',
        Effect: 'Allow',
        Action: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:ConditionCheckItem',
        ],
        Resource: tableArn,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`T#${principalTenant}`] } },
      },
      {
        Sid: 'TableEncryptionThroughDynamoDB',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: keyArn,
        Condition: dynamoViaService,
      },
      {
        Sid: 'TenantDataKeys',
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: keyArn,
        Condition: { StringEquals: { 'kms:EncryptionContext:tenant': principalTenant } },
      },
    ]);
  });

  it("leaves no other role of the stack a table item action without a LeadingKeys condition (but the authorizer), nor a data key (but the platform's, to the api function)", () => {
    const itemAction =
      /^dynamodb:(GetItem|BatchGetItem|Query|Scan|PutItem|UpdateItem|DeleteItem|BatchWriteItem|ConditionCheckItem|TransactGetItems|TransactWriteItems|PartiQL.*|\*)$/;
    const found: string[] = [];
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Json[]) {
        const actions = [statement.Action].flat() as string[];
        const leadingKeys =
          statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ??
          statement.Condition?.['ForAllValues:StringEquals']?.['dynamodb:LeadingKeys'];
        if (actions.some((action) => itemAction.test(action)))
          found.push(`${id} ${statement.Sid}: ${JSON.stringify(leadingKeys)}`);
        const dataKey = actions.some((action) => /^kms:(Decrypt|GenerateDataKey\*?|\*)$/.test(action));
        if (dataKey && statement.Sid === 'PlatformDataKeys') {
          // The api function's: the platform's data keys only (factory batches).
          expect(id).toMatch(
            new RegExp(`^${logicalIdOf(service.apiFunction.executionRole).replace(/[0-9A-F]{8}$/, '')}`),
          );
          expect(statement.Condition).toEqual({ StringEquals: { 'kms:EncryptionContext:tenant': PLATFORM_TENANT } });
        } else if (dataKey && !statement.Condition?.StringEquals?.['kms:ViaService']) {
          expect(id).toMatch(/^(Hook)?TenantAccessRole/);
          expect(statement.Condition).toEqual({ StringEquals: { 'kms:EncryptionContext:tenant': principalTenant } });
        }
      }
    }
    const api = logicalIdOf(service.apiFunction.executionRole);
    const worker = logicalIdOf(service.workerFunction.executionRole);
    const authorizer = logicalIdOf(service.authorizerFunction.executionRole).replace(/[0-9A-F]{8}$/, '');
    const hook = logicalIdOf(service.provisioningHookFunction.executionRole).replace(/[0-9A-F]{8}$/, '');
    expect(found.map((line) => line.replace(/DefaultPolicy[0-9A-F]{8}/, 'DefaultPolicy')).sort()).toEqual(
      [
        // The authorizer's reads of API keys (any tenant's: the token names it) and their lastUsedAt, nothing else.
        `${authorizer}DefaultPolicy ReadApiKeys: undefined`,
        `${authorizer}DefaultPolicy RecordApiKeyUse: ["T#*"]`,
        `${api.replace(/[0-9A-F]{8}$/, '')}DefaultPolicy ClientIdClaims: ["N#*"]`,
        `${api.replace(/[0-9A-F]{8}$/, '')}DefaultPolicy PlatformRecords: ["G#tenants","T#~platform"]`,
        `${worker.replace(/[0-9A-F]{8}$/, '')}DefaultPolicy PlatformRecords: ["G#tenants","T#~platform"]`,
        `${worker.replace(/[0-9A-F]{8}$/, '')}DefaultPolicy ClientIdClaims: ["N#*"]`,
        `TenantAccessRoleDefaultPolicy TenantItems: ["T#${principalTenant}"]`,
        `HookTenantAccessRoleDefaultPolicy TenantItemsRead: ["T#${principalTenant}"]`,
        `HookTenantAccessRoleDefaultPolicy EventChainHead: ["T#${principalTenant}"]`,
        `HookTenantAccessRoleDefaultPolicy EventItems: ["T#${principalTenant}"]`,
        // The pre-provisioning hook reads the tenants registry (a suspended tenant's devices are refused).
        `${hook}DefaultPolicy ReadTenantsRegistry: ["G#tenants"]`,
      ].sort(),
    );
  });
});

describe("service stack: the pre-provisioning hook's tenant role", () => {
  const hookRole = service.hookTenantAccess.role;
  const role = resources[logicalIdOf(hookRole)]!.Properties;
  const tenantKeys = { 'dynamodb:LeadingKeys': [`T#${PRINCIPAL_TENANT}`] };

  it('is assumed by the hook only, with a tenant session tag and no other tag; the hook gets its ARN', () => {
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Effect: 'Allow',
        Principal: { AWS: expect.anything() },
        Condition: {
          Null: { 'aws:RequestTag/tenant': 'false' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': ['tenant'] },
        },
      },
    ]);
    const [statement] = role.AssumeRolePolicyDocument.Statement as Json[];
    expect(flat(statement.Principal.AWS)).toBe(`<${logicalIdOf(service.provisioningHookFunction.executionRole)}.Arn>`);
    const hookFunction = resources[logicalIdOf(service.provisioningHookFunction)]!.Properties;
    expect(flat(hookFunction.Environment.Variables.TENANT_ROLE_ARN)).toBe(`<${logicalIdOf(hookRole)}.Arn>`);
  });

  it("reads the tenant's items, writes only the event chain's head and event items, unwraps data keys (makes none)", () => {
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, policy]) =>
        (policy.Properties.Roles as unknown[]).some((r) => flat(r) === `<${logicalIdOf(hookRole)}>`),
      )
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Json[]);
    expect(
      statements.map((statement) => ({
        ...statement,
        Resource: flat(statement.Resource).replace(/Arn[0-9A-F]{8}$/, 'Arn'),
      })),
    ).toEqual([
      {
        Sid: 'TenantItemsRead',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        Resource: tableArn,
        Condition: { 'ForAllValues:StringEquals': tenantKeys },
      },
      {
        Sid: 'EventChainHead',
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: tableArn,
        Condition: {
          'ForAllValues:StringEquals': { ...tenantKeys, 'dynamodb:Attributes': ['PK', 'SK', 'seq', 'hash', 'pending'] },
        },
      },
      {
        Sid: 'EventItems',
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: tableArn,
        Condition: {
          'ForAllValues:StringEquals': { ...tenantKeys, 'dynamodb:Attributes': [...EVENT_ITEM_ATTRIBUTES] },
        },
      },
      {
        Sid: 'TableEncryptionThroughDynamoDB',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: keyArn,
        Condition: dynamoViaService,
      },
      {
        Sid: 'TenantDataKeys',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: keyArn,
        Condition: { StringEquals: { 'kms:EncryptionContext:tenant': PRINCIPAL_TENANT } },
      },
    ]);
  });

  it("allows every attribute the event chain writes (an event item with every field, the head's update), and no client's", () => {
    const item = eventKind(30).toItem({
      tenantId: 't',
      id: 'e',
      at: new Date(0).toISOString(),
      actor: 'fleet-provisioning',
      action: 'device.provision',
      target: { type: 'client', name: 'c' },
      result: 'error',
      errorCode: 'NOT_FOUND',
      details: {},
      seq: 1,
      prevHash: 'p',
      hash: 'h',
    });
    expect(['PK', 'SK', ...Object.keys(item)].sort()).toEqual([...EVENT_ITEM_ATTRIBUTES].sort());
    // DynamoEventChain's head update: `SET seq = :seq, #hash = :hash, pending = :pending` on SK CHAIN_HEAD_KEY.
    expect(CHAIN_HEAD_KEY).toBe('H#events');
    expect([...EVENT_CHAIN_HEAD_ATTRIBUTES]).toEqual(['PK', 'SK', 'seq', 'hash', 'pending']);
    // A client's key and its pending key are in attributes the hook may not write.
    for (const attribute of ['wrappedKey', 'pendingWrappedKey', 'pendingVersion', 'publicKey', 'keyVersion']) {
      expect([...EVENT_ITEM_ATTRIBUTES, ...EVENT_CHAIN_HEAD_ATTRIBUTES]).not.toContain(attribute);
    }
  });
});

describe('service stack: least-privilege grants', () => {
  it("names the platform's partitions as the runtime writes them", () => {
    expect(PLATFORM_PARTITIONS).toEqual([TENANTS_PARTITION, partition(PLATFORM_TENANT)]);
  });

  it('api: the tenant role, E4-id claims, control topics, its schedules, the scheduler role, device provisioning', () => {
    // Act
    const statements = statementsOf(service.apiFunction);
    // Assess
    expect(statements).toEqual([
      ...common(service.apiFunction),
      ...claims,
      // Factory batches: the devices' keys under the platform's data keys only.
      {
        sid: 'PlatformDataKeys',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [keyArn],
        condition: { StringEquals: { 'kms:EncryptionContext:tenant': PLATFORM_TENANT } },
      },
      ...manageSchedules,
      {
        sid: 'CreateDeviceCertificates',
        actions: ['iot:CreateKeysAndCertificate', 'iot:ListThings'],
        resources: ['*'],
        condition: undefined,
      },
      {
        sid: 'ProvisionDeviceThings',
        actions: [
          'iot:CreateThing',
          'iot:DescribeThing',
          'iot:DeleteThing',
          'iot:ListThingPrincipals',
          'iot:AttachThingPrincipal',
          'iot:DetachThingPrincipal',
        ],
        resources: [`${ARN}:iot:${REGION_ACCOUNT}:thing/e4c2-*`],
        condition: undefined,
      },
      {
        sid: 'ManageDeviceCertificates',
        actions: ['iot:UpdateCertificate', 'iot:DeleteCertificate', 'iot:AttachPolicy', 'iot:DetachPolicy'],
        resources: [`${ARN}:iot:${REGION_ACCOUNT}:cert/*`],
        condition: undefined,
      },
    ]);
  });

  it('lifecycle: consumes the lifecycle queue; the tenant role, control topics, work queue; nothing else', () => {
    const [xray, logs, ...rest] = common(service.lifecycleFunction);
    expect(statementsOf(service.lifecycleFunction)).toEqual([
      xray,
      logs,
      {
        sid: undefined,
        actions: [
          'sqs:ReceiveMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueUrl',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        ],
        resources: [`<${logicalIdOf(service.lifecycleEvents.queue)}.Arn>`],
        condition: undefined,
      },
      ...rest,
    ]);
  });

  it('rotation: the tenant role, control topics, work queue, dead letters; nothing else', () => {
    expect(statementsOf(service.rotationFunction)).toEqual([sendDeadLetters, ...common(service.rotationFunction)]);
  });

  it('worker: the work queue; the tenant role, E4-id claims, control topics, schedules, removing devices; nothing else', () => {
    const [xray, logs, ...rest] = common(service.workerFunction);
    expect(statementsOf(service.workerFunction)).toEqual([
      xray,
      logs,
      {
        sid: undefined,
        actions: [
          'sqs:ReceiveMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueUrl',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        ],
        resources: [`<${logicalIdOf(service.workQueue.queue)}.Arn>`],
        condition: undefined,
      },
      ...rest,
      ...claims,
      ...manageSchedules,
      {
        sid: 'DeprovisionDeviceThings',
        actions: ['iot:DeleteThing', 'iot:ListThingPrincipals', 'iot:DetachThingPrincipal'],
        resources: [`${ARN}:iot:${REGION_ACCOUNT}:thing/e4c2-*`],
        condition: undefined,
      },
      {
        sid: 'RemoveDeviceCertificates',
        actions: ['iot:UpdateCertificate', 'iot:DeleteCertificate', 'iot:DetachPolicy'],
        resources: [`${ARN}:iot:${REGION_ACCOUNT}:cert/*`],
        condition: undefined,
      },
    ]);
  });

  it("authorizer: reads items, writes only an API key's lastUsedAt (nothing returned), the table's encryption through DynamoDB; nothing else", () => {
    const [xray, logs] = common(service.authorizerFunction);
    expect(statementsOf(service.authorizerFunction)).toEqual([
      xray,
      logs,
      { sid: 'ReadApiKeys', actions: ['dynamodb:GetItem'], resources: [tableArn], condition: undefined },
      {
        sid: 'RecordApiKeyUse',
        actions: ['dynamodb:UpdateItem'],
        resources: [tableArn],
        condition: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['PK', 'SK', 'lastUsedAt'] },
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*'] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
        },
      },
      tableEncryption,
    ]);
  });

  it('uses the "*" resource only for actions without a resource type, each named here', () => {
    // Assess: every IAM statement of the stack, functions or not.
    const starred = ofType('AWS::IAM::Policy')
      .flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Record<string, unknown>[])
      .filter((statement) => [statement.Resource].flat().includes('*'))
      .flatMap((statement) => [statement.Action].flat());
    expect([...new Set(starred)].sort()).toEqual([
      'cloudfront:CreateInvalidation', // CDK's BucketDeployment handler: the web UI's /index.html after a deployment
      'cloudfront:GetInvalidation',
      'iot:CreateKeysAndCertificate', // api: certificates get their ids at creation
      'iot:DescribeEndpoint', // the endpoint lookup at deploy time
      'iot:ListThings', // api: one device per E4 id (ListThings has no resource type)
      'xray:PutTelemetryRecords', // active tracing
      'xray:PutTraceSegments',
    ]);
  });

  it('lets the scheduler role, assumed by EventBridge Scheduler for this group only, invoke the rotation function and send dead letters only', () => {
    const role = resources[logicalIdOf(service.schedulerRole)]!.Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': '123456789012',
            'aws:SourceArn': { 'Fn::GetAtt': ['ScheduleGroup', 'Arn'] },
          },
        },
      },
    ]);
    const [policy] = ofType('AWS::IAM::Policy').filter(([, p]) =>
      (p.Properties.Roles as unknown[]).some((r) => flat(r) === `<${logicalIdOf(service.schedulerRole)}>`),
    );
    expect(policy?.[1].Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'InvokeRotationFunction',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [logicalIdOf(service.rotationFunction), 'Arn'] },
      },
      {
        Sid: 'SendScheduleDeadLetters',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [logicalIdOf(service.scheduleDeadLetterQueue), 'Arn'] },
      },
    ]);
  });

  it('pipes link changes from the table stream to the work queue: filtered, retried, dead letters kept', () => {
    const pipe = only('AWS::Pipes::Pipe').Properties;
    const streamArn = `import:e4c2-dev-stateful:ExportsOutputFnGetAtt${logicalIdOf(stateful.table)}StreamArn`;
    expect(flat(pipe.Source).replace(/StreamArn[0-9A-F]{8}$/, 'StreamArn')).toBe(streamArn);
    expect(pipe.Target).toEqual({ 'Fn::GetAtt': [logicalIdOf(service.workQueue.queue), 'Arn'] });
    expect(pipe.RoleArn).toEqual({ 'Fn::GetAtt': [logicalIdOf(service.linkChanges.role), 'Arn'] });
    expect(pipe.SourceParameters.DynamoDBStreamParameters).toEqual({
      StartingPosition: 'LATEST',
      BatchSize: 10,
      MaximumRetryAttempts: 10,
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(service.workQueue.deadLetterQueue), 'Arn'] } },
    });
    expect(pipe.SourceParameters.FilterCriteria.Filters.map((f: { Pattern: string }) => JSON.parse(f.Pattern))).toEqual(
      [{ eventName: ['INSERT', 'REMOVE'], dynamodb: { Keys: { SK: { S: [{ prefix: 'L#' }] } } } }],
    );
  });

  it("gives the pipe's role, assumed by EventBridge Pipes of this account only, the stream, its decryption and the two queues only", () => {
    const role = resources[logicalIdOf(service.linkChanges.role)]!.Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'pipes.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ]);
    expect(role.ManagedPolicyArns).toBeUndefined();
    const statements = role.Policies.flatMap((policy: Json) => policy.PolicyDocument.Statement);
    expect(
      statements.map((statement: Json) => ({
        sid: statement.Sid,
        actions: [statement.Action].flat(),
        resources: [statement.Resource].flat().map((r: Json) => flat(r).replace(/Arn[0-9A-F]{8}$/, 'Arn')),
        condition: statement.Condition,
      })),
    ).toEqual([
      {
        sid: 'ReadTableStream',
        actions: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        resources: [`import:e4c2-dev-stateful:ExportsOutputFnGetAtt${logicalIdOf(stateful.table)}StreamArn`],
        condition: undefined,
      },
      {
        sid: 'StreamDecryptionThroughDynamoDB',
        actions: ['kms:Decrypt'],
        resources: [keyArn],
        condition: {
          StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } },
        },
      },
      {
        sid: 'SendToWorkQueues',
        actions: ['sqs:SendMessage'],
        resources: [
          `<${logicalIdOf(service.workQueue.queue)}.Arn>`,
          `<${logicalIdOf(service.workQueue.deadLetterQueue)}.Arn>`,
        ],
        condition: undefined,
      },
    ]);
  });

  it("has the schedules' dead-letter queue: encrypted, HTTPS only, kept 14 days, alarmed", () => {
    const queue = resources[logicalIdOf(service.scheduleDeadLetterQueue)]!.Properties;
    expect(queue).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    expect(alarms).toContainEqual(
      expect.objectContaining({
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(service.scheduleDeadLetterQueue), 'QueueName'] } },
        ],
        Threshold: 1,
      }),
    );
  });
});

describe('service stack: AWS IoT', () => {
  it('has the device policy: own client id, own control topic, own tenant topic space (exact ARNs)', () => {
    // Act
    const policies = ofType('AWS::IoT::Policy').map(([, found]) => found);
    expect(policies.map((found) => found.Properties.PolicyName).sort()).toEqual(['e4c2-dev-claim', 'e4c2-dev-device']);
    const policy = policies.find((found) => found.Properties.PolicyName === 'e4c2-dev-device')!;
    const document = policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] };
    const iot = `${ARN}:iot:${REGION_ACCOUNT}`;
    // Assess
    expect(policy.Properties.PolicyName).toBe('e4c2-dev-device');
    expect(document.Statement.map((s) => ({ ...s, Resource: [s.Resource].flat().map(flat) }))).toEqual([
      {
        Sid: 'ConnectAsOwnThing',
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: [`${iot}:client/\${iot:Connection.Thing.ThingName}`],
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' } },
      },
      {
        Sid: 'SubscribeOwnControlTopicAndTenantTopics',
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: [
          `${iot}:topicfilter/e4/\${iot:Connection.Thing.Attributes[e4id]}`,
          `${iot}:topicfilter/t/\${iot:Connection.Thing.Attributes[tenant]}/*`,
        ],
      },
      {
        Sid: 'ReceiveOwnControlTopicAndTenantTopics',
        Effect: 'Allow',
        Action: 'iot:Receive',
        Resource: [
          `${iot}:topic/e4/\${iot:Connection.Thing.Attributes[e4id]}`,
          `${iot}:topic/t/\${iot:Connection.Thing.Attributes[tenant]}/*`,
        ],
      },
      {
        Sid: 'PublishOwnReceiptTopicAndTenantTopics',
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: [
          `${iot}:topic/e4/\${iot:Connection.Thing.Attributes[e4id]}/receipt`,
          `${iot}:topic/t/\${iot:Connection.Thing.Attributes[tenant]}/*`,
        ],
      },
    ]);
  });

  it("forwards the connected and subscribed lifecycle events (not disconnections) of the C2's devices to the lifecycle queue", () => {
    // Assess: the SQL filters to the client ids of the C2's things; the action sends the event as it is.
    const lifecycleQueue = logicalIdOf(service.lifecycleEvents.queue);
    const rules = ofType('AWS::IoT::TopicRule').filter(([id]) => id.startsWith('LifecycleEvents'));
    expect(rules.map(([, rule]) => rule.Properties.TopicRulePayload.Sql).sort()).toEqual([
      "SELECT * FROM '$aws/events/presence/connected/+' WHERE startswith(clientId, 'e4c2-')",
      "SELECT * FROM '$aws/events/subscriptions/subscribed/+' WHERE startswith(clientId, 'e4c2-')",
    ]);
    for (const [, rule] of rules) {
      expect(rule.Properties.TopicRulePayload).toMatchObject({
        AwsIotSqlVersion: '2016-03-23',
        RuleDisabled: false,
        Actions: [{ Sqs: { QueueUrl: { Ref: lifecycleQueue }, UseBase64: false } }],
        ErrorAction: { CloudwatchLogs: { LogGroupName: { Ref: expect.stringMatching(/^LifecycleEventsErrorLogs/) } } },
      });
    }
    // The rules' role may send to that queue and write its errors, nothing else.
    const roleId = flat(rules[0]![1].Properties.TopicRulePayload.Actions[0].Sqs.RoleArn).replace(/^<|\.Arn>$/g, '');
    const [, policy] = ofType('AWS::IAM::Policy').find(([, p]) =>
      p.Properties.Roles.map(flat).includes(`<${roleId}>`),
    )!;
    expect(
      (policy.Properties.PolicyDocument.Statement as Record<string, unknown>[]).map((statement) => [
        statement.Sid,
        statement.Action,
        flat(statement.Resource),
      ]),
    ).toEqual([
      ['SendLifecycleEvents', 'sqs:SendMessage', `<${lifecycleQueue}.Arn>`],
      [
        'WriteRuleErrors',
        ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        expect.stringMatching(/^<LifecycleEventsErrorLogs[0-9A-F]{8}\.Arn>$/),
      ],
    ]);
    expect(ofType('AWS::Lambda::Permission').filter(([id]) => id.includes('Lifecycle'))).toEqual([]);
  });

  it("sends devices' receipts to the work queue as ReceiptMessages, from thing names matching the topic only", () => {
    // Assess: the rule
    const rules = ofType('AWS::IoT::TopicRule').filter(([id]) => id.startsWith('Receipts'));
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1];
    const roleId = rule.Properties.TopicRulePayload.Actions[0].Sqs.RoleArn['Fn::GetAtt'][0] as string;
    expect(rule.Properties.TopicRulePayload).toEqual({
      Description: expect.any(String),
      Sql:
        "SELECT 'receipt' AS type, " +
        "regexp_replace(clientid(), '^e4c2-(.+)-[0-9a-f]{32}$', '$1') AS tenantId, " +
        'topic(2) AS clientIdHex, ' +
        "encode(*, 'base64') AS payload " +
        "FROM 'e4/+/receipt' " +
        "WHERE regexp_matches(clientid(), '^e4c2-[a-z0-9][a-z0-9-]{0,62}-[0-9a-f]{32}$') " +
        "AND endswith(clientid(), concat('-', topic(2)))",
      AwsIotSqlVersion: '2016-03-23',
      RuleDisabled: false,
      Actions: [
        {
          Sqs: {
            QueueUrl: { Ref: logicalIdOf(service.workQueue.queue) },
            RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
            UseBase64: false,
          },
        },
      ],
      ErrorAction: {
        CloudwatchLogs: {
          LogGroupName: { Ref: expect.stringMatching(/^ReceiptsErrorLogs/) },
          RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
        },
      },
    });
    // Assess: its role, assumable by AWS IoT of this account, sends to the queue and writes its errors, nothing else
    expect(resources[roleId]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'iot.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
      },
    ]);
    const [policy, ...more] = ofType('AWS::IAM::Policy').filter(([, p]) =>
      (p.Properties.Roles as unknown[]).some((r) => flat(r) === `<${roleId}>`),
    );
    expect(more).toEqual([]);
    expect(
      (policy![1].Properties.PolicyDocument.Statement as Record<string, Json>[]).map((statement) => ({
        ...statement,
        Resource: flat(statement.Resource),
      })),
    ).toEqual([
      {
        Sid: 'SendReceipts',
        Effect: 'Allow',
        Action: 'sqs:SendMessage',
        Resource: `<${logicalIdOf(service.workQueue.queue)}.Arn>`,
      },
      {
        Sid: 'WriteRuleErrors',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        Resource: expect.stringMatching(/^<ReceiptsErrorLogs[0-9A-F]{8}\.Arn>$/),
      },
    ]);
  });

  it("the receipt rule's patterns read the provisioner's thing names (tenant, hex id) and refuse anything else", () => {
    // Prepare: the patterns as IoT SQL (Java regular expressions) reads them; these are the same in JavaScript
    expect(RECEIPT_RULE_SQL).toContain(THING_NAME_PATTERN);
    const thingName = new RegExp(THING_NAME_PATTERN);
    const tenantOf = (clientId: string) => clientId.replace(new RegExp(TENANT_OF_THING_NAME), '$1');
    const hex = '0123456789abcdef0123456789abcdef';
    // Assess: every tenant id form the C2 allows
    for (const tenant of ['t', 'tenant-a', 'a-b-c-0', '0'.repeat(63), `x-${'e'.repeat(32)}`]) {
      const name = thingNameOf(tenant, hex);
      expect(thingName.test(name), name).toBe(true);
      expect(tenantOf(name)).toBe(tenant);
      expect(name.endsWith(`-${hex}`)).toBe(true);
    }
    // Assess: client ids that are not a thing name of the C2 are dropped by the WHERE clause
    for (const clientId of [
      `e4c2--${hex}`,
      `e4c2-Tenant-${hex}`,
      `e4c2-tenant-${hex.toUpperCase()}`,
      `e4c2-tenant-${hex}0`,
      `x-e4c2-tenant-${hex}`,
      'mqtt-explorer-1234',
    ]) {
      expect(thingName.test(clientId), clientId).toBe(false);
    }
  });

  it('looks the data endpoint up at deploy time (iot:Data-ATS)', () => {
    template.hasResourceProperties('Custom::IotDataEndpoint', {
      Create: Match.serializedJson(
        Match.objectLike({ action: 'DescribeEndpoint', parameters: { endpointType: 'iot:Data-ATS' } }),
      ),
    });
  });
});

describe('service stack: work queue and worker', () => {
  const queueArn = { 'Fn::GetAtt': [logicalIdOf(service.workQueue.queue), 'Arn'] };
  const deadLettersArn = { 'Fn::GetAtt': [logicalIdOf(service.workQueue.deadLetterQueue), 'Arn'] };

  it('has the work queue (SSE, 6 x the worker timeout visible) and its dead-letter queue (5 receives, 14 days)', () => {
    // Assess
    const workerTimeout = resources[logicalIdOf(service.workerFunction)]!.Properties.Timeout;
    expect(workerTimeout).toBe(120);
    expect(resources[logicalIdOf(service.workQueue.queue)]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * workerTimeout,
      RedrivePolicy: { deadLetterTargetArn: deadLettersArn, maxReceiveCount: 5 },
    });
    expect(resources[logicalIdOf(service.workQueue.deadLetterQueue)]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    expect(resources[logicalIdOf(service.workQueue.deadLetterQueue)]!.Properties.RedrivePolicy).toBeUndefined();
    expect(ofType('AWS::SQS::Queue')).toHaveLength(4); // and the lifecycle queue, the schedules' dead letters
  });

  it('has the lifecycle queue (SSE, 6 x the lifecycle timeout visible), with the same dead-letter queue', () => {
    const timeout = resources[logicalIdOf(service.lifecycleFunction)]!.Properties.Timeout;
    expect(timeout).toBe(60);
    expect(resources[logicalIdOf(service.lifecycleEvents.queue)]!.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * timeout,
      RedrivePolicy: { deadLetterTargetArn: deadLettersArn, maxReceiveCount: 5 },
    });
  });

  it('refuses every request to any queue that is not over TLS', () => {
    const policies = ofType('AWS::SQS::QueuePolicy').map(([, policy]) => policy.Properties);
    expect(policies.flatMap((policy) => policy.Queues.map(flat)).sort()).toEqual(
      [
        service.workQueue.queue,
        service.workQueue.deadLetterQueue,
        service.lifecycleEvents.queue,
        service.scheduleDeadLetterQueue,
      ]
        .map((queue) => `<${logicalIdOf(queue)}>`)
        .sort(),
    );
    for (const policy of policies) {
      expect(policy.PolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]);
    }
  });

  it('feeds the worker (at most 20 at once) and the lifecycle function (5) from their queues: batches of 10, partial batch responses', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, mapping]) => mapping.Properties);
    expect(mappings).toHaveLength(2);
    expect(mappings).toContainEqual(
      expect.objectContaining({
        EventSourceArn: queueArn,
        FunctionName: { Ref: logicalIdOf(service.workerFunction) },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 20 },
      }),
    );
    expect(mappings).toContainEqual(
      expect.objectContaining({
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(service.lifecycleEvents.queue), 'Arn'] },
        FunctionName: { Ref: logicalIdOf(service.lifecycleFunction) },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 5 },
      }),
    );
  });

  it('caps the rotation function (10), whose failures are kept; the others are bounded by their event sources', () => {
    const properties = (fn: C2Function) => resources[logicalIdOf(fn)]!.Properties;
    expect(properties(service.rotationFunction).ReservedConcurrentExecutions).toBe(10);
    for (const fn of [service.apiFunction, service.workerFunction, service.lifecycleFunction])
      expect(properties(fn).ReservedConcurrentExecutions).toBeUndefined();
    // Asynchronously invoked (EventBridge Scheduler): what Lambda gives up on goes to the schedules' dead letters.
    expect(properties(service.rotationFunction).DeadLetterConfig).toEqual({
      TargetArn: { 'Fn::GetAtt': [logicalIdOf(service.scheduleDeadLetterQueue), 'Arn'] },
    });
    for (const fn of [service.apiFunction, service.workerFunction, service.lifecycleFunction])
      expect(properties(fn).DeadLetterConfig).toBeUndefined();
  });

  it('alarms on any message in the dead-letter queue, to the alarm topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'e4c2-dev-work-dead-letters',
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(service.workQueue.deadLetterQueue), 'QueueName'] } },
      ],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalIdOf(service.observability.alarmTopic) }],
    });
  });
});

describe('service stack: the web UI (defaults: no custom domain, no web ACL, retained)', () => {
  const webUi = service.webUi!;
  const distribution = () => resources[logicalIdOf(webUi.distribution)]!;

  it("is deployed by default, at the distribution's domain, its API the stack's HTTP API", () => {
    expect(webUi).toBeDefined();
    expect(template.toJSON().Outputs.WebUiUrl.Value).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalIdOf(webUi.distribution), 'DomainName'] }]],
    });
    const config = distribution().Properties.DistributionConfig;
    const api = config.Origins.find((origin: Json) => origin.CustomOriginConfig);
    expect(flat(api.DomainName)).toBe(`<${logicalIdOf(service.api)}>.execute-api.eu-west-1.<AWS::URLSuffix>`);
    // CloudFront's default certificate, no web ACL (cdk-nag's CFR2 and CFR4 acknowledged for that case).
    expect(config.ViewerCertificate).toBeUndefined();
    expect(config.Aliases).toBeUndefined();
    expect(config.WebACLId).toBeUndefined();
  });

  it('retains its buckets (no auto-delete) and keeps old file versions 30 days', () => {
    for (const bucket of [webUi.bucket, webUi.logBucket]) {
      const resource = template.toJSON().Resources[logicalIdOf(bucket)];
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.Properties.Tags ?? []).not.toContainEqual(
        expect.objectContaining({ Key: 'aws-cdk:auto-delete-objects' }),
      );
    }
    expect(resources[logicalIdOf(webUi.bucket)]!.Properties.LifecycleConfiguration.Rules).toEqual([
      { NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' },
    ]);
    // Access logs kept as long as the log groups (e4c2:logRetentionDays).
    expect(resources[logicalIdOf(webUi.logBucket)]!.Properties.LifecycleConfiguration.Rules).toEqual([
      { ExpirationInDays: 30, Status: 'Enabled' },
    ]);
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });
});

describe('service stack: scheduler, API, observability', () => {
  it('has the schedule group of the rotations', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'e4c2-dev' });
  });

  it('routes $default (every other method and path) through the authorizer, the public routes without, to the api function, throttled, with access logs', () => {
    // Assess
    const authorizer = only('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties).toEqual({
      ApiId: { Ref: logicalIdOf(service.api) },
      Name: 'e4c2-dev-api-keys',
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      // No identity source and no cache: every request reaches the authorizer (a missing key is answered in the
      // API's error shape), which keeps its decisions itself.
      IdentitySource: [],
      AuthorizerResultTtlInSeconds: 0,
      AuthorizerUri: expect.anything(),
    });
    expect(flat(authorizer.Properties.AuthorizerUri)).toContain(`${logicalIdOf(service.authorizerFunction)}.Arn`);
    const authorizerId = { Ref: logicalIdOf(service.api.node.findChild('ApiKeyAuthorizer')) };
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);
    expect(routes.map((route) => [route.RouteKey, route.AuthorizationType, route.AuthorizerId]).sort()).toEqual([
      ['$default', 'CUSTOM', authorizerId],
      ['GET /v1/health', 'NONE', undefined],
      ['GET /v1/openapi.json', 'NONE', undefined],
    ]);
    // One integration (the api function) behind every route.
    const integration = only('AWS::ApiGatewayV2::Integration');
    const integrationId = Object.entries(resources).find(([, resource]) => resource === integration)![0];
    for (const route of routes)
      expect(route.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrationId }]] });
    // API Gateway may invoke the authorizer, for this authorizer of this API only.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(service.authorizerFunction), 'Arn'] },
      Principal: 'apigateway.amazonaws.com',
      SourceArn: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('/authorizers/')])] }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': [logicalIdOf(service.apiFunction), 'Arn'] },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ApiAccessLogs'), 'Arn'] },
        Format: Match.serializedJson(
          Match.objectLike({
            requestId: '$context.requestId',
            status: '$context.status',
            tenantId: '$context.authorizer.tenantId',
            keyId: '$context.authorizer.keyId',
          }),
        ),
      },
    });
    template.resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
  });

  it('leaves out of the authorizer exactly the public routes of the route table', () => {
    const publicRoutes = routes
      .filter((route) => route.scope === 'public')
      .map(({ method, path }) => ({ method, path }));
    expect([...PUBLIC_ROUTES]).toEqual(publicRoutes);
  });

  it('sets the retention of every log group (30 days by default), and every function logs to its own', () => {
    const logGroups = ofType('AWS::Logs::LogGroup');
    // 6 functions, API access logs, 2 IoT rules' errors, the endpoint lookup, the web UI's deployment
    expect(logGroups.length).toBe(11);
    for (const [, logGroup] of logGroups) expect(logGroup.Properties.RetentionInDays).toBe(30);
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      expect(fn.Properties.LoggingConfig?.LogGroup, 'a function without its log group').toBeDefined();
    }
  });

  it('alarms on function errors and throttles, API 5xx and failed command deliveries, to the encrypted topic', () => {
    // Assess
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    expect(alarms.map((alarm) => alarm.AlarmName).sort()).toEqual(
      [
        'api-errors',
        'api-server-errors',
        'api-throttles',
        'authorizer-errors',
        'authorizer-throttles',
        'commands-failed',
        'lifecycle-errors',
        'lifecycle-throttles',
        'provisioning-hook-errors',
        'provisioning-hook-throttles',
        'rotation-errors',
        'rotation-throttles',
        'schedule-dead-letters',
        'work-dead-letters',
        'worker-errors',
        'worker-throttles',
      ].map((name) => `e4c2-dev-${name}`),
    );
    const topic = { Ref: logicalIdOf(service.observability.alarmTopic) };
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'e4c2-dev-commands-failed',
      Namespace: 'E4C2',
      MetricName: 'CommandsFailed',
      Dimensions: [{ Name: 'service', Value: 'e4c2-dev' }],
      Statistic: 'Sum',
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('has a dashboard of the API, the functions and CommandsFailed', () => {
    const dashboard = only('AWS::CloudWatch::Dashboard');
    const body = flat(dashboard.Properties.DashboardBody);
    expect(dashboard.Properties.DashboardName).toBe('e4c2-dev-c2');
    for (const metric of ['"4xx"', '"5xx"', '"Latency"', '"Errors"', '"Throttles"', '"Duration"', '"CommandsFailed"']) {
      expect(body).toContain(metric);
    }
  });
});

describe('service stack with options', () => {
  // Prepare
  const options = testApp({
    context: {
      'e4c2:iotDataEndpoint': 'abcdefghij1234-ats.iot.eu-west-1.amazonaws.com',
      'e4c2:logRetentionDays': '90',
      'e4c2:alarmEmail': 'ops@example.com',
      'e4c2:customDomain': JSON.stringify({
        domainName: 'c2.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
      }),
      'e4c2:apiRateLimit': 20,
    },
  });
  const optionsTemplate = Template.fromStack(options.service);

  it('uses the configured IoT data endpoint, without a lookup', () => {
    optionsTemplate.resourceCountIs('Custom::IotDataEndpoint', 0);
    optionsTemplate.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Environment: { Variables: { IOT_DATA_ENDPOINT: 'abcdefghij1234-ats.iot.eu-west-1.amazonaws.com' } } },
      6,
    );
  });

  it('applies the retention, the e-mail subscription, the custom domain and the throttling', () => {
    for (const logGroup of Object.values(optionsTemplate.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.RetentionInDays).toBe(90);
    }
    optionsTemplate.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    optionsTemplate.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'c2.example.com',
      DomainNameConfigurations: [Match.objectLike({ SecurityPolicy: 'TLS_1_2' })],
    });
    optionsTemplate.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    optionsTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 100 },
    });
  });
});

describe('service stack: fleet provisioning by claim', () => {
  const iot = `${ARN}:iot:${REGION_ACCOUNT}`;
  const templateArn = `${iot}:provisioningtemplate/e4c2-dev-fleet`;
  const hook = service.provisioningHookFunction;
  const fleet = service.fleetProvisioning;
  const provisioningTemplate = only('AWS::IoT::ProvisioningTemplate');
  const body = JSON.parse(provisioningTemplate.Properties.TemplateBody as string) as Json;

  it("is a fleet provisioning template with the C2's hook and role, enabled", () => {
    expect(provisioningTemplate.Properties).toMatchObject({
      TemplateName: 'e4c2-dev-fleet',
      TemplateType: 'FLEET_PROVISIONING',
      Enabled: true,
      PreProvisioningHook: { PayloadVersion: HOOK_PAYLOAD_VERSION },
    });
    expect(flat(provisioningTemplate.Properties.PreProvisioningHook.TargetArn)).toBe(`<${logicalIdOf(hook)}.Arn>`);
    expect(flat(provisioningTemplate.Properties.ProvisioningRoleArn)).toBe(
      `<${logicalIdOf(fleet.provisioningRole)}.Arn>`,
    );
  });

  it("declares the parameters the hook reads, and makes the thing, certificate and policy as the C2's provisioner does", () => {
    // Assess: the same parameter names on both sides (infra imports no runtime code)
    expect(TEMPLATE_PARAMETERS).toEqual(PROVISIONING_PARAMETERS);
    expect(Object.keys(body.Parameters).sort()).toEqual(
      [...Object.values(PROVISIONING_PARAMETERS), 'AWS::IoT::Certificate::Id'].sort(),
    );
    // What the template makes for a device the hook allowed (its overrides: TenantId and ClientId)
    const idHex = '0123456789abcdef0123456789abcdef';
    const made = evaluateTemplate(body.Resources, {
      TenantId: 'tenant-a',
      ClientId: idHex,
      'AWS::IoT::Certificate::Id': 'f'.repeat(64),
    });
    expect(made).toEqual({
      thing: {
        Type: 'AWS::IoT::Thing',
        Properties: {
          ThingName: thingNameOf('tenant-a', idHex),
          AttributePayload: { tenant: 'tenant-a', e4id: idHex },
        },
      },
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: 'f'.repeat(64), Status: 'Active' } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'e4c2-dev-device' } },
    });
  });

  it('lets IoT Core invoke the hook for this template of this account only, before the template exists', () => {
    const permissions = ofType('AWS::Lambda::Permission').filter(
      ([, permission]) => permission.Properties.Principal === 'iot.amazonaws.com',
    );
    expect(permissions).toHaveLength(1);
    const [permissionId, permission] = permissions[0]!;
    expect(flat(permission.Properties.FunctionName)).toBe(`<${logicalIdOf(hook)}.Arn>`);
    expect(flat(permission.Properties.SourceArn)).toBe(templateArn);
    expect(flat(permission.Properties.SourceAccount)).toBe('123456789012');
    const [, resource] = Object.entries(resources).find(([, r]) => r.Type === 'AWS::IoT::ProvisioningTemplate')!;
    expect((resource as Json).DependsOn).toEqual(expect.arrayContaining([permissionId]));
  });

  it('gives the provisioning role, assumed by IoT Core for this template only, the things, certificates and device policy only', () => {
    const role = resources[logicalIdOf(fleet.provisioningRole)]!.Properties;
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { Service: 'iot.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': '123456789012' },
          ArnLike: { 'aws:SourceArn': expect.anything() },
        },
      },
    ]);
    expect(flat(role.AssumeRolePolicyDocument.Statement[0].Condition.ArnLike['aws:SourceArn'])).toBe(templateArn);
    const policies = ofType('AWS::IAM::Policy').filter(([, policy]) =>
      (policy.Properties.Roles as unknown[]).some((r) => flat(r) === `<${logicalIdOf(fleet.provisioningRole)}>`),
    );
    const statements = policies.flatMap(([, policy]) => policy.Properties.PolicyDocument.Statement as Json[]);
    expect(
      statements.map((statement) => ({
        sid: statement.Sid,
        actions: [statement.Action].flat(),
        resources: [statement.Resource].flat().map(flat),
        condition: statement.Condition,
      })),
    ).toEqual([
      {
        sid: 'ProvisionDeviceThings',
        actions: [
          'iot:CreateThing',
          'iot:DescribeThing',
          'iot:UpdateThing',
          'iot:AttachThingPrincipal',
          'iot:ListThingPrincipals',
        ],
        resources: [`${iot}:thing/e4c2-*`],
        condition: undefined,
      },
      {
        sid: 'ActivateDeviceCertificates',
        actions: ['iot:DescribeCertificate', 'iot:UpdateCertificate', 'iot:AttachPolicy', 'iot:AttachThingPrincipal'],
        resources: [`${iot}:cert/*`],
        condition: undefined,
      },
      {
        sid: 'AttachDevicePolicy',
        actions: ['iot:GetPolicy', 'iot:AttachPolicy'],
        resources: [`${iot}:policy/e4c2-dev-device`],
        condition: undefined,
      },
    ]);
  });

  it("gives the claim certificate's policy the two topics of fleet provisioning and claim client ids only", () => {
    const policy = ofType('AWS::IoT::Policy').find(([, p]) => p.Properties.PolicyName === 'e4c2-dev-claim')![1];
    const document = policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] };
    const topics = ['$aws/certificates/create/*', '$aws/provisioning-templates/e4c2-dev-fleet/provision/*'];
    expect(document.Statement.map((s) => ({ ...s, Resource: [s.Resource].flat().map(flat) }))).toEqual([
      {
        Sid: 'ConnectAsClaimClient',
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: [`${iot}:client/${CLAIM_CLIENT_PREFIX}*`],
      },
      {
        Sid: 'PublishAndReceiveFleetProvisioningTopics',
        Effect: 'Allow',
        Action: ['iot:Publish', 'iot:Receive'],
        Resource: topics.map((topic) => `${iot}:topic/${topic}`),
      },
      {
        Sid: 'SubscribeFleetProvisioningTopics',
        Effect: 'Allow',
        Action: 'iot:Subscribe',
        Resource: topics.map((topic) => `${iot}:topicfilter/${topic}`),
      },
    ]);
  });

  it('gives no device a client id the claim policy allows: no valid tenant id makes a thing name of the claim prefix', () => {
    // IoT Core policy wildcards: `*` is any run of characters; the claim policy allows `<prefix>*`.
    const claimAllows = (clientId: string) => clientId.startsWith(CLAIM_CLIENT_PREFIX);
    const tenantIds = fc.stringMatching(TENANT_ID_PATTERN);
    const idHex = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes).toString('hex'));
    fc.assert(
      fc.property(tenantIds, idHex, (tenantId, hex) => {
        expect(claimAllows(thingNameOf(tenantId, hex))).toBe(false);
      }),
      { numRuns: 2000 },
    );
    // The tenants the old prefix (`e4c2-claim-`) let a claim certificate impersonate: valid, and not reachable now.
    for (const tenantId of ['claim', 'claim-x', 'claim-0']) {
      expect(TENANT_ID_PATTERN.test(tenantId)).toBe(true);
      expect(claimAllows(thingNameOf(tenantId, '0'.repeat(32)))).toBe(false);
    }
    expect(claimAllows(`${CLAIM_CLIENT_PREFIX}0011223344556677`)).toBe(true);
  });

  it('hook: 5 seconds; its own tenant role, the tenants registry, whether a thing exists; nothing else', () => {
    expect(resources[logicalIdOf(hook)]!.Properties.Timeout).toBe(5);
    const [xray, logs, assume] = common(hook);
    expect(statementsOf(hook)).toEqual([
      xray,
      logs,
      // Its own tenant role (HookTenantAccessRole), not the functions'.
      { ...assume, resources: [`<${logicalIdOf(service.hookTenantAccess.role)}.Arn>`] },
      {
        sid: 'ReadTenantsRegistry',
        actions: ['dynamodb:GetItem'],
        resources: [tableArn],
        condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [TENANTS_PARTITION] } },
      },
      { ...tableEncryption, actions: ['kms:Decrypt'] },
      {
        sid: 'DescribeDeviceThings',
        actions: ['iot:DescribeThing'],
        resources: [`${iot}:thing/e4c2-*`],
        condition: undefined,
      },
      { sid: 'FindThingsOfE4Id', actions: ['iot:ListThings'], resources: ['*'], condition: undefined },
    ]);
  });
});
