/**
 * AWS IoT rules forwarding the broker's lifecycle events to the lifecycle function: one rule per event topic
 * (a device connected, subscribed: the two after which it is resynced; disconnections are not forwarded, the
 * function has nothing to do with them), each allowed to invoke the function (and nothing else may, from
 * IoT). A rule that fails to invoke it (throttled, ...) writes the failure to a log group of its own.
 */

import type { RemovalPolicy } from 'aws-cdk-lib';
import { Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnTopicRule } from 'aws-cdk-lib/aws-iot';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** The lifecycle event topics forwarded, by the id of their rule. `+` is the client id. */
export const LIFECYCLE_EVENT_TOPICS = {
  Connected: '$aws/events/presence/connected/+',
  Subscribed: '$aws/events/subscriptions/subscribed/+',
} as const;

/** The SQL of a rule: the event as AWS IoT publishes it (its `eventType` says which). */
export const lifecycleRuleSql = (topic: string): string => `SELECT * FROM '${topic}'`;

export interface LifecycleEventRulesProps {
  readonly target: IFunction;
  readonly logRetention: RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

export class LifecycleEventRules extends Construct {
  readonly rules: CfnTopicRule[] = [];
  readonly errorLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: LifecycleEventRulesProps) {
    super(scope, id);
    const { account } = Stack.of(this);
    this.errorLogGroup = new LogGroup(this, 'ErrorLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    const errorRole = new Role(this, 'ErrorActionRole', {
      assumedBy: new ServicePrincipal('iot.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
      description: 'Lets the lifecycle rules write their failures to their log group',
    });
    errorRole.addToPrincipalPolicy(
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
          description: `Forwards ${topic} to the C2's lifecycle function`,
          sql: lifecycleRuleSql(topic),
          awsIotSqlVersion: '2016-03-23',
          ruleDisabled: false,
          actions: [{ lambda: { functionArn: props.target.functionArn } }],
          errorAction: {
            cloudwatchLogs: { logGroupName: this.errorLogGroup.logGroupName, roleArn: errorRole.roleArn },
          },
        },
      });
      props.target.addPermission(`Invoke${name}Rule`, {
        principal: new ServicePrincipal('iot.amazonaws.com'),
        action: 'lambda:InvokeFunction',
        sourceArn: rule.attrArn,
        sourceAccount: account,
      });
      this.rules.push(rule);
    }
  }
}
