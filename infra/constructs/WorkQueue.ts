/**
 * The work queue of the durable operations: an SQS standard queue the api, rotation and lifecycle functions (and the
 * worker, for the next slice of a long fan-out) send to, and the worker function drains (functions/worker), with a
 * dead-letter queue for what failed `maxReceiveCount` times (and for the events the lifecycle and rotation functions
 * failed on, once Lambda's asynchronous retries are spent: one place for an operator to look). Both encrypted (SSE-SQS) and HTTPS only. The visibility
 * timeout is six times the worker's timeout (AWS's advice for an SQS event source), so a batch still in a worker is
 * never handed to another one.
 */
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Receives before a message is moved to the dead-letter queue. */
export const WORK_MAX_RECEIVE_COUNT = 5;
/** How long a dead letter is kept (SQS's longest): time for an operator to look at it. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

export interface WorkQueueProps {
  /** The timeout of the function that consumes the queue. */
  readonly consumerTimeout: Duration;
  readonly removalPolicy: RemovalPolicy;
}

export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'This is the dead-letter queue: its messages are for an operator to look at (an alarm watches its depth), ' +
        'then redrive or delete; a redrive policy of its own would only move them further.',
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(props.consumerTimeout.toSeconds() * 6),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: WORK_MAX_RECEIVE_COUNT },
      removalPolicy: props.removalPolicy,
    });
  }
}
