/**
 * Local mode's KeyStore with its link changes journaled (LocalLinkJournal.ts): a link that was not there and is
 * created, or that was there and is deleted, writes a journal entry first and marks it done after; a write that
 * changes nothing (linking again, unlinking what is not linked) writes none. Link changes of a topic are made under
 * its lease (withTopicLease), so the look before a write sees what the write changes.
 */
import type { KeyStore, LinkRecord } from '../../c2/ports.js';
import type { LinkJournal } from './LocalLinkJournal.js';

export function journaledLinks(store: KeyStore, journal: LinkJournal): KeyStore {
  const putLink = async (link: LinkRecord): Promise<void> => {
    if (await store.getLink(link.tenantId, link.topic, link.clientName)) return store.putLink(link);
    const entry = await journal.begin({
      tenantId: link.tenantId,
      change: 'created',
      topic: link.topic,
      client: link.clientName,
      linkCreatedAt: link.createdAt,
    });
    await written(journal, entry, store.putLink(link));
  };
  const deleteLink = async (tenantId: string, topic: string, clientName: string): Promise<void> => {
    const before = await store.getLink(tenantId, topic, clientName);
    if (!before) return store.deleteLink(tenantId, topic, clientName);
    const entry = await journal.begin({
      tenantId,
      change: 'deleted',
      topic,
      client: clientName,
      linkCreatedAt: before.createdAt,
    });
    await written(journal, entry, store.deleteLink(tenantId, topic, clientName));
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'putLink') return putLink;
      if (property === 'deleteLink') return deleteLink;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function written(
  journal: LinkJournal,
  entry: Awaited<ReturnType<LinkJournal['begin']>>,
  write: Promise<void>,
): Promise<void> {
  try {
    await write;
  } catch (error) {
    await journal.end(entry, false);
    throw error;
  }
  await journal.end(entry, true);
}
