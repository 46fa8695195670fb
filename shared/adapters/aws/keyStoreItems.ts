/**
 * How the KeyStore's records map to the items of its single table (see keyStoreTable.ts): one pure codec per kind
 * of record, its sort-key prefix and its attributes. DynamoKeyStore runs the same operations over all of them.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { ApiKeyRecord, C2KeyRecord, ClientRecord, EventRecord, LinkRecord, TopicRecord } from '../../c2/ports.js';
import { bytesToHex, equalBytes, hashIdAlias, hashTopic } from '../../e4/index.js';

export type Item = Record<string, AttributeValue>;

export const partition = (tenantId: string): string => `T#${tenantId}`;

/** Some items of a tenant: those whose sort key starts with `prefix`, in sort-key order (or reversed). */
export interface ItemRange<T> {
  readonly prefix: string;
  readonly newestFirst?: boolean;
  fromItem(tenantId: string, item: Item): T;
}

/**
 * One kind of record, named by an `N` (a string, or a link's two ends): the item of the record named `name` is
 * `prefix + keyOf(name)`, with the attributes of `toItem`.
 */
export interface RecordKind<R, N = string> extends ItemRange<R> {
  /** Names a record in error messages, e.g. `client "device-1"` (never key bytes). */
  title(name: N): string;
  nameOf(record: R): N;
  /** The sort key after the prefix: the name itself, or (clients, topics, links) the hex of its E4 hash. */
  keyOf(name: N): string;
  /** Whether two names are the same: a key made of hashes could hold another name's record. */
  sameName(a: N, b: N): boolean;
  /** Every attribute but the keys. */
  toItem(record: R): Item;
}

/** The key of a kind named by its name itself. */
const keyedByName = {
  keyOf: (name: string) => name,
  sameName: (a: string, b: string) => a === b,
};

/** The sort key after `C#` of a client: the lowercase hex of its E4 id (32 characters). */
export const clientKey = (id: Uint8Array): string => bytesToHex(id);
/** The sort key after `P#` of a topic: the lowercase hex of its E4 topic hash (32 characters). */
export const topicKey = (hash: Uint8Array): string => bytesToHex(hash);

/** Refuses a record whose E4 id (or topic hash) is not the one of its name: it would be stored under another key. */
function checkHash(title: string, stored: Uint8Array, expected: Uint8Array): void {
  if (!equalBytes(stored, expected)) throw new RangeError(`${title}: its hash is not the SHA3-256 of its name`);
}

