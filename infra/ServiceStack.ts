/**
 * The stateless side of the C2, safe to destroy and deploy again: the four functions built from functions/, the
 * HTTP API in front of the api function and its Lambda authorizer (a fifth function, on every route but the public
 * ones), the work queue the worker function drains, the AWS IoT device policy, the
 * lifecycle rules and their queue (drained by the lifecycle function), the receipt rule, the EventBridge Scheduler
 * group and role for rotations, the pipe of link changes from the table's stream to the work queue (policy events),
 * and the dashboard and alarms. Each function's role holds exactly what it uses (see
 * the `allow()` calls below and test/infra/serviceStack.test.ts). Fleet provisioning by claim (a provisioning template,
 * its role, the claim certificates' policy, and its pre-provisioning hook, a sixth function) sits next to the
 * per-device certificates the api function makes (constructs/FleetProvisioning.ts). Tenant data (the table's `T#` items, the tenants'
 * data keys) is reached only through the TenantAccessRole, assumed per tenant (constructs/TenantAccessRole.ts); the
 * hook through its own, narrower instance (reads, key unwraps, event appends). The operator web UI, unless turned off,
 * is served by a CloudFront distribution that carries the HTTP API under `/v1` too (constructs/WebUiDistribution.ts).
 */
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  DomainName,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpStage,
  LogGroupLogDestination,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { InfraConfig } from './config.js';
import { C2Function } from './constructs/C2Function.js';
import { FleetProvisioning } from './constructs/FleetProvisioning.js';
import { IotDataEndpoint } from './constructs/IotDataEndpoint.js';
import { CONTROL_TOPIC_PREFIX, IotDevicePolicy } from './constructs/IotDevicePolicy.js';
import { LifecycleEventRules } from './constructs/LifecycleEventRules.js';
import { LinkChangePipe } from './constructs/LinkChangePipe.js';
import { Observability } from './constructs/Observability.js';
import { ReceiptRule } from './constructs/ReceiptRule.js';
import { TENANT_TABLE_ACTIONS, TENANT_TAG, TenantAccessRole } from './constructs/TenantAccessRole.js';
import { WebUiDistribution } from './constructs/WebUiDistribution.js';
import { DEAD_LETTER_RETENTION, WorkQueue } from './constructs/WorkQueue.js';

/** What the E4-id claims do (DynamoClientIdRegistry), on their own partitions `N#<hex id>` only. */
export const CLAIM_ACTIONS = ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;
export const CLAIM_PARTITION_PREFIX = 'N#';
/**
 * The platform operator's partitions: the tenants registry (DynamoTenantRegistry's TENANTS_PARTITION) and its own
 * records (keys, events, operations: `T#` + PLATFORM_TENANT), out of reach of the tenant role (a session tag cannot
 * hold `~`): the api function and the worker reach them with their own roles. A test checks them against the runtime's.
 */
export const PLATFORM_PARTITIONS = ['G#tenants', 'T#~platform'] as const;
/** The tenant id of the platform's own records (shared/c2/platform/platformKeyToken.ts; infra imports no runtime code). */
const PLATFORM_TENANT = '~platform';

export const SCHEDULE_ACTIONS = [
  'scheduler:CreateSchedule',
  'scheduler:UpdateSchedule',
  'scheduler:DeleteSchedule',
] as const;

/** What the api function's DeviceProvisioner does on things and on certificates. */
export const THING_ACTIONS = [
  'iot:CreateThing',
  'iot:DescribeThing',
  'iot:DeleteThing',
  'iot:ListThingPrincipals',
  'iot:AttachThingPrincipal',
  'iot:DetachThingPrincipal',
] as const;
export const CERTIFICATE_ACTIONS = [
  'iot:UpdateCertificate',
  'iot:DeleteCertificate',
  'iot:AttachPolicy',
  'iot:DetachPolicy',
] as const;

/** What the worker does when a client's deletion deprovisions its device: its thing, then its certificates. */
export const THING_REMOVAL_ACTIONS = [
  'iot:DeleteThing',
  'iot:ListThingPrincipals',
  'iot:DetachThingPrincipal',
] as const;
export const CERTIFICATE_REMOVAL_ACTIONS = [
  'iot:UpdateCertificate',
  'iot:DeleteCertificate',
  'iot:DetachPolicy',
] as const;

