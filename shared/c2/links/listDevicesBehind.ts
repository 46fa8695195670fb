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
 * behind (last seen): a full walk reads each link about once, never the whole table, and a request's work is
 * bounded whatever the tenant's numbers of topics and clients. A page stops after {@link LINK_READS} such rounds
 * with what it found (maybe short, even empty) and a cursor. Devices that send no receipts (e4go) never
 * confirm, so they stay listed once they have a key to confirm.
 */
import { bytesToHex, hashIdAlias } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { C2Error, C2ErrorCode } from '../errors.js';
import { eachPage } from '../pages.js';
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

/** A cursor: the id of the last client a page looked at. */
const CURSOR = /^b([0-9a-f]{32})$/;

const encodeCursor = (clientId: string) => `b${clientId}`;

function decodeCursor(cursor: string): string {
  const match = CURSOR.exec(cursor);
  if (!match) throw new C2Error(C2ErrorCode.InvalidCursor, 'invalid pagination cursor');
  return match[1]!;
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
      ...(after ? { afterClientId: after } : {}),
    });
    const byClient = new Map<string, LinkRecord[]>();
    for (const link of links) byClient.set(link.clientName, [...(byClient.get(link.clientName) ?? []), link]);
    const last = links.at(-1)?.clientName;
    const linksThrough = more && last !== undefined ? idOf(last) : undefined;
    // The pending identity keys of the same window, one read of at most 100 clients: when the window holds more, the
    // window ends at the last client it examined (the links past it are read again by the next read).
    const pendingRead = await deps.store.listClientsWithPendingKey(tenantId, {
      ...(after ? { afterClientId: after } : {}),
      ...(linksThrough ? { throughClientId: linksThrough } : {}),
      limit: 100,
    });
    const pending = pendingRead.clients;
    const through = pendingRead.examinedThrough ?? linksThrough;
    const cut = pendingRead.examinedThrough !== undefined;
    for (const name of byClient.keys()) if (through !== undefined && idOf(name) > through) byClient.delete(name);
    if (last !== undefined && byClient.has(last) && more) {
      // The last client's links may go on past this read: all of them.
      const all: LinkRecord[] = [];
      for await (const part of eachPage((request) =>
        deps.store.listLinksOfClient(tenantId, last, { ...request, limit: 100 }),
      )) {
        all.push(...part);
      }
      byClient.set(last, all);
    }
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
    const goesOn = cut || more;
    for (const [index, id] of ids.entries()) {
      const record = records.get(id);
      if (!record) continue; // deleted meanwhile
      found.push({
        id,
        name: record.name,
        ...(record.lastSeenAt ? { lastSeenAt: record.lastSeenAt } : {}),
        ...(record.pending
          ? { identityKey: { keyVersion: record.keyVersion, pendingVersion: record.pending.keyVersion } }
          : {}),
        topics: behind.get(id)?.topics ?? [],
      });
      if (found.length === limit) {
        const rest = index < ids.length - 1 || goesOn;
        return rest ? { items: found, cursor: encodeCursor(id) } : { items: found };
      }
    }
    if (!goesOn || through === undefined) return { items: found };
    after = through;
  }
  return { items: found, cursor: encodeCursor(after!) };
}
