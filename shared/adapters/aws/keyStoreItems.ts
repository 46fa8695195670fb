/**
 * How the KeyStore's records map to the items of its single table (see keyStoreTable.ts): one pure codec per kind
 * of record, its sort-key prefix and its attributes. DynamoKeyStore runs the same operations over all of them.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ApiKeyRecord, C2KeyRecord, ClientRecord, EventRecord, LinkRecord, TopicRecord } from '../../c2/ports.js';

export type Item = Record<string, AttributeValue>;

export const partition = (tenantId: string): string => `T#${tenantId}`;

/** Some items of a tenant: those whose sort key starts with `prefix`, in sort-key order (or reversed). */
export interface ItemRange<T> {
  readonly prefix: string;
  readonly newestFirst?: boolean;
  fromItem(tenantId: string, item: Item): T;
}

/** One kind of record: its items are `prefix + nameOf(record)`, with the attributes of `toItem`. */
export interface RecordKind<R> extends ItemRange<R> {
  /** Names a record in error messages, e.g. `client "device-1"` (never key bytes). */
  title(name: string): string;
  nameOf(record: R): string;
  /** Every attribute but the keys. */
  toItem(record: R): Item;
}

interface KeyFields {
  readonly wrappedKey: Uint8Array;
  readonly keyVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function keyAttributes(record: KeyFields): Item {
  return {
    wrappedKey: { B: record.wrappedKey },
    keyVersion: { N: String(record.keyVersion) },
    createdAt: { S: record.createdAt },
    updatedAt: { S: record.updatedAt },
  };
}

function keyFields(item: Item): KeyFields {
  return {
    wrappedKey: item.wrappedKey!.B!,
    keyVersion: Number(item.keyVersion!.N),
    createdAt: item.createdAt!.S!,
    updatedAt: item.updatedAt!.S!,
  };
}

export const CLIENTS: RecordKind<ClientRecord> = {
  prefix: 'C#',
  title: (name) => `client "${name}"`,
  nameOf: (r) => r.name,
  toItem: (r) => ({ name: { S: r.name }, id: { B: r.id }, mode: { S: r.mode }, ...keyAttributes(r) }),
  fromItem: (tenantId, item) => ({
    tenantId,
    name: item.name!.S!,
    id: item.id!.B!,
    mode: item.mode!.S! as ClientRecord['mode'],
    ...keyFields(item),
  }),
};

/** Topics; their items also carry the topic's lease (`leaseOwner`, `leaseUntil`), which is not part of the record. */
export const TOPICS: RecordKind<TopicRecord> = {
  prefix: 'P#',
  title: (topic) => `topic "${topic}"`,
  nameOf: (r) => r.topic,
  toItem: (r) => ({ topic: { S: r.topic }, hash: { B: r.hash }, ...keyAttributes(r) }),
  fromItem: (tenantId, item) => ({ tenantId, topic: item.topic!.S!, hash: item.hash!.B!, ...keyFields(item) }),
};

/** What names a link: its two ends. */
export type LinkEnds = Pick<LinkRecord, 'topic' | 'clientName'>;

/** One of the two items of a link, named by the link's ends alone. */
export interface LinkSide extends RecordKind<LinkRecord> {
  nameOf(link: LinkEnds): string;
}

function linkSide(prefix: string, nameOf: (link: LinkEnds) => string): LinkSide {
  return {
    prefix,
    title: (name) => `link "${name.replace('\u0000', '", "')}"`,
    nameOf,
    toItem: (r) => ({ topic: { S: r.topic }, clientName: { S: r.clientName }, createdAt: { S: r.createdAt } }),
    fromItem: (tenantId, item) => ({
      tenantId,
      topic: item.topic!.S!,
      clientName: item.clientName!.S!,
      createdAt: item.createdAt!.S!,
    }),
  };
}

/**
 * The two items of a link. Topics and client names never contain NUL, which sorts before every other character:
 * the range `L#<topic>\0` holds exactly that topic's links, in client name order (not those of `<topic>/x` or
 * `<topic>x`), and `M#<client>\0` that client's, in topic order.
 */
export const LINKS_BY_TOPIC = linkSide('L#', (r) => `${r.topic}\u0000${r.clientName}`);
export const LINKS_BY_CLIENT = linkSide('M#', (r) => `${r.clientName}\u0000${r.topic}`);

/** The names of the clients linked to a topic. */
export const clientsOfTopic = (topic: string): ItemRange<string> => ({
  prefix: `${LINKS_BY_TOPIC.prefix}${topic}\u0000`,
  fromItem: (_, item) => item.clientName!.S!,
});

/** The topics a client is linked to. */
export const topicsOfClient = (clientName: string): ItemRange<string> => ({
  prefix: `${LINKS_BY_CLIENT.prefix}${clientName}\u0000`,
  fromItem: (_, item) => item.topic!.S!,
});

/** The name of the tenant's only C2 key pair. */
export const C2_KEY_NAME = 'c2';

/** The C2 key pair: one item, `K#c2`; its pending key is three optional attributes. */
export const C2_KEY: RecordKind<C2KeyRecord> = {
  prefix: 'K#',
  title: () => 'C2 key',
  nameOf: () => C2_KEY_NAME,
  toItem: (r) => ({
    publicKey: { B: r.publicKey },
    ...keyAttributes(r),
    ...(r.pending
      ? {
          pendingPublicKey: { B: r.pending.publicKey },
          pendingWrappedKey: { B: r.pending.wrappedKey },
          pendingVersion: { N: String(r.pending.keyVersion) },
        }
      : {}),
  }),
  fromItem: (tenantId, item) => ({
    tenantId,
    publicKey: item.publicKey!.B!,
    ...keyFields(item),
    ...(item.pendingVersion
      ? {
          pending: {
            publicKey: item.pendingPublicKey!.B!,
            wrappedKey: item.pendingWrappedKey!.B!,
            keyVersion: Number(item.pendingVersion.N),
          },
        }
      : {}),
  }),
};

const DAY_SECONDS = 86_400;

/** Events, `E#<id>` (ids sort by time); `expiresAt` (epoch seconds) is the table's TTL: `at` + the retention. */
export function eventKind(retentionDays: number): RecordKind<EventRecord> {
  return {
    prefix: 'E#',
    newestFirst: true,
    title: (id) => `event "${id}"`,
    nameOf: (r) => r.id,
    toItem: (r) => {
      const at = Date.parse(r.at);
      if (!Number.isFinite(at)) throw new RangeError(`event "${r.id}": "at" is not a date`);
      return {
        at: { S: r.at },
        actor: { S: r.actor },
        action: { S: r.action },
        targetType: { S: r.target.type },
        targetName: { S: r.target.name },
        result: { S: r.result },
        ...(r.errorCode === undefined ? {} : { errorCode: { S: r.errorCode } }),
        ...(r.details === undefined ? {} : { details: { S: JSON.stringify(r.details) } }),
        expiresAt: { N: String(Math.floor(at / 1000) + retentionDays * DAY_SECONDS) },
      };
    },
    fromItem: (tenantId, item) => ({
      tenantId,
      id: item.SK!.S!.slice('E#'.length),
      at: item.at!.S!,
      actor: item.actor!.S!,
      action: item.action!.S!,
      target: { type: item.targetType!.S! as EventRecord['target']['type'], name: item.targetName!.S! },
      result: item.result!.S! as EventRecord['result'],
      ...(item.errorCode ? { errorCode: item.errorCode.S! } : {}),
      ...(item.details ? { details: JSON.parse(item.details.S!) as Record<string, unknown> } : {}),
    }),
  };
}

export const API_KEYS: RecordKind<ApiKeyRecord> = {
  prefix: 'A#',
  title: (keyId) => `API key "${keyId}"`,
  nameOf: (r) => r.keyId,
  toItem: (r) => ({
    keyId: { S: r.keyId },
    name: { S: r.name },
    role: { S: r.role },
    secretHash: { B: r.secretHash },
    createdAt: { S: r.createdAt },
  }),
  fromItem: (tenantId, item) => ({
    keyId: item.keyId!.S!,
    tenantId,
    name: item.name!.S!,
    role: item.role!.S! as ApiKeyRecord['role'],
    secretHash: item.secretHash!.B!,
    createdAt: item.createdAt!.S!,
  }),
};
