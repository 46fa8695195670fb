/**
 * The devices behind, fleet-wide: the clients that have not confirmed their current keys, a link whose topic key is
 * newer than the version the device confirmed (or that it never confirmed), or an identity key sent and not yet in
 * force (pending), with when each was last seen and which keys are pending. In client id order, a page at a time.
 *
 * Cost, and why no index: a topic rotation makes every client of the topic behind at once without writing their
 * links (the topic's version moves, the links keep what each device confirmed), so a "behind" index would need a
 * write per link at each rotation. Instead a page reads the client side of the links in client id order (a query
 * per 100 links), the topics those links name (their versions: a batch read, each topic once a request), the
 * clients holding a pending identity key in the same id window (a filtered query examining at most 100 clients:
 * the window ends early at the last one examined when there are more), and the records of the clients found
 * behind (last seen). A read that goes on past its last client ends the window before that client (read again by
 * the next round), unless it is the only client of the read: then the window ends inside its links (the cursor
 * holds the client and the topic hash), and the next round goes on from there, its finds merged into the same
 * entry. So a round is 4 reads whatever the tenant's shape, a full walk reads each link about once (a client's last
 * links twice at most), never the whole table. A page stops after {@link LINK_READS} such rounds with what it found
 * (maybe short, even empty) and a cursor; a client with more links than a page reads may be listed again on the
 * next page (the same id) with the rest of its topics. Devices that send no receipts (e4go) never confirm, so they
 * stay listed once they have a key to confirm.
 */
import { bytesToHex, hashIdAlias, hashTopic } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import type { Caller, ClientRecord, LinkRecord, Page, PageRequest } from '../ports.js';
import { validatePageRequest } from '../validatePageRequest.js';

/** Reads of 100 links a page makes at most before it answers. */
export const LINK_READS = 10;

export interface DeviceBehind {
  /** Its E4 id (lowercase hex). */
  readonly id: string;
  readonly name: string;
  readonly lastSeenAt?: string;
  /** Its identity key: the version in force and the one sent, not confirmed yet. */
  readonly identityKey?: { readonly keyVersion: number; readonly pendingVersion: number };
  /** The topics whose current key it has not confirmed, in topic hash order. */
  readonly topics: {
    readonly topic: string;
    readonly hash: string;
    readonly keyVersion: number;
    readonly confirmedVersion?: number;
  }[];
}

/** A cursor: the id of the last client a page looked at, and the hash of its last topic when it stopped inside. */
const CURSOR = /^b([0-9a-f]{32})(?:\.([0-9a-f]{32}))?$/;

/** Where a page goes on from: after that client, or after that link of it. */
interface Position {
  readonly clientId: string;
  readonly topicHash?: string;
}

const encodeCursor = (at: Position) => `b${at.clientId}${at.topicHash === undefined ? '' : `.${at.topicHash}`}`;

function decodeCursor(cursor: string): Position {
  const match = CURSOR.exec(cursor);
  if (!match) throw new C2Error(C2ErrorCode.InvalidCursor, 'invalid pagination cursor');
  return match[2] === undefined ? { clientId: match[1]! } : { clientId: match[1]!, topicHash: match[2] };
}

const idOf = (name: string) => bytesToHex(hashIdAlias(name));

