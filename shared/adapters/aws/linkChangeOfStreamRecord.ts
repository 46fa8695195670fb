/**
 * A record of the key store table's DynamoDB stream, as the link-change pipe puts it on the work queue (the record's
 * JSON as the message body, infra/constructs/LinkChangePipe.ts), read as a LinkChangeMessage: a link's topic-side
 * item (`L#...`) inserted is a link created, removed a link deleted; its names are in the new image (insert) or the
 * old one (remove), with the link's `createdAt`, the tenant in the partition key; its id is the record's eventID
 * (for logs: the count knows a change by its link and `createdAt`, so a record delivered twice, or a change written
 * as two records, counts once). Anything else of the stream (the pipe's filter lets none through) is `ignored`.
 */
import { parseWorkMessage } from '../../c2/operations/parseWorkMessage.js';
import type { LinkChangeMessage } from '../../c2/ports/WorkQueue.js';
import { LINKS_BY_TOPIC } from './keyStoreItems.js';

export type StreamRecordReading =
  | { readonly kind: 'change'; readonly message: LinkChangeMessage }
  | { readonly kind: 'ignored'; readonly reason: string };

type Attribute = { S?: unknown } | undefined;
interface StreamRecord {
  eventID?: unknown;
  eventName?: unknown;
  eventSource?: unknown;
  dynamodb?: {
    ApproximateCreationDateTime?: unknown;
    Keys?: Record<string, Attribute>;
    NewImage?: Record<string, Attribute>;
    OldImage?: Record<string, Attribute>;
  };
}

const PARTITION_PREFIX = 'T#';
const EVENT_ID = /^[0-9A-Za-z_.:-]{1,128}$/;

/** Whether a queued body is a DynamoDB stream record (rather than a WorkMessage). */
export const isStreamRecord = (json: unknown): boolean =>
  typeof json === 'object' && json !== null && (json as StreamRecord).eventSource === 'aws:dynamodb';

const text = (attribute: Attribute): string | undefined =>
  typeof attribute?.S === 'string' && attribute.S.length > 0 ? attribute.S : undefined;

/** The record's time: epoch seconds (Lambda's and the pipe's shape) or a date string (the SDK's). */
function timeOf(value: unknown): string | undefined {
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  const date = new Date(ms);
  // Outside the range of a Date (±8.64e15 ms) is no time either.
  return Number.isFinite(date.getTime()) ? date.toISOString() : undefined;
}

export function linkChangeOfStreamRecord(json: unknown): StreamRecordReading {
  if (typeof json !== 'object' || json === null) return { kind: 'ignored', reason: 'not a record' };
  const record = json as StreamRecord;
  const change = record.eventName === 'INSERT' ? 'created' : record.eventName === 'REMOVE' ? 'deleted' : undefined;
  if (!change) return { kind: 'ignored', reason: 'not an insert or a removal' };
  const sortKey = text(record.dynamodb?.Keys?.SK);
  if (!sortKey?.startsWith(LINKS_BY_TOPIC.prefix)) return { kind: 'ignored', reason: 'not a link item' };
  const partition = text(record.dynamodb?.Keys?.PK);
  const image = change === 'created' ? record.dynamodb?.NewImage : record.dynamodb?.OldImage;
  const topic = text(image?.topic);
  const client = text(image?.clientName);
  const linkCreatedAt = timeOf(text(image?.createdAt));
  const at = timeOf(record.dynamodb?.ApproximateCreationDateTime);
  const id = record.eventID;
  if (!partition?.startsWith(PARTITION_PREFIX) || !topic || !client || !linkCreatedAt || !at) {
    return { kind: 'ignored', reason: 'a link record without its keys, names (image) or time' };
  }
  if (typeof id !== 'string' || !EVENT_ID.test(id)) return { kind: 'ignored', reason: 'no usable eventID' };
  const message: LinkChangeMessage = {
    type: 'linkChange',
    tenantId: partition.slice(PARTITION_PREFIX.length),
    id,
    change,
    topic,
    client,
    linkCreatedAt,
    at,
  };
  // What the work queue's parser would refuse (a tenant id or a name out of bounds) is no change of the C2's.
  const checked = parseWorkMessage(JSON.stringify(message));
  return checked.ok
    ? { kind: 'change', message }
    : { kind: 'ignored', reason: `not a valid change: ${checked.reason}` };
}
