/**
 * Public-key mode: devices verify each other's signatures with public keys the C2 gives them. Clients that share a
 * topic get each other's keys when they start sharing it (link), and lose them when they share none any more
 * (unlink, delete). E4's C2 left this to the operator.
 */
import { cmdRemovePubKey, cmdSetPubKey } from '../../e4/index.js';
import type { C2Deps } from '../C2Deps.js';
import { openClientKey } from '../clients/requireClient.js';
import type { AddressedCommand, CommandSender } from '../delivery/CommandSender.js';
import { forEachClientOfTopic } from '../delivery/forEachClientOfTopic.js';
import { eachPage } from '../pages.js';
import type { ClientRecord } from '../ports.js';

/** `client` joined `topic`: it and the topic's other public-key clients exchange public keys. */
export async function sharePubKeys(deps: C2Deps, sender: CommandSender, client: ClientRecord, topic: string) {
  if (client.mode !== 'pubkey') return;
  const own = await openClientKey(deps, client);
  try {
    await forEachClientOfTopic(deps, client.tenantId, topic, async (members) => {
      const commands: AddressedCommand[] = [];
      for (const peer of members) {
        if (peer.mode !== 'pubkey' || peer.name === client.name) continue;
        const theirs = await openClientKey(deps, peer);
        commands.push({ client, command: cmdSetPubKey(theirs, peer.name) });
        commands.push({ client: peer, command: cmdSetPubKey(own, client.name) });
        theirs.fill(0);
      }
      await sender.send(commands);
    });
  } finally {
    own.fill(0);
  }
}

/**
 * `client` left `topic`: it and each public-key client of the topic that shares no other topic with it forget each
 * other's public key.
 */
export async function unsharePubKeys(deps: C2Deps, sender: CommandSender, client: ClientRecord, topic: string) {
  if (client.mode !== 'pubkey') return;
  const otherTopics = (await topicsOf(deps, client)).filter((other) => other !== topic);
  await forEachClientOfTopic(deps, client.tenantId, topic, async (members) => {
    const commands: AddressedCommand[] = [];
    for (const peer of members) {
      if (peer.mode !== 'pubkey' || peer.name === client.name) continue;
      if (await sharesAny(deps, peer, otherTopics)) continue;
      commands.push({ client, command: cmdRemovePubKey(peer.name) });
      commands.push({ client: peer, command: cmdRemovePubKey(client.name) });
    }
    await sender.send(commands);
  });
}

async function topicsOf(deps: C2Deps, client: ClientRecord): Promise<string[]> {
  const topics: string[] = [];
  for await (const page of eachPage((request) =>
    deps.store.listTopicsOfClient(client.tenantId, client.name, request),
  )) {
    topics.push(...page);
  }
  return topics;
}

async function sharesAny(deps: C2Deps, peer: ClientRecord, topics: readonly string[]): Promise<boolean> {
  for (const topic of topics) {
    if (await deps.store.getLink(peer.tenantId, topic, peer.name)) return true;
  }
  return false;
}

/**
 * `client` has a new public key (a new identity key): every public-key peer on its topics gets it, once however
 * many topics they share. A resync does not do this (a device coming back never sends its own key to its peers, see
 * operations/resync/resendPubKeys.ts); a new key is the one change its peers must hear of.
 */
export async function announcePubKey(deps: C2Deps, sender: CommandSender, client: ClientRecord): Promise<void> {
  if (client.mode !== 'pubkey') return;
  const own = await openClientKey(deps, client);
  const told = new Set<string>([client.name]);
  try {
    for (const topic of await topicsOf(deps, client)) {
      await forEachClientOfTopic(deps, client.tenantId, topic, async (members) => {
        const peers = members.filter((peer) => peer.mode === 'pubkey' && !told.has(peer.name));
        for (const peer of peers) told.add(peer.name);
        await sender.send(peers.map((peer) => ({ client: peer, command: cmdSetPubKey(own, client.name) })));
      });
    }
  } finally {
    own.fill(0);
  }
}
