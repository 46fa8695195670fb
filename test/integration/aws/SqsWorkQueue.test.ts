/**
 * SqsWorkQueue against moto's SQS: what was enqueued is what a consumer receives (JSON bodies, batches of 10),
 * delays hold a message back. An entry SQS fails inside a successful SendMessageBatch (throttled, internal error) is
 * a fault moto cannot cause (it answers a whole batch or refuses it): those tests wrap the real moto-backed client in
 * a sender that passes some entries on and reports the others failed (said again at each such test).
 */
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchCommandOutput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  delaySecondsOf,
  SQS_MAX_DELAY_SECONDS,
  type SqsSender,
  SqsWorkQueue,
} from '../../../shared/adapters/aws/SqsWorkQueue.js';
import type { WorkMessage } from '../../../shared/c2/ports/WorkQueue.js';
import { clientConfig, describeWithMoto, type RunningMoto } from '../../support/moto.js';

const operation = (i: number): WorkMessage => ({
  type: 'operation',
  tenantId: 'tenant-q',
  operationId: `01J0000000000000000000${i.toString().padStart(4, '0')}`,
});
const receipt = (i: number): WorkMessage => ({
  type: 'receipt',
  tenantId: 'tenant-q',
  clientIdHex: i.toString(16).padStart(32, '0'),
  payload: Buffer.from(`receipt ${i}`).toString('base64'),
  tries: i % 3,
});

describe('delaySecondsOf', () => {
  it('rounds up to whole seconds, caps at 15 minutes, and is absent without a delay', () => {
    expect([undefined, 0, -5, 1, 1000, 1001, 899_001, 900_000, 10 ** 9].map(delaySecondsOf)).toEqual([
      undefined,
      undefined,
      undefined,
      1,
      1,
      2,
      SQS_MAX_DELAY_SECONDS,
      SQS_MAX_DELAY_SECONDS,
      SQS_MAX_DELAY_SECONDS,
    ]);
  });
});

/** Receives until the queue answers empty (moto returns what is visible at once). */
async function drain(sqs: SQSClient, queueUrl: string): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((message) => JSON.parse(message.Body ?? 'null')));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, i) => ({ Id: String(i), ReceiptHandle: message.ReceiptHandle })),
      }),
    );
  }
}

const byJson = (items: unknown[]): string[] => items.map((item) => JSON.stringify(item)).sort();

