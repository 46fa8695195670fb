/**
 * The SQS event Lambda's event source mapping hands a function for messages received from a queue (moto's here), so
 * that a test can play that mapping: receive, call the handler, delete what it did not report.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';

export function sqsEventOf(messages: readonly Message[], queueArn: string): SQSEvent {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId!,
      receiptHandle: message.ReceiptHandle!,
      body: message.Body ?? '',
      attributes: {
        ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: message.Attributes?.SentTimestamp ?? '0',
        SenderId: message.Attributes?.SenderId ?? 'test',
        ApproximateFirstReceiveTimestamp: message.Attributes?.ApproximateFirstReceiveTimestamp ?? '0',
      },
      messageAttributes: {},
      md5OfBody: message.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: 'us-east-1',
    })),
  };
}