interface KeyFields {
  readonly wrappedKey: Uint8Array;
  readonly keyVersion: number;
  readonly keySecond?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function keyAttributes(record: KeyFields): Item {
  return {
    wrappedKey: { B: record.wrappedKey },
    keyVersion: { N: String(record.keyVersion) },
    ...(record.keySecond !== undefined ? { keySecond: { N: String(record.keySecond) } } : {}),
    createdAt: { S: record.createdAt },
    updatedAt: { S: record.updatedAt },
  };
}

function keyFields(item: Item): KeyFields {
  return {
    wrappedKey: item.wrappedKey!.B!,
    keyVersion: Number(item.keyVersion!.N),
    ...(item.keySecond ? { keySecond: Number(item.keySecond.N) } : {}),
    createdAt: item.createdAt!.S!,
    updatedAt: item.updatedAt!.S!,
  };
}

/** Clients, `C#<hex id>`: keyed by E4 id (SHA3-256(name)[0:16]), their name an attribute. */
export const CLIENTS: RecordKind<ClientRecord> = {
  prefix: 'C#',
  title: (name) => `client "${name}"`,
  nameOf: (r) => r.name,
  keyOf: (name) => clientKey(hashIdAlias(name)),
  sameName: keyedByName.sameName,
  toItem: (r) => {
    checkHash(CLIENTS.title(r.name), r.id, hashIdAlias(r.name));
    return {
      name: { S: r.name },
      id: { B: r.id },
      mode: { S: r.mode },
      ...keyAttributes(r),
      ...(r.pending
        ? { pendingWrappedKey: { B: r.pending.wrappedKey }, pendingKeyVersion: { N: String(r.pending.keyVersion) } }
        : {}),
      ...(r.lastSeenAt !== undefined ? { lastSeenAt: { S: r.lastSeenAt } } : {}),
      ...(r.rekeyOnReturn ? { rekeyOnReturn: { BOOL: true } } : {}),
    };
  },
  fromItem: (tenantId, item) => ({
    tenantId,
    name: item.name!.S!,
    id: item.id!.B!,
    mode: item.mode!.S! as ClientRecord['mode'],
    ...keyFields(item),
    ...(item.pendingKeyVersion
      ? { pending: { wrappedKey: item.pendingWrappedKey!.B!, keyVersion: Number(item.pendingKeyVersion.N) } }
      : {}),
    ...(item.lastSeenAt ? { lastSeenAt: item.lastSeenAt.S! } : {}),
    ...(item.rekeyOnReturn?.BOOL ? { rekeyOnReturn: true as const } : {}),
  }),
};

/**
 * Topics, `P#<hex hash>`: keyed by E4 topic hash (SHA3-256(topic)[0:16]), their topic an attribute. Their items also
 * carry the topic's lease (`leaseOwner`, `leaseUntil`): read with the record, never written from it.
 */
export const TOPICS: RecordKind<TopicRecord> = {
  prefix: 'P#',
  title: (topic) => `topic "${topic}"`,
  nameOf: (r) => r.topic,
  keyOf: (topic) => topicKey(hashTopic(topic)),
  sameName: keyedByName.sameName,
  toItem: (r) => {
    checkHash(TOPICS.title(r.topic), r.hash, hashTopic(r.topic));
    return {
      topic: { S: r.topic },
      hash: { B: r.hash },
      ...keyAttributes(r),
      ...(r.revokedVersion !== undefined ? { revokedVersion: { N: String(r.revokedVersion) } } : {}),
      ...(r.keyOperationId !== undefined ? { keyOperation: { S: r.keyOperationId } } : {}),
    };
  },
  fromItem: (tenantId, item) => ({
    tenantId,
    topic: item.topic!.S!,
    hash: item.hash!.B!,
    ...keyFields(item),
    ...(item.revokedVersion ? { revokedVersion: Number(item.revokedVersion.N) } : {}),
    ...(item.keyOperation ? { keyOperationId: item.keyOperation.S! } : {}),
    ...(item.leaseOwner && item.leaseUntil
      ? { lease: { owner: item.leaseOwner.S!, until: Number(item.leaseUntil.N) } }
      : {}),
  }),
};

/** What names a link: its two ends. */
export type LinkEnds = Pick<LinkRecord, 'topic' | 'clientName'>;

/** One of the two items of a link, named by the link's ends. */
export type LinkSide = RecordKind<LinkRecord, LinkEnds>;

function linkSide(prefix: string, keyOf: (topicHash: string, clientId: string) => string): LinkSide {
  return {
    prefix,
    title: (ends) => `link "${ends.topic}", "${ends.clientName}"`,
    nameOf: (r) => ({ topic: r.topic, clientName: r.clientName }),
    keyOf: (ends) => keyOf(TOPICS.keyOf(ends.topic), CLIENTS.keyOf(ends.clientName)),
    sameName: (a, b) => a.topic === b.topic && a.clientName === b.clientName,
    // `confirmed` is written by recordLinkConfirmed only (two attributes), never by putting the link again.
    toItem: (r) => ({ topic: { S: r.topic }, clientName: { S: r.clientName }, createdAt: { S: r.createdAt } }),
    fromItem: linkFromItem,
  };
}

function linkFromItem(tenantId: string, item: Item): LinkRecord {
  return {
    tenantId,
    topic: item.topic!.S!,
    clientName: item.clientName!.S!,
    createdAt: item.createdAt!.S!,
    ...(item.confirmedKeyVersion
      ? { confirmed: { keyVersion: Number(item.confirmedKeyVersion.N), at: item.confirmedAt!.S! } }
      : {}),
  };
}

/**
 * The two items of a link: `L#<hex topic hash><hex client id>` (topic side) and `M#<hex client id><hex topic hash>`
 * (client side). Both hashes are 32 hex characters: the range `L#<hex topic hash>` holds exactly that topic's links,
 * in client id order, and `M#<hex client id>` that client's, in topic hash order. The names are attributes.
 */
export const LINKS_BY_TOPIC = linkSide('L#', (topicHash, clientId) => topicHash + clientId);
export const LINKS_BY_CLIENT = linkSide('M#', (topicHash, clientId) => clientId + topicHash);

/** The names of the clients linked to a topic, in client id order. */
export const clientsOfTopic = (topic: string): ItemRange<string> => ({
  prefix: `${LINKS_BY_TOPIC.prefix}${TOPICS.keyOf(topic)}`,
  fromItem: (_, item) => item.clientName!.S!,
});

/** The topics a client is linked to, in topic hash order. */
export const topicsOfClient = (clientName: string): ItemRange<string> => ({
  prefix: `${LINKS_BY_CLIENT.prefix}${CLIENTS.keyOf(clientName)}`,
  fromItem: (_, item) => item.topic!.S!,
});

/** The links of a client (their client-side items), in topic hash order. */
export const linksOfClient = (clientName: string): ItemRange<LinkRecord> => ({
  prefix: topicsOfClient(clientName).prefix,
  fromItem: linkFromItem,
});

/** The name of the tenant's only C2 key pair. */
export const C2_KEY_NAME = 'c2';

/** The C2 key pair: one item, `K#c2`; its pending key is three optional attributes. */
export const C2_KEY: RecordKind<C2KeyRecord> = {
  prefix: 'K#',
  title: () => 'C2 key',
  nameOf: () => C2_KEY_NAME,
  ...keyedByName,
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

/**
 * Events, `E#<id>` (ids sort by time); `expiresAt` (epoch seconds) is the table's TTL: `at` + the retention. Chained
 * records (DynamoEventChain.ts) carry `seq`, `prevHash` and `hash`; those written before the chain do not.
 */
export function eventKind(retentionDays: number): RecordKind<EventRecord> {
  return {
    prefix: 'E#',
    newestFirst: true,
    title: (id) => `event "${id}"`,
    nameOf: (r) => r.id,
    ...keyedByName,
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
        ...(r.seq === undefined ? {} : { seq: { N: String(r.seq) } }),
        ...(r.prevHash === undefined ? {} : { prevHash: { S: r.prevHash } }),
        ...(r.hash === undefined ? {} : { hash: { S: r.hash } }),
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
      ...(item.seq ? { seq: Number(item.seq.N), prevHash: item.prevHash!.S!, hash: item.hash!.S! } : {}),
    }),
  };
}

