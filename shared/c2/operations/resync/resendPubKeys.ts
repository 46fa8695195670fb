/**
 * Public-key mode: the public keys a returning device may lack, sent to it alone. Peers got the device's own key when
 * it joined their topic (links/sharePubKeys.ts), so it is never sent to them again on a return: N devices coming
 * back make no N x N commands. What the device may have missed while away is a peer that joined one of its topics,
 * or got a new key, after the device was last seen (`since`): those peers' keys are sent, each once. A peer that was
 * itself away when the device joined catches up the same way on its own return (the device's link is newer than the
 * peer was last seen). Without a `since` (a device that never sent a receipt, or a resync asked for through the API
 * for a device that may have lost its state) every peer's key is sent to the device: O(peers) commands for one
 * device.
 *
 * A peer with a new identity key pending is busy (the pass is done again, operations/resyncOperation.ts) but on the
 * last pass. Its key in force may be replaced at any moment (operations/identityKeyOperation.ts promotes it, then
 * announces the new one to the peers): ours, read before and timestamped after that announce, would put the old key
 * back on the device, which then refuses the peer's messages. Sending the pending key instead would not do either:
 * it may never come into force (its SetIDKey not taken: the peer keeps its key), so only a key in force is sent.
 * On the last pass (the key pending for the whole resync: its operation most likely stopped, the peer on its key in
 * force) the key in force is sent. A renewal that begins after the peers were read announces its key at a later
 * second than the keys sent here (taken before the read): a device that keeps watermarks refuses ours if it comes
 * after; one that does not (e4go) keeps whichever came last.
 */
import { cmdSetPubKey } from '../../../e4/index.js';
import type { C2Deps } from '../../C2Deps.js';
import { openClientKey } from '../../clients/requireClient.js';
import type { AddressedCommand, CommandSender } from '../../delivery/CommandSender.js';
import { forEachClientOfTopic } from '../../delivery/forEachClientOfTopic.js';
import { clockSecond } from '../../delivery/keySeconds.js';
import type { ClientRecord, LinkRecord } from '../../ports.js';
import { commandHashOf } from '../commandHashOf.js';

/**
 * Sends the device the keys of its peers on `links` that are newer than `since`; the hashes of the commands sent,
 * and the peers left out because their new key is pending (none when `lastPass`).
 */
export async function resendPubKeys(
  deps: C2Deps,
  sender: CommandSender,
  client: ClientRecord,
  links: readonly LinkRecord[],
  options: { since: string | undefined; lastPass: boolean },
): Promise<{ hashes: Uint8Array[]; failed: string[]; busy: string[] }> {
  const { since } = options;
  const hashes: Uint8Array[] = [];
  const failed: string[] = [];
  const busy: string[] = [];
  if (client.mode !== 'pubkey') return { hashes, failed, busy };
  const done = new Set<string>([client.name]);
  for (const link of links) {
    // Joined while away (or unknown): every peer of that topic may be missing.
    const all = since === undefined || link.createdAt > since;
    // Taken before the peers are read: a peer's new key announced after that goes out at a later second, so that a
    // device keeping watermarks (ours) refuses the older key read here should it arrive after (STALE_COMMAND).
    const second = clockSecond(deps);
    await forEachClientOfTopic(deps, client.tenantId, link.topic, async (members) => {
      const commands: AddressedCommand[] = [];
      for (const peer of members) {
        if (peer.mode !== 'pubkey' || done.has(peer.name)) continue;
        if (!all && !(await newerThan(deps, peer, link.topic, since!))) continue;
        done.add(peer.name);
        if (peer.pending && !options.lastPass) {
          busy.push(peer.name);
          continue;
        }
        const theirs = await openClientKey(deps, peer);
        commands.push({ client, command: cmdSetPubKey(theirs, peer.name) });
        theirs.fill(0);
      }
      if (commands.length === 0) return;
      const report = await sender.send(commands, {
        second,
        beforePublish: async (out) => {
          for (const each of out) hashes.push(commandHashOf(each.payload));
        },
      });
      for (const command of commands) command.command.fill(0);
      failed.push(...report.failed.map((failure) => failure.error));
    });
  }
  return { hashes, failed, busy };
}

/** Whether the peer's key, or its link to the topic, changed after `since` (ISO 8601). */
async function newerThan(deps: C2Deps, peer: ClientRecord, topic: string, since: string): Promise<boolean> {
  if (peer.updatedAt > since) return true;
  const link = await deps.store.getLink(peer.tenantId, topic, peer.name);
  return link !== undefined && link.createdAt > since;
}
