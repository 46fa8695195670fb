/**
 * The link-change pipe's records read as LinkChangeMessages: DynamoDB stream records in the shape the pipe puts on
 * the work queue (the records of the AWS documentation's example, with the key store's items).
 */
import { describe, expect, it } from 'vitest';
import { isStreamRecord, linkChangeOfStreamRecord } from '../../../shared/adapters/aws/linkChangeOfStreamRecord.js';

const keys = {
  PK: { S: 'T#tenant-a' },
  SK: { S: 'L#77b931065737ae9b9df43328de528f3339f860618baa074012bd5caadb00a406' },
};
const image = {
  ...keys,
  topic: { S: 'plant/a' },
  clientName: { S: 'dev-1' },
  createdAt: { S: '2026-12-04T10:00:00.000Z' },
};
const record = (eventName: string, dynamodb: object) => ({
  eventID: 'c81e728d9d4c2f636f067f89cc14862c',
  eventName,
  eventVersion: '1.1',
  eventSource: 'aws:dynamodb',
  awsRegion: 'eu-west-1',
  dynamodb: { ApproximateCreationDateTime: 1796378400, SequenceNumber: '111', SizeBytes: 26, ...dynamodb },
  eventSourceARN: 'arn:aws:dynamodb:eu-west-1:123456789012:table/e4c2/stream/2026-12-04T00:00:00.000',
});
const change = {
  type: 'linkChange',
  tenantId: 'tenant-a',
  id: 'c81e728d9d4c2f636f067f89cc14862c',
  topic: 'plant/a',
  client: 'dev-1',
  linkCreatedAt: '2026-12-04T10:00:00.000Z',
  at: '2026-12-04T10:00:00.000Z',
};

describe('linkChangeOfStreamRecord', () => {
  it('reads an inserted link from its new image and a removed one from its old image', () => {
    expect(linkChangeOfStreamRecord(record('INSERT', { Keys: keys, NewImage: image }))).toEqual({
      kind: 'change',
      message: { ...change, change: 'created' },
    });
    expect(linkChangeOfStreamRecord(record('REMOVE', { Keys: keys, OldImage: image }))).toEqual({
      kind: 'change',
      message: { ...change, change: 'deleted' },
    });
  });

  it.each([
    ['a modified link', record('MODIFY', { Keys: keys, NewImage: image, OldImage: image })],
    ['another item', record('INSERT', { Keys: { ...keys, SK: { S: 'M#00' } }, NewImage: image })],
    ['a link without its image', record('REMOVE', { Keys: keys })],
    ['a link of another partition', record('INSERT', { Keys: { ...keys, PK: { S: 'Q#work' } }, NewImage: image })],
    ['a record without an event id', { ...record('INSERT', { Keys: keys, NewImage: image }), eventID: 'a/b' }],
  ])('ignores %s', (_, input) => {
    expect(linkChangeOfStreamRecord(input).kind).toBe('ignored');
  });

  it('tells stream records from work messages', () => {
    expect(isStreamRecord(record('INSERT', {}))).toBe(true);
    expect(isStreamRecord({ type: 'operation' })).toBe(false);
    expect(isStreamRecord(null)).toBe(false);
  });
});
