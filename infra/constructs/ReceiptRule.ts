/**
 * The AWS IoT rule that hands devices' receipts to the work queue: a device publishes a receipt (protected, binary)
 * on `e4/<its hex id>/receipt` after applying a command; the rule sends the work queue the ReceiptMessage of
 * shared/c2/ports/WorkQueue.ts, `{ "type": "receipt", "tenantId", "clientIdHex", "payload" }`, with the payload's
 * raw bytes in base64. The tenant comes from the MQTT client id, which the device policy forces to be the thing name
 * `e4c2-<tenant>-<hex id>` (shared/adapters/aws/IotDeviceProvisioner.ts); a message whose client id is not such a
 * name, or names another hex id than the topic's, is dropped. A failed send is written to a log group of its own.
 */
import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnTopicRule } from 'aws-cdk-lib/aws-iot';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CONTROL_TOPIC_PREFIX, RECEIPT_TOPIC_SUFFIX } from './IotDevicePolicy.js';

/** Every device's receipt topic; `topic(2)` is the hex id. */
export const RECEIPT_TOPIC_FILTER = `${CONTROL_TOPIC_PREFIX}/+/${RECEIPT_TOPIC_SUFFIX}`;

/** A thing name of the C2 (as IotDeviceProvisioner.thingNameOf makes it; the tenant pattern of validateTenantId). */
export const THING_NAME_PATTERN = '^e4c2-[a-z0-9][a-z0-9-]{0,62}-[0-9a-f]{32}$';
/** Replaced by its group 1 (`$1`), a thing name leaves its tenant (greedy: a tenant may hold `-`). */
export const TENANT_OF_THING_NAME = '^e4c2-(.+)-[0-9a-f]{32}$';

/** The rule's SQL (version 2016-03-23): exactly the fields of a ReceiptMessage. */
export const RECEIPT_RULE_SQL =
  "SELECT 'receipt' AS type, " +
  `regexp_replace(clientid(), '${TENANT_OF_THING_NAME}', '$1') AS tenantId, ` +
  'topic(2) AS clientIdHex, ' +
  "encode(*, 'base64') AS payload " +
  `FROM '${RECEIPT_TOPIC_FILTER}' ` +
  `WHERE regexp_matches(clientid(), '${THING_NAME_PATTERN}') AND endswith(clientid(), concat('-', topic(2)))`;

export interface ReceiptRuleProps {
  readonly queue: IQueue;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

export class ReceiptRule extends Construct {
  readonly rule: CfnTopicRule;
  readonly errorLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ReceiptRuleProps) {
    super(scope, id);
    const { account } = Stack.of(this);
    this.errorLogGroup = new LogGroup(this, 'ErrorLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const role = new Role(this, 'ActionRole', {
      assumedBy: new ServicePrincipal('iot.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'Lets the receipt rule send receipts to the work queue and write its failures to its log group',
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'SendReceipts',
        effect: Effect.ALLOW,
        actions: ['sqs:SendMessage'],
        resources: [props.queue.queueArn],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'WriteRuleErrors',
        effect: Effect.ALLOW,
        actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
        resources: [this.errorLogGroup.logGroupArn],
      }),
    );
    this.rule = new CfnTopicRule(this, 'Rule', {
      topicRulePayload: {
        description: "Devices' receipts (e4/<hex id>/receipt) to the C2's work queue",
        sql: RECEIPT_RULE_SQL,
        awsIotSqlVersion: '2016-03-23',
        ruleDisabled: false,
        actions: [{ sqs: { queueUrl: props.queue.queueUrl, roleArn: role.roleArn, useBase64: false } }],
        errorAction: { cloudwatchLogs: { logGroupName: this.errorLogGroup.logGroupName, roleArn: role.roleArn } },
      },
    });
  }
}
