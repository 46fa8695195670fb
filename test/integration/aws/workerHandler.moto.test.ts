/**
 * The worker function's handler (handleWorkBatch) over moto: its deps composed as in Lambda (composeAwsC2: DynamoDB,
 * KMS, SQS), fed with real messages received from moto's SQS and answering as a partial batch response. Nothing in
 * moto invokes a function from a queue, so `poll()` plays Lambda's event source mapping: receive a batch, call the
 * handler, delete the records it did not report. A failure worth retrying is a real one: the messages of tenant
 * `tenant-broken` reach a store on a table that does not exist (each port routes by tenant, see `brokenFor()`).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { composeAwsC2 } from '../../../functions/composeAwsC2.js';
import { handleWorkBatch, type WorkBatchLogger } from '../../../functions/worker/handleWorkBatch.js';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { DynamoOperationStore } from '../../../shared/adapters/aws/DynamoOperationStore.js';
import { createKeyStoreTable } from '../../../shared/adapters/aws/keyStoreTable.js';
import { SqsWorkQueue } from '../../../shared/adapters/aws/SqsWorkQueue.js';
import type { C2Deps } from '../../../shared/c2/C2Deps.js';
import type { WorkMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { awsC2Config } from '../../support/awsC2Config.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';
import { sqsEventOf } from '../../support/sqsEventOf.js';

const TABLE = 'e4c2-worker';
const BROKEN_TENANT = 'tenant-broken';
const MAX_RECEIVE_COUNT = 3;

/** A record of each log line (what the handler reports, to check it names messages without their content). */
function recordingLogger(): WorkBatchLogger & { lines: Array<{ level: string; message: string; attributes: object }> } {
  const lines: Array<{ level: string; message: string; attributes: object }> = [];
  return {
    lines,
    warn: (message, attributes) => lines.push({ level: 'warn', message, attributes }),
    error: (message, attributes) => lines.push({ level: 'error', message, attributes }),
  };
}

/** `target` whose calls with `tenant` as first argument go to `broken` instead. */
function routedByTenant<T extends object>(target: T, broken: T, tenant: string): T {
  return new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        args[0] === tenant
          ? (Reflect.get(broken, property) as (...a: unknown[]) => unknown).apply(broken, args)
          : (value as (...a: unknown[]) => unknown).apply(object, args);
    },
  });
}

