/**
 * Local mode's link journal on a real dynalite: link changes made through journaledLinks become `linkChange`
 * messages once each, changes that change nothing none, and entries a crash left unfinished are settled from the
 * store by the next start (made, fed; not made, dropped). The queue is a recording sink: what is checked is what the
 * journal hands over, the messages' handling is policyEvents.test.ts's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamoKeyStore } from '../../../shared/adapters/aws/DynamoKeyStore.js';
import { journaledLinks } from '../../../shared/adapters/local/journaledLinks.js';
import { LocalLinkJournal } from '../../../shared/adapters/local/LocalLinkJournal.js';
import type { LinkChangeMessage, WorkMessage, WorkQueue } from '../../../shared/c2/ports/WorkQueue.js';
import { clientRecord, linkRecord, topicRecord } from '../../contract/keyStore.contract.js';
import { type DynaliteTable, openDynaliteTable } from '../../support/dynaliteTable.js';

let table: DynaliteTable;
let store: DynamoKeyStore;
beforeEach(async () => {
  table = await openDynaliteTable();
  store = new DynamoKeyStore(table.db, table.tableName);
  await store.createTopic(topicRecord('a/b'));
  for (const name of ['dev-1', 'dev-2', 'dev-3']) await store.createClient(clientRecord(name));
});
afterEach(async () => {
  await table.close();
});

function recordingQueue(): WorkQueue & { messages: LinkChangeMessage[] } {
  const messages: LinkChangeMessage[] = [];
  return {
    messages,
    enqueue: async (batch: readonly WorkMessage[]) => {
      for (const message of batch) if (message.type === 'linkChange') messages.push(message);
    },
  };
}

const changes = (queue: { messages: LinkChangeMessage[] }) =>
  queue.messages.map(({ change, topic, client }) => `${change} ${topic} ${client}`).sort();

describe('LocalLinkJournal', () => {
  it('feeds each link created or deleted once, and nothing for a write that changes nothing', async () => {
    // Prepare
    const journal = new LocalLinkJournal(table.db, table.tableName);
    const queue = recordingQueue();
    journal.start(store, queue);
    const links = journaledLinks(store, journal);
    const tenantId = linkRecord('a/b', 'dev-1').tenantId;

    // Act
    await links.putLink(linkRecord('a/b', 'dev-1'));
    await links.putLink(linkRecord('a/b', 'dev-1')); // linked already
    await links.putLink(linkRecord('a/b', 'dev-2'));
    await links.deleteLink(tenantId, 'a/b', 'dev-2');
    await links.deleteLink(tenantId, 'a/b', 'dev-3'); // not linked
    await journal.idle();
    const again = new LocalLinkJournal(table.db, table.tableName);
    again.start(store, queue);
    await again.idle();

    // Assess
    expect(changes(queue)).toEqual(['created a/b dev-1', 'created a/b dev-2', 'deleted a/b dev-2']);
    expect(new Set(queue.messages.map((message) => message.id)).size).toBe(3);
    expect(await links.getLink(tenantId, 'a/b', 'dev-1')).toBeDefined();
    await journal.close();
    await again.close();
  });

  it('settles what a crash left unfinished from the store: a change made is fed, one not made is dropped', async () => {
    // Prepare: a process that wrote its entries, then (for some) the change, and stopped before marking them done.
    const crashed = new LocalLinkJournal(table.db, table.tableName);
    const link1 = linkRecord('a/b', 'dev-1');
    const { tenantId } = link1;
    await store.putLink(linkRecord('a/b', 'dev-3'));
    const stale = (await store.getLink(tenantId, 'a/b', 'dev-3'))!;
    const entry = (change: 'created' | 'deleted', client: string, linkCreatedAt: string) =>
      crashed.begin({ tenantId, change, topic: 'a/b', client, linkCreatedAt });
    await entry('created', 'dev-1', link1.createdAt);
    await store.putLink(link1); // made
    await entry('created', 'dev-2', link1.createdAt); // never made
    await entry('deleted', 'dev-3', stale.createdAt); // never made
    await store.putLink(linkRecord('a/b', 'dev-2'));
    await entry('deleted', 'dev-2', link1.createdAt);
    await store.deleteLink(tenantId, 'a/b', 'dev-2'); // made

    // Act
    const restarted = new LocalLinkJournal(table.db, table.tableName);
    const queue = recordingQueue();
    restarted.start(store, queue);
    await restarted.idle();

    // Assess
    expect(changes(queue)).toEqual(['created a/b dev-1', 'deleted a/b dev-2']);
    await restarted.close();
  });
});