/**
 * The routes the HTTP API answers without its authorizer: those of scope `public` in functions/api/routes.ts (the
 * stack imports no runtime code; test/infra/serviceStack.test.ts checks that the two lists agree).
 */
export const PUBLIC_ROUTES = [
  { method: HttpMethod.GET, path: '/v1/health' },
  { method: HttpMethod.GET, path: '/v1/openapi.json' },
] as const;

/**
 * What the authorizer may do on the table: read any item (API keys `T#<tenant>`/`A#<key id>`: IAM cannot narrow a
 * GetItem to a sort-key prefix, and the tenant comes from the token), and write an API key's `lastUsedAt` only
 * (UpdateItem restricted to the attributes it names, returning nothing).
 */
export const AUTHORIZER_READ_ACTIONS = ['dynamodb:GetItem'] as const;
export const AUTHORIZER_WRITE_ACTIONS = ['dynamodb:UpdateItem'] as const;
export const AUTHORIZER_WRITTEN_ATTRIBUTES = ['PK', 'SK', 'lastUsedAt'] as const;

/** The worker function's timeout: the work queue's visibility timeout is six times as long. */
export const WORKER_TIMEOUT = Duration.minutes(2);
/** The SQS event source: records per invocation, and workers at most at once (the IoT Core publish rate's bound). */
export const WORK_BATCH_SIZE = 10;
export const WORKER_MAX_CONCURRENCY = 20;
/**
 * The lifecycle queue's event source: functions at most at once, so that every device reconnecting after an outage
 * waits in the queue instead of taking the account's concurrency (each event is a conditional write and a message).
 */
export const LIFECYCLE_TIMEOUT = Duration.minutes(1);
export const LIFECYCLE_MAX_CONCURRENCY = 5;
/**
 * Ceiling (reserved concurrency) of the rotation function, which many schedules firing at the same minute could
 * multiply until the API is throttled. It is invoked asynchronously: a throttled event waits and is retried.
 */
export const ROTATION_RESERVED_CONCURRENCY = 10;

/** The pre-provisioning hook's timeout: AWS IoT Core waits 5 seconds for it, then refuses the device. */
export const PROVISIONING_HOOK_TIMEOUT = Duration.seconds(5);
/** What the hook reads of the IoT registry: whether a device has a thing already (IotDeviceProvisioner.isProvisioned). */
export const HOOK_THING_ACTIONS = ['iot:DescribeThing'] as const;

export interface ServiceStackProps extends StackProps {
  readonly config: InfraConfig;
  readonly table: ITable;
  readonly key: IKey;
}

export class ServiceStack extends Stack {
  readonly apiFunction: C2Function;
  /** The HTTP API's Lambda authorizer: not in {@link functions} (it gets none of their grants). */
  readonly authorizerFunction: C2Function;
  readonly lifecycleFunction: C2Function;
  readonly rotationFunction: C2Function;
  readonly workerFunction: C2Function;
  /** The pre-provisioning hook of fleet provisioning: not in {@link functions} (it gets none of their grants). */
  readonly provisioningHookFunction: C2Function;
  readonly fleetProvisioning: FleetProvisioning;
  readonly workQueue: WorkQueue;
  readonly linkChanges: LinkChangePipe;
  readonly lifecycleEvents: LifecycleEventRules;
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly devicePolicy: IotDevicePolicy;
  readonly scheduleGroup: CfnScheduleGroup;
  readonly schedulerRole: Role;
  /** Runs EventBridge Scheduler could not deliver to the rotation function (its retry policy spent). */
  readonly scheduleDeadLetterQueue: Queue;
  readonly observability: Observability;
  /** What the functions assume, tagged with a tenant, to act for it. */
  readonly tenantAccess: TenantAccessRole;
  /** The pre-provisioning hook's tenant role: reads, key unwraps and event appends of one tenant. */
  readonly hookTenantAccess: TenantAccessRole;
  /** The operator web UI's bucket and distribution (the API under `/v1`); undefined when `e4c2:webUi` is false. */
  readonly webUi: WebUiDistribution | undefined;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const { config, table, key } = props;
    const prefix = config.namePrefix;
    const logs = { logRetention: config.logRetention, logRemovalPolicy: config.removalPolicy };
    const arn = (service: string, resource: string, resourceName: string) =>
      this.formatArn({ service, resource, resourceName });

