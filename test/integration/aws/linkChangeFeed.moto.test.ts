/**
 * The AWS feed of the policies' event triggers over moto: links written by the use cases land in the table's DynamoDB
 * stream; its records, read back with the Streams API and handed to the worker's handler as the link-change pipe
 * puts them on the work queue (each record's JSON a message body), count on the policy, and the threshold starts
 * one event run on that topic; the same records delivered again start nothing more, and a stream record that is not
 * a link change is acknowledged and ignored. Nothing in moto runs a pipe: the test reads the stream in its place.
 */
import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { composeAwsC2 } from '../../../functions/composeAwsC2.js';
import { handleWorkBatch } from '../../../functions/worker/handleWorkBatch.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import { createClient } from '../../../shared/c2/clients/createClient.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { createPolicy } from '../../../shared/c2/policies/createPolicy.js';
import { listPolicyRuns } from '../../../shared/c2/policies/listPolicyRuns.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { randomKey } from '../../../shared/e4/index.js';
import { awsC2Config } from '../../support/awsC2Config.js';
import { callerOf } from '../../support/callerOf.js';
import { clientConfig, describeWithMoto, type RunningMoto } from '../../support/moto.js';

const TABLE = 'e4c2-link-feed';
const caller = callerOf('tenant-feed', 'operator');

/** One call of the DynamoDB Streams JSON API (moto checks no signature; the SDK's streams client is not a dependency). */
async function streams<T>(moto: RunningMoto, action: string, body: object): Promise<T> {
  const response = await fetch(clientConfig(moto).endpoint, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDBStreams_20120810.${action}`,
      Authorization:
        'AWS4-HMAC-SHA256 Credential=testing/20261204/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${action}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Every record of the table's stream, from the start of each shard. */
async function streamRecords(moto: RunningMoto, streamArn: string): Promise<object[]> {
  const { StreamDescription } = await streams<{ StreamDescription: { Shards: { ShardId: string }[] } }>(
    moto,
    'DescribeStream',
    { StreamArn: streamArn },
  );
  const records: object[] = [];
  for (const { ShardId } of StreamDescription.Shards) {
    const { ShardIterator } = await streams<{ ShardIterator: string }>(moto, 'GetShardIterator', {
      StreamArn: streamArn,
      ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const { Records } = await streams<{ Records: object[] }>(moto, 'GetRecords', { ShardIterator });
    records.push(...Records);
  }
  return records;
}

/** The records as the pipe puts them on the work queue, received by the worker (one message each). */
const eventOf = (records: object[]): SQSEvent => ({
  Records: records.map((record, i) => ({
    messageId: `m-${i}`,
    receiptHandle: `r-${i}`,
    body: JSON.stringify(record),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'pipes',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:e4c2-work',
    awsRegion: 'us-east-1',
  })),
});

describeWithMoto('the link-change feed over moto (DynamoDB stream, worker handler)', (moto) => {
  let db: DynamoDBClient;
  let sqs: SQSClient;
  let deps: C2Deps;
  let streamArn: string;
  const warnings: string[] = [];
  const logger = {
    warn: (message: string, attributes: Record<string, unknown>) => warnings.push(`${message}: ${attributes.reason}`),
    error: (message: string) => warnings.push(message),
  };

  beforeAll(async () => {
    const clients = clientConfig(moto());
    const kms = new KMSClient(clients);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'e4c2 link feed test' }));
    kms.destroy();
    db = new DynamoDBClient(clients);
    await createKeyStoreTable(db, TABLE);
    await db.send(
      new UpdateTableCommand({
        TableName: TABLE,
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    streamArn = (await db.send(new DescribeTableCommand({ TableName: TABLE }))).Table!.LatestStreamArn!;
    sqs = new SQSClient(clients);
    const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'e4c2-link-feed-work' }))).QueueUrl!;
    const config = awsC2Config({
      tableName: TABLE,
      kmsKeyArn: KeyMetadata!.Arn!,
      iotDataEndpoint: clients.endpoint,
      workQueueUrl: queueUrl,
    });
    deps = composeAwsC2(config, { clients });
  });
  afterAll(async () => {
    await deps?.publisher.close();
    sqs?.destroy();
    db?.destroy();
  });

  it('counts the links the stream holds once, however often they come, and ignores other records', async () => {
    // Prepare
    const policy = await createPolicy(deps, caller, {
      name: 'after 2 subscriptions',
      target: { topicPrefix: 'plant/' },
      action: 'rotate-topic-key',
      events: [{ type: 'client.subscribed', count: 2 }],
      enabled: true,
    });
    await createTopic(deps, caller, { topic: 'plant/a' });
    for (const name of ['dev-1', 'dev-2']) {
      await createClient(deps, caller, { name, mode: 'symmetric', key: randomKey() });
      await linkClient(deps, caller, { topic: 'plant/a', client: name });
    }
    const records = await streamRecords(moto(), streamArn);

    // Act
    const first = await handleWorkBatch(deps, eventOf(records), { remainingMs: () => 60_000, logger });
    const again = await handleWorkBatch(deps, eventOf(records), { remainingMs: () => 60_000, logger });

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    // moto writes two INSERT records for an item an UpdateItem creates (the first with its keys only, ignored):
    // whatever the records, the links are counted once each.
    expect(records.filter((record) => JSON.stringify(record).includes('"L#')).length).toBeGreaterThanOrEqual(2);
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.every((line) => line.startsWith('stream record ignored'))).toBe(true);
    const runs = await listPolicyRuns(deps, caller, policy.id, { limit: 10 });
    expect(runs.items).toHaveLength(1);
    expect(runs.items[0]).toMatchObject({
      reason: 'event',
      event: { type: 'client.subscribed', topic: 'plant/a' },
      outcome: 'started',
      operations: [{ target: { type: 'topic', name: 'plant/a' } }],
    });
  });
});