describeWithMoto('the worker handler over moto (SQS, DynamoDB, KMS)', (moto) => {
  let sqs: SQSClient;
  let db: DynamoDBClient;
  let deps: C2Deps;
  let queueUrl: string;
  let queueArn: string;
  let dlqUrl: string;
  let queue: SqsWorkQueue;
  let logger: ReturnType<typeof recordingLogger>;

  beforeAll(async () => {
    const clients = clientConfig(moto());
    const kms = new KMSClient(clients);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'e4c2 worker test' }));
    kms.destroy();
    db = new DynamoDBClient(clients);
    await createKeyStoreTable(db, TABLE);
    sqs = new SQSClient(clients);
    dlqUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'e4c2-work-dlq' }))).QueueUrl!;
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] })))
      .Attributes!.QueueArn!;
    // Visibility timeout 0: a record the handler reports comes back at the next receive (Lambda's waits minutes).
    queueUrl = (
      await sqs.send(
        new CreateQueueCommand({
          QueueName: 'e4c2-work',
          Attributes: {
            VisibilityTimeout: '0',
            RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
          },
        }),
      )
    ).QueueUrl!;
    queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
      .Attributes!.QueueArn!;
    const config = awsC2Config({
      tableName: TABLE,
      kmsKeyArn: KeyMetadata!.Arn!,
      iotDataEndpoint: clients.endpoint,
      workQueueUrl: queueUrl,
    });
    const composed = composeAwsC2(config, { clients });
    deps = {
      ...composed,
      store: routedByTenant(composed.store, new DynamoKeyStore(db, 'no-such-table'), BROKEN_TENANT),
      operations: routedByTenant(composed.operations!, new DynamoOperationStore(db, 'no-such-table'), BROKEN_TENANT),
    };
    queue = new SqsWorkQueue(sqs, queueUrl);
  });
  afterAll(async () => {
    await deps?.publisher.close();
    sqs?.destroy();
    db?.destroy();
  });
  beforeEach(async () => {
    logger = recordingLogger();
    for (const url of [queueUrl, dlqUrl]) await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
  });

  /** Lambda's event source mapping, once: receive up to 10, handle, delete what the handler did not report. */
  async function poll(url = queueUrl): Promise<{ event: SQSEvent; response: SQSBatchResponse }> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    const event = sqsEventOf(Messages, queueArn);
    const response = await handleWorkBatch(deps, event, { remainingMs: () => 60_000, marginMs: 5_000, logger });
    const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
    const done = Messages.filter((message) => !failed.has(message.MessageId!));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: done.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
    return { event, response };
  }

  async function depth(url: string): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
  }

  const messageIdOf = (event: SQSEvent, matches: (body: string) => boolean): string =>
    event.Records.find((record) => matches(record.body))!.messageId;

  it('reports exactly the malformed record and the one whose handler threw', async () => {
    // Prepare: a malformed body, a receipt with an uppercase id (malformed), an operation whose store fails
    const secret = 'c2VjcmV0LXJlY2VpcHQtYnl0ZXM=';
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `{"type":"receipt","payload":"${secret}"` }),
    );
    const badReceipt: WorkMessage = {
      type: 'receipt',
      tenantId: 'tenant-a',
      clientIdHex: 'ABCDEF0123456789ABCDEF0123456789',
      payload: secret,
    };
    const broken: WorkMessage = {
      type: 'operation',
      tenantId: BROKEN_TENANT,
      operationId: '01JBR0KEN00000000000000000',
    };
    await queue.enqueue([badReceipt, broken]);
    // Act
    const { event, response } = await poll();
    // Assess
    expect(event.Records).toHaveLength(3);
    const notJson = messageIdOf(event, (body) => body.endsWith(`"${secret}"`));
    const upper = messageIdOf(event, (body) => body.includes('ABCDEF'));
    const failing = messageIdOf(event, (body) => body.includes(BROKEN_TENANT));
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
      [notJson, upper, failing].sort(),
    );
    // Malformed bodies are logged by message id and reason only; the failure names the operation.
    expect(logger.lines.filter((line) => line.level === 'warn').map((line) => line.attributes)).toEqual(
      expect.arrayContaining([
        { messageId: notJson, reason: 'not JSON' },
        { messageId: upper, reason: expect.stringContaining('clientIdHex') },
      ]),
    );
    expect(JSON.stringify(logger.lines.filter((line) => line.level === 'warn'))).not.toContain(secret);
    expect(logger.lines.find((line) => line.level === 'error')?.attributes).toMatchObject({
      messageId: failing,
      type: 'operation',
      tenantId: BROKEN_TENANT,
      operationId: broken.type === 'operation' ? broken.operationId : '',
    });
  });

  it('an operation that does not exist is harmless: handled (not reported), nothing written', async () => {
    // Prepare
    const unknown: WorkMessage = { type: 'operation', tenantId: 'tenant-a', operationId: '01JNXNEXT0000000000000000Z' };
    await queue.enqueue([unknown]);
    // Act
    const { event, response } = await poll();
    // Assess
    expect(event.Records).toHaveLength(1);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(await deps.operations.getOperation('tenant-a', unknown.operationId)).toBeUndefined();
    expect(await depth(queueUrl)).toBe(0);
  });

  it(`a record reported ${MAX_RECEIVE_COUNT} times ends in the dead-letter queue (moto's redrive policy)`, async () => {
    // Prepare: a body that will never parse
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'not a work message' }));
    // Act: the event source mapping receives it until SQS moves it
    const receipts: number[] = [];
    for (let i = 0; i < MAX_RECEIVE_COUNT + 2; i++) {
      const { event, response } = await poll();
      receipts.push(event.Records.length);
      expect(response.batchItemFailures).toHaveLength(event.Records.length);
    }
    // Assess: received exactly maxReceiveCount times, then only in the dead-letter queue, body intact
    expect(receipts).toEqual([...Array(MAX_RECEIVE_COUNT).fill(1), 0, 0]);
    expect(await depth(queueUrl)).toBe(0);
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10 }));
    expect(Messages.map((message) => message.Body)).toEqual(['not a work message']);
  });
});
