/**
 * What an operator watches: one CloudWatch dashboard (the HTTP API's 4xx/5xx/latency, each function's errors,
 * throttles and duration, the commands the C2 failed to deliver, the work queue) and alarms on the same signals
 * (and on any message in the work queue's dead-letter queue), sent to one SNS topic (encrypted; an e-mail
 * subscription when `e4c2:alarmEmail` is set).
 *
 * `CommandsFailed` is the functions' own metric (Powertools Metrics, namespace `POWERTOOLS_METRICS_NAMESPACE`,
 * dimension `service` = `POWERTOOLS_SERVICE_NAME`): the count of commands the broker did not take.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export const COMMANDS_FAILED_METRIC = 'CommandsFailed';

export interface ObservabilityProps {
  readonly namePrefix: string;
  readonly api: IHttpApi;
  /** The functions, by a short name (`api`, `lifecycle`, `rotation`, `worker`). */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** The work queue and its dead-letter queue. */
  readonly workQueue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** Where the policies' schedules put the runs EventBridge Scheduler could not deliver. */
  readonly scheduleDeadLetterQueue: IQueue;
  readonly metricsNamespace: string;
  readonly serviceName: string;
  readonly alarmEmail: string | undefined;
}

const PERIOD = Duration.minutes(5);

export class Observability extends Construct {
  readonly alarmTopic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { namePrefix } = props;

    // CloudWatch cannot publish to a topic under the AWS managed SNS key: the topic gets a key of its own, usable
    // by CloudWatch. It protects notifications in flight only, so it goes with the stack.
    const topicKey = new Key(this, 'AlarmTopicKey', {
      description: `${namePrefix}: encrypts the alarm topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    topicKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      displayName: `${namePrefix} alarms`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    const { account, partition, region } = Stack.of(this);
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:${namePrefix}-*` },
          StringEquals: { 'aws:SourceAccount': account },
        },
      }),
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.alarmTopic);

    const commandsFailed = new Metric({
      namespace: props.metricsNamespace,
      metricName: COMMANDS_FAILED_METRIC,
      dimensionsMap: { service: props.serviceName },
      statistic: Stats.SUM,
      period: PERIOD,
    });

    const alarm = (alarmId: string, metric: IMetric, threshold: number, description: string) => {
      const created = new Alarm(this, alarmId, {
        alarmName: `${namePrefix}-${kebab(alarmId)}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms.push(created);
    };

    for (const [name, fn] of Object.entries(props.functions)) {
      const title = capitalize(name);
      alarm(
        `${title}Errors`,
        fn.metricErrors({ period: PERIOD, statistic: Stats.SUM }),
        1,
        `The ${name} function failed (an invocation ended in an error) in the last 5 minutes`,
      );
      alarm(
        `${title}Throttles`,
        fn.metricThrottles({ period: PERIOD, statistic: Stats.SUM }),
        1,
        `The ${name} function was throttled in the last 5 minutes`,
      );
    }
    alarm(
      'ApiServerErrors',
      props.api.metricServerError({ period: PERIOD, statistic: Stats.SUM }),
      1,
      'The HTTP API answered 5xx in the last 5 minutes',
    );
    alarm(
      'CommandsFailed',
      commandsFailed,
      1,
      'The C2 failed to deliver commands to devices (the broker refused or did not answer) in the last 5 minutes',
    );

    const deadLetters = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: Stats.MAXIMUM,
    });
    alarm(
      'WorkDeadLetters',
      deadLetters,
      1,
      "Work the C2 gave up on (an operation step or a device receipt that failed 5 times) is in the work queue's " +
        'dead-letter queue: look at the messages there, then redrive or delete them',
    );

    const scheduleDeadLetters = props.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: Stats.MAXIMUM,
    });
    alarm(
      'ScheduleDeadLetters',
      scheduleDeadLetters,
      1,
      'A scheduled policy run EventBridge Scheduler could not deliver to the rotation function for 24 hours is in ' +
        "the schedules' dead-letter queue: run the policy by hand (POST /v1/policies/{id}/run), then delete the message",
    );

    const functionWidget = (title: string, metricOf: (fn: IFunction) => IMetric) =>
      new GraphWidget({
        title,
        width: 8,
        left: Object.entries(props.functions).map(([name, fn]) =>
          (metricOf(fn) as Metric).with({ label: name, period: PERIOD }),
        ),
      });
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${namePrefix}-c2`,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# ${namePrefix} C2\nHTTP API, functions and command delivery. Alarms go to the SNS topic of the stack.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        width: 12,
        left: [
          props.api.metricCount({ period: PERIOD, statistic: Stats.SUM, label: 'requests' }),
          props.api.metricClientError({ period: PERIOD, statistic: Stats.SUM, label: '4xx' }),
          props.api.metricServerError({ period: PERIOD, statistic: Stats.SUM, label: '5xx' }),
        ],
      }),
      new GraphWidget({
        title: 'API latency (ms)',
        width: 12,
        left: [Stats.p(50), Stats.p(90), Stats.p(99)].map((statistic) =>
          props.api.metricLatency({ period: PERIOD, statistic, label: statistic }),
        ),
      }),
    );
    this.dashboard.addWidgets(
      functionWidget('Function errors', (fn) => fn.metricErrors({ statistic: Stats.SUM })),
      functionWidget('Function throttles', (fn) => fn.metricThrottles({ statistic: Stats.SUM })),
      functionWidget('Function duration p99 (ms)', (fn) => fn.metricDuration({ statistic: Stats.p(99) })),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Commands not delivered',
        width: 24,
        left: [commandsFailed.with({ label: 'CommandsFailed (sum)' })],
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Work queue',
        width: 12,
        left: [
          props.workQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'waiting (max)' }),
          deadLetters.with({ label: 'dead letters (max)' }),
          scheduleDeadLetters.with({ label: 'schedule dead letters (max)' }),
        ],
      }),
      new GraphWidget({
        title: 'Oldest waiting work (s)',
        width: 12,
        left: [props.workQueue.metricApproximateAgeOfOldestMessage({ period: PERIOD, label: 'age (max)' })],
      }),
    );
  }
}

const capitalize = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);
const kebab = (id: string): string => id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