    // --- AWS IoT: the devices' policy, the data endpoint the C2 publishes to ---
    this.devicePolicy = new IotDevicePolicy(this, 'DevicePolicy', { policyName: `${prefix}-device` });
    const endpoint = new IotDataEndpoint(this, 'IotDataEndpoint', { configured: config.iotDataEndpoint, ...logs });

    // --- EventBridge Scheduler: the group of the rotation schedules, the role they invoke the function with ---
    const scheduleGroupName = prefix;
    this.scheduleGroup = new CfnScheduleGroup(this, 'ScheduleGroup', { name: scheduleGroupName });
    this.schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account, 'aws:SourceArn': this.scheduleGroup.attrArn },
        },
      }),
      description: `EventBridge Scheduler invokes the rotation function with it (schedule group ${scheduleGroupName})`,
    });
    this.scheduleDeadLetterQueue = new Queue(this, 'ScheduleDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
      removalPolicy: config.removalPolicy,
    });
    // The schedules name it (DeadLetterConfig, set at run time by shared/adapters/aws/EventBridgeScheduler.ts), and
    // so does the rotation function (its asynchronous invocations): cdk-nag sees the latter.
    Validations.of(this.scheduleDeadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This is the dead-letter queue of the schedules: its messages are for an operator to look at (an alarm ' +
        'watches its depth), then run the policy by hand and delete them.',
    });

    // --- The work queue (operations, receipts), drained by the worker function ---
    this.workQueue = new WorkQueue(this, 'Work', {
      consumerTimeout: WORKER_TIMEOUT,
      removalPolicy: config.removalPolicy,
    });
    const { queue } = this.workQueue;

    // --- Link changes (the policies' event triggers): the table's stream -> pipe -> the work queue ---
    this.linkChanges = new LinkChangePipe(this, 'LinkChanges', {
      table,
      key,
      queue,
      deadLetterQueue: this.workQueue.deadLetterQueue,
    });

    // --- The functions ---
    const environment: Record<string, string> = {
      TABLE_NAME: table.tableName,
      WORK_QUEUE_URL: queue.queueUrl,
      KMS_KEY_ARN: key.keyArn,
      IOT_DATA_ENDPOINT: endpoint.address,
      DEVICE_POLICY_NAME: this.devicePolicy.policyName,
      SCHEDULE_GROUP: scheduleGroupName,
      SCHEDULER_ROLE_ARN: this.schedulerRole.roleArn,
      POWERTOOLS_SERVICE_NAME: config.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: config.metricsNamespace,
      LOG_LEVEL: config.logLevel,
    };
    this.rotationFunction = new C2Function(this, 'RotationFunction', {
      entry: 'functions/rotation/index.ts',
      description: `${prefix}: scheduled key rotations (EventBridge Scheduler target)`,
      environment,
      memorySize: 1024,
      timeout: Duration.minutes(5),
      reservedConcurrentExecutions: ROTATION_RESERVED_CONCURRENCY,
      // A run that failed every try (Lambda's own retries of the Scheduler's asynchronous invocation) lands where
      // the schedules put the runs they could not deliver: one queue of lost runs.
      deadLetterQueue: this.scheduleDeadLetterQueue,
      ...logs,
    });
    this.lifecycleFunction = new C2Function(this, 'LifecycleFunction', {
      entry: 'functions/lifecycle/index.ts',
      description: `${prefix}: the lifecycle queue (AWS IoT connected, subscribed): resyncs devices coming back`,
      environment,
      memorySize: 512,
      timeout: LIFECYCLE_TIMEOUT,
      ...logs,
    });
    // What puts the policies' schedules needs (the api function, and the worker keeping them in step).
    const scheduling = {
      ...environment,
      ROTATION_FUNCTION_ARN: this.rotationFunction.functionArn,
      SCHEDULE_DEAD_LETTER_ARN: this.scheduleDeadLetterQueue.queueArn,
    };
    this.apiFunction = new C2Function(this, 'ApiFunction', {
      entry: 'functions/api/index.ts',
      description: `${prefix}: the C2's HTTP API`,
      environment: scheduling,
      memorySize: 1024,
      // Under the HTTP API's 30-second integration limit.
      timeout: Duration.seconds(29),
      ...logs,
    });
    this.authorizerFunction = new C2Function(this, 'AuthorizerFunction', {
      entry: 'functions/authorizer/index.ts',
      description: `${prefix}: the HTTP API's authorizer (API key -> tenant, key id, scope)`,
      environment,
      memorySize: 512,
      // API Gateway waits 10 seconds for an authorizer.
      timeout: Duration.seconds(10),
      ...logs,
    });
    this.workerFunction = new C2Function(this, 'WorkerFunction', {
      entry: 'functions/worker/index.ts',
      description: `${prefix}: the work queue (operations carried out, receipts accepted)`,
      environment: scheduling,
      memorySize: 1024,
      timeout: WORKER_TIMEOUT,
      ...logs,
    });
    this.provisioningHookFunction = new C2Function(this, 'ProvisioningHookFunction', {
      entry: 'functions/provisioningHook/index.ts',
      description: `${prefix}: the pre-provisioning hook of fleet provisioning by claim (AWS IoT Core)`,
      environment,
      memorySize: 1024,
      timeout: PROVISIONING_HOOK_TIMEOUT,
      ...logs,
    });
    this.workerFunction.addEventSource(
      new SqsEventSource(queue, {
        batchSize: WORK_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: WORKER_MAX_CONCURRENCY,
      }),
    );
    // --- AWS IoT lifecycle events of the C2's devices -> lifecycle queue -> lifecycle function ---
    this.lifecycleEvents = new LifecycleEventRules(this, 'LifecycleEvents', {
      consumerTimeout: LIFECYCLE_TIMEOUT,
      deadLetterQueue: this.workQueue.deadLetterQueue,
      removalPolicy: config.removalPolicy,
      ...logs,
    });
    this.lifecycleFunction.addEventSource(
      new SqsEventSource(this.lifecycleEvents.queue, {
        batchSize: WORK_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: LIFECYCLE_MAX_CONCURRENCY,
      }),
    );
    for (const fn of [this.workerFunction, this.lifecycleFunction]) {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason:
          'An SQS event source takes no on-failure destination (streams and Kafka do): a record that keeps failing ' +
          "goes to the work queue's dead-letter queue through the queue's redrive policy (maxReceiveCount 5).",
      });
    }
    for (const fn of [this.apiFunction, this.authorizerFunction, this.workerFunction, this.lifecycleFunction]) {
      Validations.of(fn).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'Never invoked asynchronously: the api function and the authorizer answer the HTTP API (synchronous), the worker and ' +
          'lifecycle functions their SQS event sources (a failed record returns to its queue, then to the dead-letter queue).',
      });
    }

    // --- Least-privilege grants ---
    const controlTopics = arn('iot', 'topic', `${CONTROL_TOPIC_PREFIX}/*`);
    const scheduleArns = arn('scheduler', 'schedule', `${scheduleGroupName}/*`);
    // Things of the C2 only: their names start with e4c2- (IotDeviceProvisioner: e4c2-<tenant>-<hex id>).
    const things = arn('iot', 'thing', 'e4c2-*');
    const certificates = arn('iot', 'cert', '*');
    this.tenantAccess = new TenantAccessRole(this, 'TenantAccess', {
      table,
      key,
      assumedBy: this.functions().map(([, fn]) => fn.executionRole),
    });
    const tenantRoleArn = this.tenantAccess.role.roleArn;
    for (const [name, fn] of this.functions()) {
      fn.addEnvironment('TENANT_ROLE_ARN', tenantRoleArn);
      // Tenant items and data keys only through a session of the TenantAccessRole tagged with the tenant.
      fn.allow('AssumeTenantAccessRole', ['sts:AssumeRole', 'sts:TagSession'], [tenantRoleArn], {
        Null: { [`aws:RequestTag/${TENANT_TAG}`]: 'false' },
      });
      fn.allow('PublishControlTopics', ['iot:Publish'], [controlTopics]);
      // Operations are started by every function, and the worker enqueues the next slice of a long fan-out.
      fn.allow('SendWork', ['sqs:SendMessage'], [queue.queueArn]);
      fn.acknowledgeWildcard(
        controlTopics,
        "The C2 publishes commands to every device's control topic e4/<device id>; devices are created at run time, so " +
          'the topics are a prefix, not a list.',
      );
      fn.acknowledgeWildcard(
        '*',
        'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) have no resource type: IAM accepts only "*".' +
          (name === 'api'
            ? ' So have iot:CreateKeysAndCertificate and iot:ListThings (device provisioning: one device per E4 id).'
            : ''),
      );
    }
    // E4-id claims (partition N#<hex id>, one per id across tenants: shared/adapters/aws/DynamoClientIdRegistry.ts):
    // claimed at a client's creation (api), released at its deletion (worker), with the functions' own roles; the
    // platform's partitions (tenants, a tenant's deletion) likewise.
    for (const fn of [this.apiFunction, this.workerFunction]) {
      fn.allow('ClientIdClaims', CLAIM_ACTIONS, [table.tableArn], {
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${CLAIM_PARTITION_PREFIX}*`] },
      });
      fn.allow('PlatformRecords', TENANT_TABLE_ACTIONS, [table.tableArn], {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [...PLATFORM_PARTITIONS] },
      });
      fn.allow('TableEncryptionThroughDynamoDB', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], [key.keyArn], {
        StringEquals: { 'kms:ViaService': `dynamodb.${this.region}.${this.urlSuffix}` },
      });
    }
    // Factory batches (shared/c2/factory/): the devices' keys are wrapped under data keys of the platform's own
    // encryption context (registration, and a tenant's claim, which opens them to re-wrap them to the tenant's).
    this.apiFunction.allow('PlatformDataKeys', ['kms:GenerateDataKey', 'kms:Decrypt'], [key.keyArn], {
      StringEquals: { [`kms:EncryptionContext:${TENANT_TAG}`]: PLATFORM_TENANT },
    });
    // Policies' schedules: put and deleted by the api function (policy changes) and the worker (kept in step after a
    // failed put or a stale run, deleted with the client or topic a policy names).
    for (const fn of [this.apiFunction, this.workerFunction]) {
      fn.allow('ManageRotationSchedules', SCHEDULE_ACTIONS, [scheduleArns]);
      fn.acknowledgeWildcard(
        scheduleArns,
        "Schedules are created per tenant at run time, all in the C2's own schedule group: the group is the bound.",
      );
      fn.allow('PassSchedulerRole', ['iam:PassRole'], [this.schedulerRole.roleArn], {
        StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' },
      });
    }
    // The authorizer: API keys read, their last use written; no data keys, no other write, no Query.
    const authorizer = this.authorizerFunction;
    authorizer.allow('ReadApiKeys', AUTHORIZER_READ_ACTIONS, [table.tableArn]);
    authorizer.allow('RecordApiKeyUse', AUTHORIZER_WRITE_ACTIONS, [table.tableArn], {
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...AUTHORIZER_WRITTEN_ATTRIBUTES] },
      // API keys are in the tenants' partitions (the platform's, `T#~platform`, included): nothing else is written.
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*'] },
      StringEqualsIfExists: { 'dynamodb:ReturnValues': 'NONE' },
    });
    authorizer.allow(
      'TableEncryptionThroughDynamoDB',
      ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      [key.keyArn],
      {
        StringEquals: { 'kms:ViaService': `dynamodb.${this.region}.${this.urlSuffix}` },
      },
    );
    authorizer.acknowledgeWildcard(
      '*',
      'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) have no resource type: IAM accepts only "*".',
    );
    const api = this.apiFunction;
    api.allow('CreateDeviceCertificates', ['iot:CreateKeysAndCertificate', 'iot:ListThings'], ['*']);
    api.allow('ProvisionDeviceThings', THING_ACTIONS, [things]);
    api.acknowledgeWildcard(
      things,
      'The api function registers and removes a thing per device at run time; thing names are not known in advance.',
    );
    api.allow('ManageDeviceCertificates', CERTIFICATE_ACTIONS, [certificates]);
    api.acknowledgeWildcard(
      certificates,
      'Device certificates get generated ids at run time (CreateKeysAndCertificate); attaching the device policy, ' +
        'deactivating and deleting them names the certificate, whose id is not known in advance.',
    );
    // A client's deletion is an operation: its last step (the worker's) deprovisions the device.
    const worker = this.workerFunction;
    worker.allow('DeprovisionDeviceThings', THING_REMOVAL_ACTIONS, [things]);
    worker.acknowledgeWildcard(
      things,
      "The worker removes a deleted client's thing; thing names are made at run time, one per device.",
    );
    worker.allow('RemoveDeviceCertificates', CERTIFICATE_REMOVAL_ACTIONS, [certificates]);
    worker.acknowledgeWildcard(
      certificates,
      "The worker deactivates and deletes a deleted client's certificates, whose ids are generated at run time.",
    );
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'InvokeRotationFunction',
        effect: Effect.ALLOW,
        actions: ['lambda:InvokeFunction'],
        resources: [this.rotationFunction.functionArn],
      }),
    );
    // The Scheduler sends what it could not deliver to the dead-letter queue with the schedule's execution role.
    this.schedulerRole.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'SendScheduleDeadLetters',
        effect: Effect.ALLOW,
        actions: ['sqs:SendMessage'],
        resources: [this.scheduleDeadLetterQueue.queueArn],
      }),
    );

    // --- Fleet provisioning by claim: the template, its role, the claim policy, the hook's grants ---
    this.fleetProvisioning = new FleetProvisioning(this, 'FleetProvisioning', {
      templateName: `${prefix}-fleet`,
      claimPolicyName: `${prefix}-claim`,
      devicePolicyName: this.devicePolicy.policyName,
      hook: this.provisioningHookFunction,
    });
    const hook = this.provisioningHookFunction;
    // Its own, narrower tenant role: reads, key unwraps and event appends only (it handles any claim certificate's input).
    this.hookTenantAccess = new TenantAccessRole(this, 'HookTenantAccess', {
      table,
      key,
      assumedBy: [hook.executionRole],
      access: 'provisioningHook',
      description:
        'The pre-provisioning hook acts for one tenant with it (session tag tenant): reads its items, unwraps its ' +
        'data keys, appends to its event log',
    });
    const hookTenantRoleArn = this.hookTenantAccess.role.roleArn;
    hook.addEnvironment('TENANT_ROLE_ARN', hookTenantRoleArn);
    // A tenant's client and its key (KMS-enveloped) only through that tenant's session of the hook's tenant role.
    hook.allow('AssumeTenantAccessRole', ['sts:AssumeRole', 'sts:TagSession'], [hookTenantRoleArn], {
      Null: { [`aws:RequestTag/${TENANT_TAG}`]: 'false' },
    });
    // The tenants registry (PLATFORM_PARTITIONS[0]): a suspended tenant's devices are refused.
    hook.allow('ReadTenantsRegistry', ['dynamodb:GetItem'], [table.tableArn], {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [PLATFORM_PARTITIONS[0]] },
    });
    hook.allow('TableEncryptionThroughDynamoDB', ['kms:Decrypt'], [key.keyArn], {
      StringEquals: { 'kms:ViaService': `dynamodb.${this.region}.${this.urlSuffix}` },
    });
    hook.allow('DescribeDeviceThings', HOOK_THING_ACTIONS, [things]);
    hook.allow('FindThingsOfE4Id', ['iot:ListThings'], ['*']);
    hook.acknowledgeWildcard(
      things,
      'The hook checks that a device has no thing yet; thing names are made at run time (e4c2-<tenant>-<E4 id>).',
    );
    hook.acknowledgeWildcard(
      '*',
      'iot:ListThings (one device per E4 id: a thing of that id under any name) has no resource type, nor have ' +
        'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing): IAM accepts only "*".',
    );

    // --- Devices' receipts -> work queue ---
    new ReceiptRule(this, 'Receipts', { queue, ...logs });

    // --- HTTP API: $default (every other method and path) through the authorizer, the public routes without ---
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    const domainName = config.customDomain
      ? new DomainName(this, 'ApiDomain', {
          domainName: config.customDomain.domainName,
          certificate: Certificate.fromCertificateArn(this, 'ApiCertificate', config.customDomain.certificateArn),
          securityPolicy: SecurityPolicy.TLS_1_2,
        })
      : undefined;
    const integration = new HttpLambdaIntegration('ApiIntegration', this.apiFunction);
    // No identity source, no API Gateway cache: every request reaches the authorizer (which keeps its decisions
    // 30 s), so that a missing header is answered by the api function in the API's error shape (infra/README.md).
    const apiKeyAuthorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', this.authorizerFunction, {
      authorizerName: `${prefix}-api-keys`,
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `${prefix}-api`,
      description:
        'The C2 HTTP API: every request but the public routes goes through the API key authorizer to the api function',
      createDefaultStage: false,
      defaultIntegration: integration,
      defaultAuthorizer: apiKeyAuthorizer,
    });
    for (const { method, path } of PUBLIC_ROUTES) {
      for (const route of this.api.addRoutes({
        path,
        methods: [method],
        integration,
        authorizer: new HttpNoneAuthorizer(),
      })) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${method} ${path} is public by design (health check, the OpenAPI document): it reads nothing of a tenant.`,
        });
      }
    }
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            // Who called, from the authorizer's context (never the token): the tenant in every access log line.
            tenantId: '$context.authorizer.tenantId',
            keyId: '$context.authorizer.keyId',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
      ...(domainName ? { domainMapping: { domainName } } : {}),
    });

    // --- Dashboard and alarms ---
    this.observability = new Observability(this, 'Observability', {
      namePrefix: prefix,
      api: this.api,
      functions: {
        ...Object.fromEntries(this.functions()),
        authorizer: this.authorizerFunction,
        provisioningHook: this.provisioningHookFunction,
      },
      workQueue: queue,
      deadLetterQueue: this.workQueue.deadLetterQueue,
      scheduleDeadLetterQueue: this.scheduleDeadLetterQueue,
      metricsNamespace: config.metricsNamespace,
      serviceName: config.serviceName,
      alarmEmail: config.alarmEmail,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url, description: 'Base URL of the HTTP API' });
    if (domainName) {
      new CfnOutput(this, 'ApiDomainTarget', {
        value: domainName.regionalDomainName,
        description: `Point ${config.customDomain?.domainName} here (CNAME, or an alias record)`,
      });
    }
    // --- The operator web UI: S3 + CloudFront, the API under /v1 of the same distribution ---
    if (config.webUi) {
      this.webUi = new WebUiDistribution(this, 'WebUi', {
        config: config.webUi,
        // The stage `$default`: the API's paths are the distribution's (/v1/...).
        apiDomainName: `${this.api.apiId}.execute-api.${this.region}.${this.urlSuffix}`,
        removalPolicy: config.removalPolicy,
        logRetention: config.logRetention,
      });
    }
    new CfnOutput(this, 'IotDataEndpointAddress', { value: endpoint.address });
    new CfnOutput(this, 'DevicePolicyNameOutput', { value: this.devicePolicy.policyName });
    new CfnOutput(this, 'ScheduleGroupName', { value: scheduleGroupName });
    new CfnOutput(this, 'FleetProvisioningTemplateName', {
      value: this.fleetProvisioning.templateName,
      description: 'Devices register through it with the claim certificate (RegisterThing)',
    });
    new CfnOutput(this, 'ClaimPolicyName', {
      value: this.fleetProvisioning.claimPolicyName,
      description: 'Attach it to a claim certificate: npm run claim-certificate -- --policy <this>',
    });
    new CfnOutput(this, 'WorkDeadLetterQueueUrl', { value: this.workQueue.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'ScheduleDeadLetterQueueUrl', { value: this.scheduleDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.alarmTopic.topicArn });
  }

  /** The functions by their short name. */
  functions(): Array<['api' | 'lifecycle' | 'rotation' | 'worker', C2Function]> {
    return [
      ['api', this.apiFunction],
      ['lifecycle', this.lifecycleFunction],
      ['rotation', this.rotationFunction],
      ['worker', this.workerFunction],
    ];
  }
}