/** API keys, `A#<key id>`; items written before scopes had `role: admin` (read as the scope) and no prefix. */
export const API_KEYS: RecordKind<ApiKeyRecord> = {
  prefix: 'A#',
  title: (keyId) => `API key "${keyId}"`,
  nameOf: (r) => r.keyId,
  ...keyedByName,
  toItem: (r) => ({
    keyId: { S: r.keyId },
    name: { S: r.name },
    scope: { S: r.scope },
    secretHash: { B: r.secretHash },
    prefix: { S: r.prefix },
    createdAt: { S: r.createdAt },
    ...optionalTimes(r, API_KEY_TIMES),
  }),
  fromItem: (tenantId, item) => ({
    keyId: item.keyId!.S!,
    tenantId,
    name: item.name!.S!,
    scope: (item.scope?.S ?? item.role!.S!) as ApiKeyRecord['scope'],
    secretHash: item.secretHash!.B!,
    prefix: item.prefix?.S ?? item.keyId!.S!,
    createdAt: item.createdAt!.S!,
    ...Object.fromEntries(API_KEY_TIMES.flatMap((field) => (item[field]?.S ? [[field, item[field].S]] : []))),
  }),
};

const API_KEY_TIMES = ['expiresAt', 'rotatedAt', 'revokedAt', 'lastUsedAt'] as const;

function optionalTimes<R>(record: R, fields: readonly (keyof R & string)[]): Item {
  return Object.fromEntries(
    fields.flatMap((field) => (record[field] === undefined ? [] : [[field, { S: String(record[field]) }]])),
  );
}