describeWithMoto('SqsWorkQueue over moto', (moto: () => RunningMoto) => {
  let sqs: SQSClient;
  let queueUrl: string;
  afterAll(() => sqs?.destroy());
  beforeEach(async () => {
    await moto().reset();
    sqs ??= new SQSClient(clientConfig(moto()));
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'e4c2-work' }))).QueueUrl!;
  });

  /** The real client, its SendMessageBatch calls counted (entries per call). */
  function counted(): { sender: SqsSender; calls: number[] } {
    const calls: number[] = [];
    return {
      calls,
      sender: {
        send: (command) => {
          calls.push(command.input.Entries?.length ?? 0);
          return sqs.send(command);
        },
      },
    };
  }

  it('queues every message as its JSON, in batches of at most 10', async () => {
    // Prepare
    const messages = [
      ...Array.from({ length: 12 }, (_, i) => operation(i)),
      ...Array.from({ length: 11 }, (_, i) => receipt(i)),
    ];
    const { sender, calls } = counted();
    // Act
    await new SqsWorkQueue(sender, queueUrl).enqueue(messages);
    // Assess
    expect(calls).toEqual([10, 10, 3]);
    expect(byJson(await drain(sqs, queueUrl))).toEqual(byJson(messages));
  });

  it('sends nothing for no message', async () => {
    const { sender, calls } = counted();
    await new SqsWorkQueue(sender, queueUrl).enqueue([]);
    expect(calls).toEqual([]);
  });

  it('holds a delayed message back until its delay (rounded up to seconds) has passed', async () => {
    // Prepare
    const queue = new SqsWorkQueue(sqs, queueUrl);
    // Act
    await queue.enqueue([operation(1)], { delayMs: 1_200 });
    await queue.enqueue([operation(2)]);
    // Assess: only the undelayed one at first, the delayed one 2 s after it was sent
    expect(await drain(sqs, queueUrl)).toEqual([operation(2)]);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await drain(sqs, queueUrl)).toEqual([operation(1)]);
  });

  /**
   * Injected fault (moto fails no single entry of a batch): the entries `fail(id, attempt)` names are not passed
   * to moto and come back Failed, with `SenderFault` as it says; the others go to moto.
   */
  function failing(fail: (id: string, attempt: number) => 'retryable' | 'refused' | undefined) {
    const attempts = new Map<string, number>();
    const sender: SqsSender = {
      send: async (command) => {
        const entries = command.input.Entries ?? [];
        const outcome = entries.map((entry) => {
          const attempt = (attempts.get(entry.Id!) ?? 0) + 1;
          attempts.set(entry.Id!, attempt);
          return { entry, fault: fail(entry.Id!, attempt) };
        });
        const passed = outcome.filter((o) => o.fault === undefined).map((o) => o.entry);
        const real: SendMessageBatchCommandOutput =
          passed.length > 0
            ? await sqs.send(new SendMessageBatchCommand({ ...command.input, Entries: passed }))
            : { $metadata: {}, Successful: [], Failed: [] };
        const failed = outcome
          .filter((o) => o.fault !== undefined)
          .map((o) => ({
            Id: o.entry.Id!,
            SenderFault: o.fault === 'refused',
            Code: o.fault === 'refused' ? 'InvalidParameterValue' : 'InternalError',
          }));
        return { ...real, Failed: [...(real.Failed ?? []), ...failed] };
      },
    };
    return { sender, attempts };
  }

  it('sends again the entries SQS failed on its side, and each arrives once', async () => {
    // Prepare: entries 2 and 7 fail on their first two attempts (injected, see failing())
    const messages = Array.from({ length: 10 }, (_, i) => operation(i));
    const { sender, attempts } = failing((id, attempt) =>
      ['2', '7'].includes(id) && attempt <= 2 ? 'retryable' : undefined,
    );
    // Act
    await new SqsWorkQueue(sender, queueUrl, { baseDelayMs: 1 }).enqueue(messages);
    // Assess
    expect(byJson(await drain(sqs, queueUrl))).toEqual(byJson(messages));
    expect(attempts.get('2')).toBe(3);
    expect(attempts.get('0')).toBe(1);
  });

  it('rejects, saying how many were not queued, once retries are spent; a refused entry is not sent again', async () => {
    // Prepare: entry 3 always fails on SQS's side, entry 5 is refused (injected, see failing())
    const messages = Array.from({ length: 10 }, (_, i) => receipt(i));
    const { sender, attempts } = failing((id) => (id === '3' ? 'retryable' : id === '5' ? 'refused' : undefined));
    // Act
    const enqueued = new SqsWorkQueue(sender, queueUrl, { maxAttempts: 3, baseDelayMs: 1 }).enqueue(messages);
    // Assess
    await expect(enqueued).rejects.toThrow(/2 of 10 messages were not queued \(InvalidParameterValue, InternalError\)/);
    await expect(enqueued).rejects.not.toThrow(/receipt|payload/);
    expect([attempts.get('3'), attempts.get('5')]).toEqual([3, 1]);
    expect(byJson(await drain(sqs, queueUrl))).toEqual(byJson(messages.filter((_, i) => i !== 3 && i !== 5)));
  });

  it('rejects when the queue does not exist', async () => {
    const queue = new SqsWorkQueue(sqs, `${moto().endpoint}/123456789012/no-such-queue`);
    await expect(queue.enqueue([operation(1)])).rejects.toThrow();
  });
});
