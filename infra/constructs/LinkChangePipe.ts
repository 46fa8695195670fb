/**
 * The feed of the policies' event triggers: an EventBridge Pipe from the table's DynamoDB stream to the work queue,
 * filtered to what is counted (link items, `L#...`, inserted or removed: a link created, or deleted by an unlink or a
 * client's deletion), each record one message that the worker turns into a `linkChange`
 * (functions/worker/handleWorkBatch.ts, shared/adapters/aws/linkChangeOfStreamRecord.ts). Records the pipe cannot
 * deliver after its retries go to the work queue's dead-letter queue. Its role reads that stream only (and decrypts
 * it: the table is under the C2's KMS key, through DynamoDB only) and sends to those two queues only.
 */
import { Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The sort-key prefix of a link's topic-side item (shared/adapters/aws/keyStoreItems.ts, LINKS_BY_TOPIC). */
export const LINK_ITEM_PREFIX = 'L#';
/** Tries at delivering a batch of records before they go to the dead-letter queue. */
export const PIPE_MAX_RETRY_ATTEMPTS = 10;

/** The pipe's filter: link items inserted or removed. */
export const LINK_CHANGE_PATTERN = {
  eventName: ['INSERT', 'REMOVE'],
  dynamodb: { Keys: { SK: { S: [{ prefix: LINK_ITEM_PREFIX }] } } },
};

export interface LinkChangePipeProps {
  readonly table: ITable;
  readonly key: IKey;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
}

export class LinkChangePipe extends Construct {
  readonly pipe: CfnPipe;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: LinkChangePipeProps) {
    super(scope, id);
    const { table, key, queue, deadLetterQueue } = props;
    const streamArn = table.tableStreamArn;
    if (!streamArn) throw new Error('the table has no stream (StatefulStack enables NEW_AND_OLD_IMAGES)');
    const stack = Stack.of(this);
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('pipes.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: 'The link-change pipe reads the key store table stream and sends to the work queue',
      inlinePolicies: {
        LinkChanges: new PolicyDocument({
          statements: [
            new PolicyStatement({
              sid: 'ReadTableStream',
              actions: [
                'dynamodb:DescribeStream',
                'dynamodb:GetRecords',
                'dynamodb:GetShardIterator',
                'dynamodb:ListStreams',
              ],
              resources: [streamArn],
            }),
            new PolicyStatement({
              sid: 'StreamDecryptionThroughDynamoDB',
              actions: ['kms:Decrypt'],
              resources: [key.keyArn],
              conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.${stack.urlSuffix}` } },
            }),
            new PolicyStatement({
              sid: 'SendToWorkQueues',
              actions: ['sqs:SendMessage'],
              resources: [queue.queueArn, deadLetterQueue.queueArn],
            }),
          ],
        }),
      },
    });
    this.pipe = new CfnPipe(this, 'Pipe', {
      description: 'Link changes (created, deleted) from the key store table stream to the work queue',
      roleArn: this.role.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          startingPosition: 'LATEST',
          batchSize: 10,
          maximumRetryAttempts: PIPE_MAX_RETRY_ATTEMPTS,
          deadLetterConfig: { arn: deadLetterQueue.queueArn },
        },
        filterCriteria: { filters: [{ pattern: JSON.stringify(LINK_CHANGE_PATTERN) }] },
      },
      target: queue.queueArn,
    });
  }
}
