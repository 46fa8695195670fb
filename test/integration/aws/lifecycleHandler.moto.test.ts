/**
 * The lifecycle function's handler (handleLifecycleBatch) fed from a queue of moto's SQS with AWS IoT lifecycle
 * events of the shape IoT Core publishes (what the lifecycle rules send there), over a local C2 with a real device:
 * a device back is resynced once however many of its events come, and other events are ignored, never failed.
 * Nothing in moto invokes a function from a queue: `poll()` plays the event source mapping.
 */
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { handleLifecycleBatch } from '../../../functions/lifecycle/handleLifecycleBatch.js';
import type { WorkBatchLogger } from '../../../functions/worker/handleWorkBatch.js';
import { linkClient } from '../../../shared/c2/links/linkClient.js';
import { createTopic } from '../../../shared/c2/topics/createTopic.js';
import { bytesToHex } from '../../../shared/e4/index.js';
import { callerOf } from '../../support/callerOf.js';
import { type LocalC2, startLocalC2 } from '../../support/localC2.js';
import { clientConfig, describeWithMoto } from '../../support/moto.js';
import { operationFinished } from '../../support/operationFinished.js';
import { sqsEventOf } from '../../support/sqsEventOf.js';
import { enrolDevice, type TestDevice } from '../../support/testDevice.js';

const caller = callerOf('tenant-life', 'operator');
const errors: unknown[] = [];
const logger: WorkBatchLogger = { warn: (...line) => errors.push(line), error: (...line) => errors.push(line) };

describeWithMoto('the lifecycle handler over a queue of moto (SQS)', (moto) => {
  let sqs: SQSClient;
  let queueUrl: string;
  let queueArn: string;
  let c2: LocalC2;
  let device: TestDevice;
  let thing: string;

  beforeAll(async () => {
    sqs = new SQSClient(clientConfig(moto()));
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'e4c2-lifecycle' }))).QueueUrl!;
    queueArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
      .Attributes!.QueueArn!;
    c2 = await startLocalC2();
    device = await enrolDevice(c2.deps, caller, c2.mqttUrl, 'sensor-1');
    thing = `e4c2-${caller.tenantId}-${bytesToHex(device.client.id)}`;
    await createTopic(c2.deps, caller, { topic: 'life/topic' });
    await linkClient(c2.deps, caller, { topic: 'life/topic', client: 'sensor-1' });
    await device.commandsApplied(1);
  });
  afterAll(async () => {
    await device?.end();
    await c2?.close();
    sqs?.destroy();
  });

  /** Sends the events to the queue as the rules do (the event's JSON as the body). */
  async function send(events: readonly object[]): Promise<void> {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: events.map((event, i) => ({ Id: String(i), MessageBody: JSON.stringify(event) })),
      }),
    );
  }

  /** The event source mapping, once: receive up to 10, handle, delete what the handler did not report. */
  async function poll() {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    const outcome = await handleLifecycleBatch(c2.deps, sqsEventOf(Messages, queueArn), logger);
    const failed = new Set(outcome.batchItemFailures.map((failure) => failure.itemIdentifier));
    const done = Messages.filter((message) => !failed.has(message.MessageId!));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: done.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
    return { received: Messages.length, ...outcome };
  }

  it('a device connecting and subscribing to its control topic is resynced once, after both', async () => {
    // Prepare: the events of one connection (IoT Core's shapes), and others of no interest.
    const timestamp = Date.now();
    const session = { sessionIdentifier: 'a4666d2a-7d3d-4d7d-8c0a-1b5d3b0a1c2e', principalIdentifier: 'cert-id' };
    const before = device.commands.length;
    await send([
      { clientId: thing, timestamp, eventType: 'connected', ...session, ipAddress: '192.0.2.1', versionNumber: 1 },
      { clientId: thing, timestamp: timestamp + 40, eventType: 'subscribed', ...session, topics: ['life/topic'] },
      {
        clientId: thing,
        timestamp: timestamp + 50,
        eventType: 'subscribed',
        ...session,
        topics: [device.client.receivingTopic],
      },
      { clientId: thing, timestamp: timestamp + 90, eventType: 'disconnected', ...session, disconnectReason: 'X' },
      { clientId: 'someone-else', timestamp, eventType: 'connected', ...session },
      { clientId: `e4c2-${caller.tenantId}-${'1'.repeat(32)}`, timestamp, eventType: 'connected', ...session },
    ]);

    // Act
    let polled = { received: 0, returns: 0, ignored: 0, batchItemFailures: [] as unknown[] };
    for (let received = 0; received < 6; received += polled.received) {
      const next = await poll();
      polled = {
        received: next.received,
        returns: polled.returns + next.returns,
        ignored: polled.ignored + next.ignored,
        batchItemFailures: [...polled.batchItemFailures, ...next.batchItemFailures],
      };
    }

    // Assess: two events of the device back (the unknown device's is handled, and starts nothing), three ignored;
    // one resync operation, carried out once; the device got its topic key once more.
    expect(polled).toMatchObject({ returns: 3, ignored: 3, batchItemFailures: [] });
    const { items } = await c2.deps.operations.listOperations(
      caller.tenantId,
      { kind: 'client.resync' },
      { limit: 10 },
    );
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ actor: 'device-return', target: { type: 'client', name: 'sensor-1' } });
    const done = await operationFinished(c2.deps, items[0]!);
    expect(done).toMatchObject({ status: 'succeeded', counts: { total: 1, sent: 1 } });
    await device.commandsApplied(before + 1);
    expect(device.commands.slice(before)).toEqual(['SetTopicKey']);
    expect(errors).toEqual([]);
  });
});
