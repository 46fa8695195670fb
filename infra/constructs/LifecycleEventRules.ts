/**
 * AWS IoT lifecycle events of the C2's devices to the lifecycle queue, which the lifecycle function drains
 * (functions/lifecycle): one rule per event topic (a device connected, subscribed: the two after which it is
 * resynced; disconnections are not forwarded), each filtering in its SQL to the client ids of the C2's devices (thing
 * names `e4c2-<tenant>-<hex id>`, which the device policy enforces), so the events of other clients of the account
 * never reach the queue. A burst (every device reconnecting after an outage) waits in the queue, drained at the event
 * source's maximum concurrency, instead of invoking a function per event. The queue is encrypted (SSE-SQS), HTTPS
 * only; what fails `maxReceiveCount` times goes to the given dead-letter queue (the work queue's: one place for an
 * operator to look). A rule that fails to send writes the failure to a log group of its own.
 */
import { Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnTopicRule } from 'aws-cdk-lib/aws-iot';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WORK_MAX_RECEIVE_COUNT } from './WorkQueue.js';

/** The lifecycle event topics forwarded, by the id of their rule. `+` is the client id. */
export const LIFECYCLE_EVENT_TOPICS = {
  Connected: '$aws/events/presence/connected/+',
  Subscribed: '$aws/events/subscriptions/subscribed/+',
} as const;

/** The SQL of a rule: the event as AWS IoT publishes it (its `eventType` says which), of the C2's devices only. */
export const lifecycleRuleSql = (topic: string): string =>
  `SELECT * FROM '${topic}' WHERE startswith(clientId, 'e4c2-')`;

export interface LifecycleEventRulesProps {
  /** The timeout of the function that consumes the queue (its visibility timeout is six times as long). */
  readonly consumerTimeout: Duration;
  readonly deadLetterQueue: IQueue;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

export class LifecycleEventRules extends Construct {
  readonly queue: Queue;
  readonly rules: CfnTopicRule[] = [];
  readonly errorLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LifecycleEventRulesProps) {
    super(scope, id);
    const { account } = Stack.of(this);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: props.deadLetterQueue, maxReceiveCount: WORK_MAX_RECEIVE_COUNT },
      removalPolicy: props.removalPolicy,
    });
    this.errorLogGroup = new LogGroup(this, 'ErrorLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const role = new Role(this, 'ActionRole', {
      assumedBy: new ServicePrincipal('iot.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description:
        'Lets the lifecycle rules send events to the lifecycle queue and write their failures to their log group',
    });
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'SendLifecycleEvents',
        effect: Effect.ALLOW,
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
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

    for (const [name, topic] of Object.entries(LIFECYCLE_EVENT_TOPICS)) {
      const rule = new CfnTopicRule(this, name, {
        topicRulePayload: {
          description: `Forwards ${topic} of the C2's devices to the lifecycle queue`,
          sql: lifecycleRuleSql(topic),
          awsIotSqlVersion: '2016-03-23',
          ruleDisabled: false,
          actions: [{ sqs: { queueUrl: this.queue.queueUrl, roleArn: role.roleArn, useBase64: false } }],
          errorAction: { cloudwatchLogs: { logGroupName: this.errorLogGroup.logGroupName, roleArn: role.roleArn } },
        },
      });
      this.rules.push(rule);
    }
  }
}