export async function listDevicesBehind(deps: C2Deps, caller: Caller, page: PageRequest): Promise<Page<DeviceBehind>> {
  const { limit, cursor } = validatePageRequest(page);
  const { tenantId } = caller;
  let after = cursor === undefined ? undefined : decodeCursor(cursor);
  // The topics the links read name, read once each in this request.
  const versions = new Map<string, { keyVersion: number; hash: string } | undefined>();
  const found: DeviceBehind[] = [];
  for (let read = 0; read < LINK_READS; read++) {
    const { links, more } = await deps.store.listLinksAfterClient(tenantId, {
      limit: 100,
      ...(after ? { afterClientId: after.clientId } : {}),
      ...(after?.topicHash ? { afterTopicHash: after.topicHash } : {}),
    });
    const byClient = new Map<string, LinkRecord[]>();
    for (const link of links) byClient.set(link.clientName, [...(byClient.get(link.clientName) ?? []), link]);
    const names = [...byClient.keys()];
    // Where the links read end: through the last client but one when the read goes on past the last (whose links
    // may go on), inside the last when it is the only one.
    let linksEnd: Position | undefined;
    if (more && names.length > 1) {
      byClient.delete(names.at(-1)!);
      linksEnd = { clientId: idOf(names.at(-2)!) };
    } else if (more && names.length === 1) {
      linksEnd = { clientId: idOf(names[0]!), topicHash: bytesToHex(hashTopic(links.at(-1)!.topic)) };
    }
    // The pending identity keys of the same window (after the last client a page looked at: one it stopped inside
    // was examined then), one read of at most 100 clients: when the window holds more, the window ends at the last
    // client it examined (the links past it are read again by the next read). None when the window is inside the
    // client it started in.
    const pendingRead =
      after !== undefined && linksEnd?.clientId === after.clientId
        ? { clients: [] }
        : await deps.store.listClientsWithPendingKey(tenantId, {
            ...(after ? { afterClientId: after.clientId } : {}),
            ...(linksEnd ? { throughClientId: linksEnd.clientId } : {}),
            limit: 100,
          });
    const pending = pendingRead.clients;
    const end: Position | undefined =
      pendingRead.examinedThrough === undefined ? linksEnd : { clientId: pendingRead.examinedThrough };
    for (const name of byClient.keys()) if (end !== undefined && idOf(name) > end.clientId) byClient.delete(name);
    const unread = [...new Set([...byClient.values()].flat().map((link) => link.topic))].filter(
      (topic) => !versions.has(topic),
    );
    for (const topic of unread) versions.set(topic, undefined); // deleted meanwhile, unless read below
    for (const topic of await deps.store.getTopics(tenantId, unread)) {
      versions.set(topic.topic, { keyVersion: topic.keyVersion, hash: bytesToHex(topic.hash) });
    }
    const behind = new Map<string, { name: string; topics: DeviceBehind['topics'] }>();
    for (const [name, ofClient] of byClient) {
      const topics = ofClient.flatMap((link) => {
        const topic = versions.get(link.topic);
        if (!topic || (link.confirmed?.keyVersion ?? 0) >= topic.keyVersion) return [];
        return [
          {
            topic: link.topic,
            hash: topic.hash,
            keyVersion: topic.keyVersion,
            ...(link.confirmed ? { confirmedVersion: link.confirmed.keyVersion } : {}),
          },
        ];
      });
      if (topics.length > 0) behind.set(idOf(name), { name, topics });
    }
    const records = new Map<string, ClientRecord>(pending.map((record) => [bytesToHex(record.id), record]));
    const toRead = [...behind].filter(([id]) => !records.has(id)).map(([, { name }]) => name);
    for (const record of await deps.store.getClients(tenantId, toRead)) records.set(bytesToHex(record.id), record);
    const ids = [...new Set([...behind.keys(), ...pending.map((record) => bytesToHex(record.id))])].sort();
    for (const [index, id] of ids.entries()) {
      const record = records.get(id);
      if (!record) continue; // deleted meanwhile
      const topics = behind.get(id)?.topics ?? [];
      const previous = found.at(-1);
      if (previous?.id === id) {
        // The same client, gone on from inside its links in the round before.
        found[found.length - 1] = { ...previous, topics: [...previous.topics, ...topics] };
        continue;
      }
      found.push({
        id,
        name: record.name,
        ...(record.lastSeenAt ? { lastSeenAt: record.lastSeenAt } : {}),
        ...(record.pending
          ? { identityKey: { keyVersion: record.keyVersion, pendingVersion: record.pending.keyVersion } }
          : {}),
        topics,
      });
      if (found.length === limit) {
        if (index < ids.length - 1) return { items: found, cursor: encodeCursor({ clientId: id }) };
        if (end === undefined) return { items: found };
        // The window ended at this client (inside it, maybe): on from where it ended.
        return { items: found, cursor: encodeCursor(end.clientId === id ? end : { clientId: id }) };
      }
    }
    if (end === undefined) return { items: found };
    after = end;
  }
  return { items: found, cursor: encodeCursor(after!) };
}
